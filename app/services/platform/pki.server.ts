import { X509Certificate } from "node:crypto";
import { pemToDer } from "#crypto/certs";
import type { Config } from "./config.server";
import { derToPem, documentSigner } from "./platform-signer.server";

/**
 * The trust anchors the platform publishes at /pki (docs/pades.md): the root CA, the
 * document-signing certificate of every official PDF, and the time-stamping authority's
 * certificate (absent when there is no embedded TSA). Public data only — never a key.
 */
export const PKI_FILES = ["ca", "signer", "tsa"] as const;
export type PkiFile = (typeof PKI_FILES)[number];

export type PublishedCertificate = {
  id: PkiFile;
  subject: string;
  issuer: string;
  serialHex: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
  pem: string;
  der: Uint8Array;
};

function describe(id: PkiFile, pem: string): PublishedCertificate {
  const der = pemToDer(pem);
  const x = new X509Certificate(der);
  // Node prints the DN one attribute per line, most significant first (C, O, CN).
  const dn = (s: string) => s.split("\n").filter(Boolean).join(", ");
  return {
    id,
    subject: dn(x.subject),
    issuer: dn(x.issuer),
    serialHex: x.serialNumber.toLowerCase(),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    sha256: x.fingerprint256,
    pem: derToPem(der),
    der,
  };
}

export function publishedCertificates(config: Pick<Config, "dataDir"> & Partial<Pick<Config, "trustedCaFiles">>): PublishedCertificate[] {
  const s = documentSigner(config);
  return [describe("ca", s.caCertPem), describe("signer", s.signerCertPem), ...(s.tsa ? [describe("tsa", s.tsa.certPem)] : [])];
}
