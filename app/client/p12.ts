/**
 * Browser helpers around the user's PKCS#12 file (the "数字证书"). The file is opened in
 * memory with the passphrase; the private key never leaves the page.
 */
import { buildCsr, buildPkcs12, certInfo, openPkcs12 } from "#crypto/certs";
import { generateUserKeyPair, rsaSign } from "#crypto/keys";
import { challengeBytes, type Challenge } from "#crypto/challenge";

export type OpenedCertificate = { privateKeyPkcs8: Uint8Array; certPem: string; chainPem: string[]; fingerprint: string; publicKeySpki: Uint8Array; subjectCn: string; notAfter: Date };

export async function openP12File(file: Blob, passphrase: string): Promise<OpenedCertificate> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const opened = openPkcs12(bytes, passphrase);
  const info = certInfo(opened.certPem);
  return { ...opened, fingerprint: info.fingerprint, publicKeySpki: info.publicKeySpki, subjectCn: info.subjectCn, notAfter: info.notAfter };
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
