import forge from "node-forge";

/**
 * The platform's own PKI (the embedded default; real deployments configure CA files):
 * a root CA and a document-signing certificate it issues, as PEM and PKCS#12. Pure: key
 * pairs, serial numbers and the time are passed in. Chinese names are UTF8String
 * (valueTagClass UTF8), or the certificate is corrupt (the PKCS#12 MAC fails, openssl cannot read it).
 */
export type KeyPairPem = { privateKeyPem: string; publicKeyPem: string };
export type IssuedCert = { certPem: string; keyPem: string };

const utf8 = (name: string, value: string) => ({ name, value, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class });

function subject(cn: string, org: string) {
  return [{ name: "countryName", value: "CN" }, utf8("organizationName", org), utf8("commonName", cn)];
}

/**
 * The root CA. Its DN must be ASCII: node-forge's PKCS#7 signer (used by @signpdf)
 * re-encodes the issuer of the signing certificate from parsed attributes, which mangles
 * UTF8String values, so a Chinese issuer DN would break every signature.
 */
export function createRootCa(input: { keys: KeyPairPem; serialHex: string; now: Date; years: number; cn: string; org: string }): IssuedCert {
  if (/[^\x20-\x7e]/.test(input.cn + input.org)) throw new RangeError("the CA's DN must be ASCII");
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(input.keys.publicKeyPem);
  cert.serialNumber = input.serialHex;
  cert.validity.notBefore = new Date(input.now.getTime() - 60_000);
  cert.validity.notAfter = new Date(input.now.getTime() + input.years * 365 * 86400_000);
  const attrs = subject(input.cn, input.org);
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(input.keys.privateKeyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: input.keys.privateKeyPem };
}

/** A document-signing certificate issued by the CA (digitalSignature + nonRepudiation). */
export function issueSigningCert(input: { ca: IssuedCert; keys: KeyPairPem; serialHex: string; now: Date; years: number; cn: string; org: string }): IssuedCert {
  const caCert = forge.pki.certificateFromPem(input.ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(input.keys.publicKeyPem);
  cert.serialNumber = input.serialHex;
  cert.validity.notBefore = new Date(input.now.getTime() - 60_000);
  cert.validity.notAfter = new Date(input.now.getTime() + input.years * 365 * 86400_000);
  cert.setSubject(subject(input.cn, input.org));
  // Parsed UTF8String values come back as UTF-8 byte strings: decode them before re-encoding.
  cert.setIssuer(
    caCert.subject.attributes.map((a) => ({
      type: a.type,
      value: a.valueTagClass === (forge.asn1.Type.UTF8 as unknown) ? forge.util.decodeUtf8(String(a.value)) : a.value,
      valueTagClass: a.valueTagClass,
    })),
  );
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, nonRepudiation: true, critical: true },
    { name: "extKeyUsage", emailProtection: true },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(input.ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: input.keys.privateKeyPem };
}

/** PKCS#12 (AES-256, SHA-256 MAC) holding the key, its certificate and the chain. */
export function toPkcs12(signer: IssuedCert, chainPem: string[], passphrase: string): Uint8Array {
  const p12 = forge.pkcs12.toPkcs12Asn1(
    forge.pki.privateKeyFromPem(signer.keyPem),
    [forge.pki.certificateFromPem(signer.certPem), ...chainPem.map((c) => forge.pki.certificateFromPem(c))],
    passphrase,
    { algorithm: "aes256", generateLocalKeyId: true, friendlyName: "Tenderhall document signing" },
  );
  return new Uint8Array(Buffer.from(forge.asn1.toDer(p12).getBytes(), "binary"));
}
