/**
 * Browser helpers around the user's PKCS#12 file (the "数字证书"). The file is opened in
 * memory with the passphrase; the private key never leaves the page.
 */
import { buildCsr, buildPkcs12, CertError, certInfo, openPkcs12 } from "#crypto/certs";
import { generateUserKeyPair, rsaSign } from "#crypto/keys";
import { challengeBytes, type Challenge } from "#crypto/challenge";
import type { ErrorPayload } from "#app/domain/errors";

export type OpenedCertificate = { privateKeyPkcs8: Uint8Array; certPem: string; chainPem: string[]; fingerprint: string; publicKeySpki: Uint8Array; subjectCn: string; notAfter: Date };

/**
 * Why a PKCS#12 file did not open (or does not fit the page). Each has its own message (common:errors.p12.*) —
 * none of them suggests a new key pair: the file may hold the bidder's only key, and a wrong passphrase is not a
 * reason to throw it away.
 * - `NOT_PKCS12`: the file is not a PKCS#12 (.p12/.pfx) file, or is damaged.
 * - `BAD_PASSPHRASE`: the file is fine, the passphrase is wrong.
 * - `NO_KEY`: the file holds certificates but no private key (e.g. a certificate exported without its key).
 * - `CERT_MISMATCH`: no certificate in the file belongs to its private key.
 * - `NOT_REGISTERED`: the file opened, but its certificate is not one of this user's valid certificates on the
 *   platform (another account's file, a revoked or replaced certificate).
 * - `NOT_SEALING`: the file opened, but the bid was sealed for another of the bidder's certificates (opening hall).
 * - `NO_SHARE`: the file opened, but no opening-key share of this section is sealed to its certificate (custodian).
 */
export type P12Problem = "NOT_PKCS12" | "BAD_PASSPHRASE" | "NO_KEY" | "CERT_MISMATCH" | "NOT_REGISTERED" | "NOT_SEALING" | "NO_SHARE";

export class P12Error extends Error {
  constructor(readonly problem: P12Problem) {
    super(`p12.${problem}`);
    this.name = "P12Error";
  }
}

const FROM_CERT_ERROR: Partial<Record<CertError["code"], P12Problem>> = {
  NOT_PKCS12: "NOT_PKCS12",
  BAD_PASSPHRASE: "BAD_PASSPHRASE",
  P12_NO_KEY: "NO_KEY",
  P12_CERT_MISMATCH: "CERT_MISMATCH",
  BAD_PEM: "NOT_PKCS12",
  NOT_RSA: "NO_KEY",
};

/** The translated error for a P12 problem (`common:errors.p12.<problem>`), as the pages' ErrorAlert shows it. */
export function p12ErrorPayload(e: unknown): ErrorPayload {
  const problem: P12Problem = e instanceof P12Error ? e.problem : "NOT_PKCS12";
  return { code: `p12.${problem}` as ErrorPayload["code"], params: {}, violations: [] };
}

/** Opens the user's PKCS#12 file with its passphrase, in memory; throws a P12Error that says what is wrong. */
export async function openP12File(file: Blob, passphrase: string): Promise<OpenedCertificate> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let opened: ReturnType<typeof openPkcs12>;
  let info: ReturnType<typeof certInfo>;
  try {
    opened = openPkcs12(bytes, passphrase);
    info = certInfo(opened.certPem);
  } catch (e) {
    throw new P12Error((e instanceof CertError && FROM_CERT_ERROR[e.code]) || "NOT_PKCS12");
  }
  return { ...opened, fingerprint: info.fingerprint, publicKeySpki: info.publicKeySpki, subjectCn: info.subjectCn, notAfter: info.notAfter };
}

/**
 * The platform certificate (of this user's valid ones) that the opened file holds; throws P12Error NOT_REGISTERED
 * when the file's certificate is not among them.
 */
export function registeredCertificate<C extends { fingerprint: string }>(opened: Pick<OpenedCertificate, "fingerprint">, mine: readonly C[]): C {
  const c = mine.find((x) => x.fingerprint === opened.fingerprint);
  if (!c) throw new P12Error("NOT_REGISTERED");
  return c;
}

/** Makes a key pair in the browser and a CSR for it. The private key stays in the returned object only. */
export async function newKeyAndCsr() {
  const keys = await generateUserKeyPair(2048);
  return { keys, csrPem: buildCsr(keys, "Tenderhall enrolment") };
}

export function packP12(keys: { privateKeyPkcs8: Uint8Array }, certPem: string, chainPem: string[], passphrase: string, friendlyName: string): Uint8Array {
  return buildPkcs12({ privateKeyPkcs8: keys.privateKeyPkcs8, certPem, chainPem, passphrase, friendlyName });
}

export async function signChallengeB64(c: Challenge, privateKeyPkcs8: Uint8Array): Promise<string> {
  const sig = await rsaSign(privateKeyPkcs8, challengeBytes(c));
  let s = "";
  for (const b of sig) s += String.fromCharCode(b);
  return btoa(s);
}

/** Offers bytes as a file download and returns the object URL (kept for a visible link). */
export function offerDownload(bytes: Uint8Array, filename: string, type = "application/x-pkcs12"): string {
  const url = URL.createObjectURL(new Blob([bytes as unknown as BlobPart], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  return url;
}

/** POSTs a form (with the CSRF token) to a resource route and returns its JSON or throws its error payload. */
export async function postForm<T>(url: string, csrfToken: string, fields: Record<string, string>): Promise<T> {
  const body = new FormData();
  body.set("_csrf", csrfToken);
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  const res = await fetch(url, { method: "POST", body, credentials: "same-origin", headers: { accept: "application/json" } });
  const data = (await res.json().catch(() => null)) as (T & { error?: unknown }) | null;
  if (!res.ok || !data || data.error) throw data?.error ?? { code: "generic", params: {}, violations: [] };
  return data;
}
