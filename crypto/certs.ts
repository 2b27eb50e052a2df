import forge from "node-forge";

/**
 * Note: forge encodes a UTF8String attribute value itself (give it the JS string) and hands
 * parsed ones back as UTF-8 byte strings (decode them).
 *
 * User certificates (docs/product.md §3.2): isomorphic (browser and Node). The browser makes the
 * key pair with WebCrypto, signs a PKCS#10 request and, once the platform CA has issued the
 * certificate, packs key + certificate + chain into a passphrase-protected PKCS#12 file that
 * only the user keeps. The server only ever sees the CSR and the certificate.
 *
 * node-forge handles the ASN.1 structures (X.509, PKCS#10, PKCS#12); bulk work and RSA
 * operations on the hot path use WebCrypto (node-forge's pure-JS AES-GCM is 50–200× slower; its RSA blocks the event loop).
 */

const UTF8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;

/** Bytes ⇄ forge's binary strings. */
export const toBinary = (b: Uint8Array) => {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return s;
};
export const fromBinary = (s: string) => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};

function keyFromPkcs8(pkcs8: Uint8Array): forge.pki.rsa.PrivateKey {
  return forge.pki.privateKeyFromAsn1(forge.asn1.fromDer(toBinary(pkcs8))) as forge.pki.rsa.PrivateKey;
}

function publicKeyFromSpki(spki: Uint8Array): forge.pki.rsa.PublicKey {
  return forge.pki.publicKeyFromAsn1(forge.asn1.fromDer(toBinary(spki))) as forge.pki.rsa.PublicKey;
}

export function pemToDer(pem: string): Uint8Array {
  const m = /-----BEGIN [A-Z0-9 ]+-----([\s\S]*?)-----END [A-Z0-9 ]+-----/.exec(pem);
  if (!m) throw new CertError("BAD_PEM");
  return fromBinary(forge.util.decode64(m[1]!.replace(/\s+/g, "")));
}

export class CertError extends Error {
  constructor(readonly code: "BAD_PEM" | "BAD_CSR" | "CSR_SIGNATURE" | "KEY_TOO_SMALL" | "NOT_PKCS12" | "BAD_PASSPHRASE" | "P12_NO_KEY" | "P12_CERT_MISMATCH" | "NOT_RSA") {
    super(code);
    this.name = "CertError";
  }
}

/** A PKCS#10 request for the key pair (the subject is a placeholder: the CA sets the real one). */
export function buildCsr(keys: { privateKeyPkcs8: Uint8Array; publicKeySpki: Uint8Array }, label: string): string {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = publicKeyFromSpki(keys.publicKeySpki);
  csr.setSubject([{ name: "commonName", value: label, valueTagClass: UTF8 }]);
  csr.sign(keyFromPkcs8(keys.privateKeyPkcs8), forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

/** Checks a CSR's self-signature (proof of possession) and returns its public key (SPKI DER). */
export function readCsr(csrPem: string, minBits = 2048): { publicKeySpki: Uint8Array } {
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(csrPem);
  } catch {
    throw new CertError("BAD_CSR");
  }
  if (!csr.publicKey || !("n" in csr.publicKey)) throw new CertError("NOT_RSA");
  let verified = false;
  try {
    verified = csr.verify();
  } catch {
    verified = false; // forge throws on a malformed signature block
  }
  if (!verified) throw new CertError("CSR_SIGNATURE");
  const pub = csr.publicKey as forge.pki.rsa.PublicKey;
  if (pub.n.bitLength() < minBits) throw new CertError("KEY_TOO_SMALL");
  return { publicKeySpki: fromBinary(forge.asn1.toDer(forge.pki.publicKeyToAsn1(pub)).getBytes()) };
}

export type UserSubject = {
  /** Person (Chinese allowed). */
  commonName: string;
  /** Organisation (Chinese allowed). */
  organisation: string;
  /** 统一社会信用代码 of the organisation, when it has one (X.520 serialNumber). */
  creditCode?: string | null;
  /** The platform's user id (X.500 UID), so a certificate names exactly one account. */
  userId: string;
};

/**
 * Issues a user certificate from the platform CA for a verified CSR. Chinese names are
 * UTF8String (forge's default PrintableString corrupts them: the PKCS#12 MAC fails, openssl cannot read it). Key usage allows
 * signing (manifests, challenges) and key encipherment (RSA-OAEP wrapping of content keys).
 */
export function issueUserCert(input: {
  ca: { certPem: string; keyPem: string };
  publicKeySpki: Uint8Array;
  subject: UserSubject;
  serialHex: string;
  now: Date;
  days: number;
  /**
   * Signs the DER TBSCertificate with the CA key (RSA PKCS#1 v1.5, SHA-256) and returns the signature. The server
   * passes node:crypto's (native, ~100× faster than forge's pure-JS RSA, which blocks the event loop for ~0.3 s per
   * certificate); without it, forge signs. Either way the certificate is byte-identical (PKCS#1 v1.5 is deterministic).
   */
  signTbs?: (tbsDer: Uint8Array, caKeyPem: string) => Uint8Array;
}): string {
  const caCert = forge.pki.certificateFromPem(input.ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKeyFromSpki(input.publicKeySpki);
  cert.serialNumber = input.serialHex;
  cert.validity.notBefore = new Date(input.now.getTime() - 60_000);
  cert.validity.notAfter = new Date(input.now.getTime() + input.days * 86400_000);
  const attrs: forge.pki.CertificateField[] = [
    { name: "countryName", value: "CN" },
    { name: "organizationName", value: input.subject.organisation, valueTagClass: UTF8 },
    { name: "commonName", value: input.subject.commonName, valueTagClass: UTF8 },
    { type: "0.9.2342.19200300.100.1.1", value: input.subject.userId, valueTagClass: UTF8 },
  ];
  if (input.subject.creditCode) attrs.push({ type: "2.5.4.5", value: input.subject.creditCode });
  cert.setSubject(attrs);
  // forge encodes UTF8String values itself and returns parsed ones as UTF-8 bytes: decode before re-encoding.
  cert.setIssuer(
    caCert.subject.attributes.map((a) => ({ type: a.type, value: a.valueTagClass === UTF8 ? forge.util.decodeUtf8(String(a.value)) : a.value, valueTagClass: a.valueTagClass })),
  );
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, nonRepudiation: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", clientAuth: true, emailProtection: true },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  if (input.signTbs) {
    // What forge's cert.sign does, with the signature computed outside.
    const oid = forge.pki.oids.sha256WithRSAEncryption!;
    const c = cert as forge.pki.Certificate & { signatureOid: string; siginfo: { algorithmOid: string }; tbsCertificate: forge.asn1.Asn1; signature: string };
    c.signatureOid = oid;
    c.siginfo.algorithmOid = oid;
    c.tbsCertificate = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
    c.signature = toBinary(input.signTbs(fromBinary(forge.asn1.toDer(c.tbsCertificate).getBytes()), input.ca.keyPem));
  } else cert.sign(forge.pki.privateKeyFromPem(input.ca.keyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export type CertInfo = {
  serialHex: string;
  /** SHA-256 of the DER certificate, hex: the certificate's id everywhere (the envelope's `kid`). */
  fingerprint: string;
  subjectCn: string;
  subjectO: string;
  issuerCn: string;
  notBefore: Date;
  notAfter: Date;
  publicKeySpki: Uint8Array;
};

const attr = (c: forge.pki.Certificate["subject"], name: string): string => {
  const a = c.getField(name) as { value: string; valueTagClass?: unknown } | null;
  if (!a) return "";
  return a.valueTagClass === UTF8 ? forge.util.decodeUtf8(String(a.value)) : String(a.value);
};

export function certInfo(certPem: string): CertInfo {
  const cert = forge.pki.certificateFromPem(certPem);
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes();
  const md = forge.md.sha256.create();
  md.update(der);
  return {
    serialHex: cert.serialNumber.toLowerCase(),
    fingerprint: md.digest().toHex(),
    subjectCn: attr(cert.subject, "CN"),
    subjectO: attr(cert.subject, "O"),
    issuerCn: attr(cert.issuer, "CN"),
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    publicKeySpki: fromBinary(forge.asn1.toDer(forge.pki.publicKeyToAsn1(cert.publicKey)).getBytes()),
  };
}

/**
 * True when `certPem` was signed by one of the trusted CA certificates (the platform CA or a
 * configured external CA — R71) and is within its validity period at `now`.
 */
export function chainsTo(certPem: string, trustedCaPems: string[], now: Date): boolean {
  const issuer = issuingCa(certPem, trustedCaPems, now);
  return issuer !== null && now >= issuer.certNotBefore && now <= issuer.certNotAfter && now >= issuer.notBefore && now <= issuer.notAfter;
}

/**
 * The trusted CA whose key signed `certPem` (signature checked; the CA valid at `now`), with
 * both validity windows, so callers can cache the costly signature check and re-apply the
 * dates at each use. Null when no trusted CA signed it.
 */
export function issuingCa(certPem: string, trustedCaPems: string[], now: Date): { notBefore: Date; notAfter: Date; certNotBefore: Date; certNotAfter: Date } | null {
  let cert: forge.pki.Certificate;
  try {
    cert = forge.pki.certificateFromPem(certPem);
  } catch {
    return null;
  }
  for (const pem of trustedCaPems) {
    try {
      const ca = forge.pki.certificateFromPem(pem);
      if (now < ca.validity.notBefore || now > ca.validity.notAfter) continue;
      if (ca.verify(cert)) return { notBefore: ca.validity.notBefore, notAfter: ca.validity.notAfter, certNotBefore: cert.validity.notBefore, certNotAfter: cert.validity.notAfter };
    } catch {
      // not this CA
    }
  }
  return null;
}

/**
 * The user's PKCS#12 file (the "数字证书"): private key, certificate and chain, encrypted with
 * AES-256 under a key derived from the passphrase (PBES2/PBKDF2), with an integrity MAC.
 */
export function buildPkcs12(input: { privateKeyPkcs8: Uint8Array; certPem: string; chainPem: string[]; passphrase: string; friendlyName: string; iterations?: number }): Uint8Array {
  const asn1 = forge.pkcs12.toPkcs12Asn1(
    keyFromPkcs8(input.privateKeyPkcs8),
    [forge.pki.certificateFromPem(input.certPem), ...input.chainPem.map((c) => forge.pki.certificateFromPem(c))],
    input.passphrase,
    { algorithm: "aes256", count: input.iterations ?? 10_000, generateLocalKeyId: true, friendlyName: input.friendlyName },
  );
  return fromBinary(forge.asn1.toDer(asn1).getBytes());
}

/**
 * Opens a PKCS#12 file: the private key (PKCS#8 DER), the end-entity certificate and the rest of the chain.
 * Failures say which: `NOT_PKCS12` (not DER, or not a PFX structure), `BAD_PASSPHRASE` (the integrity MAC or the
 * decryption fails: a wrong passphrase — the file itself is fine), `P12_NO_KEY` (no private key in the file),
 * `P12_CERT_MISMATCH` (no certificate in the file belongs to its key).
 */
export function openPkcs12(p12: Uint8Array, passphrase: string): { privateKeyPkcs8: Uint8Array; certPem: string; chainPem: string[] } {
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(toBinary(p12));
  } catch {
    throw new CertError("NOT_PKCS12");
  }
  let parsed: forge.pkcs12.Pkcs12Pfx;
  try {
    parsed = forge.pkcs12.pkcs12FromAsn1(asn1, false, passphrase);
  } catch (e) {
    // node-forge validates the PFX structure first ("Cannot read PKCS#12 PFX"), then the MAC and the bags.
    const msg = String((e as Error)?.message ?? e);
    throw new CertError(/Cannot read PKCS#12 PFX|not an PKCS#12/i.test(msg) ? "NOT_PKCS12" : /mac|password|decrypt/i.test(msg) ? "BAD_PASSPHRASE" : "NOT_PKCS12");
  }
  const keyBags = [
    ...(parsed.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(parsed.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ];
  const certBags = parsed.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  const key = keyBags[0]?.key as forge.pki.rsa.PrivateKey | undefined;
  if (!key) throw new CertError("P12_NO_KEY");
  const certs = certBags.map((b) => b.cert).filter((c): c is forge.pki.Certificate => !!c);
  // The end-entity certificate is the one whose public key matches the private key.
  const ee = certs.find((c) => (c.publicKey as forge.pki.rsa.PublicKey).n?.equals(key.n));
  if (!ee) throw new CertError("P12_CERT_MISMATCH");
  const pkcs8 = forge.asn1.toDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key))).getBytes();
  return {
    privateKeyPkcs8: fromBinary(pkcs8),
    certPem: forge.pki.certificateToPem(ee),
    chainPem: certs.filter((c) => c !== ee).map((c) => forge.pki.certificateToPem(c)),
  };
}
