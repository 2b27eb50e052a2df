/**
 * Sealing and uploading a bid from the bidder's side (browser; also used by Node tests and
 * benchmarks, which have the same fetch and WebCrypto). The content key is random per
 * upload and never leaves this code unwrapped; the server receives only ciphertext chunks,
 * the wrapped keys and the signed manifest (docs/sealed-bid-format.md).
 *
 * Resumable: the upload's wrapped key for the bidder's own certificate is kept by the
 * server, so after a reload the bidder reopens its PKCS#12 file, unwraps the same content
 * key, re-seals the same files (AES-GCM is deterministic for a fixed key and nonce) and
 * sends only the chunks the server does not have. A chunk whose ciphertext differs from the
 * stored one means the file changed: the upload stops rather than reuse a nonce.
 */
import { importUnwrapKey, importWrapKey, importSigningKey } from "#crypto/keys";
import { BID_FORM_NAME, chunkAad, chunkNonce, DEFAULT_CHUNK_SIZE, fileLabel, fromBase64, type Manifest, type ManifestFile, type Recipient } from "#crypto/seal/format";
import { createSHA256 } from "hash-wasm";
import { bs, importContentKey, sealFile, signManifest, wrapFor, type ContentKey, type HashOptions, type Sha256Factory } from "#crypto/seal/seal";

/** The sealed bid form (file 0); policy/brand/provisionalYuan only when the section's method asks for them (SealedBidForm). */
export type BidForm = { priceYuan: string; durationDays: string; quality: string; projectManager: string; remarks?: string; policy?: string[]; brand?: string; provisionalYuan?: string };

export type SourceFile = { name: string; size: number; stream(): AsyncIterable<Uint8Array> };

export type Progress = { sentBytes: number; totalBytes: number; bytesPerSecond: number; secondsLeft: number | null; phase: "sealing" | "finishing" | "done" };

export type UploadApi = {
  baseUrl: string;
  csrfToken: string;
  fetch?: typeof fetch;
  /** Extra headers (Node callers pass the session cookie). */
  headers?: Record<string, string>;
};

export class UploadError extends Error {
  constructor(
    readonly code: string,
    readonly payload: unknown = null,
    readonly status = 0,
  ) {
    super(code);
    this.name = "UploadError";
  }
}

export type Bidder = { certificateId: string; fingerprint: string; publicKeySpki: Uint8Array; privateKeyPkcs8: Uint8Array };
export type OpeningKey = { kid: string; publicKeySpki: Uint8Array } | null;

type OpenUpload = {
  uploadId: string;
  certificateId: string;
  chunkSize: number;
  files: { index: number; name: string; size: number }[];
  recipients: Recipient[];
  totalBytes: number;
  chunks: { fileIndex: number; chunkIndex: number; sha256: string }[];
};

async function call<T>(api: UploadApi, method: string, path: string, body?: BodyInit, contentType?: string, extra: Record<string, string> = {}): Promise<T> {
  const f = api.fetch ?? fetch;
  const res = await f(`${api.baseUrl}${path}`, {
    method,
    body,
    headers: { "x-csrf-token": api.csrfToken, ...(contentType ? { "content-type": contentType } : {}), ...api.headers, ...extra },
    credentials: "same-origin",
  });
  if (res.status === 404 && method === "GET") return null as T;
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const err = (data as { error?: { code?: string } } | null)?.error;
    throw new UploadError(err?.code ?? `HTTP_${res.status}`, err ?? null, res.status);
  }
  return data as T;
}

async function* bytesOf(b: Uint8Array) {
  yield b;
}

/** Retries a chunk PUT on network failures and 5xx answers (the connection dropped); 4xx is final. */
async function withRetry<T>(fn: () => Promise<T>, tries = 6): Promise<T> {
  let wait = 250;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const final = e instanceof UploadError && e.status >= 400 && e.status < 500;
      if (final || i >= tries) throw e;
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 4000);
    }
  }
}

export type SealOptions = {
  api: UploadApi;
  sectionId: string;
  bidder: Bidder;
  openingKey: OpeningKey;
  form: BidForm;
  files: SourceFile[];
  chunkSize?: number;
  /** Randomness is passed in (32 bytes for the content key). */
  contentKey?: Uint8Array;
  onProgress?: (p: Progress) => void;
  /** In-flight chunk PUTs while the next chunk is sealed. */
  parallel?: number;
  /** How to hash (default: hash-wasm for the plaintext stream, WebCrypto for chunks; Node callers may pass node:crypto's). */
  hashing?: HashOptions;
  signal?: AbortSignal;
};

/** Seals and uploads a new bid, or resumes the open upload for this section when there is one. */
export async function sealAndUpload(o: SealOptions): Promise<{ bidId: string; version: number; receipt: string; manifestSha256: string; receivedAt: string; resumed: boolean }> {
  const existing = await call<OpenUpload | null>(o.api, "GET", `/api/sections/${o.sectionId}/uploads/current`);
  const usable = existing && existing.certificateId === o.bidder.certificateId ? existing : null;
  let ck: ContentKey;
  let uploadId: string;
  let chunkSize: number;
  let recipients: Recipient[];
  let formBytes: Uint8Array;
  const stored = new Map<string, string>();
  if (usable) {
    // Resume: the same content key, unwrapped with the bidder's own private key.
    const mine = usable.recipients.find((r) => r.kid === o.bidder.fingerprint);
    if (!mine) throw new UploadError("RESUME_KEY_MISSING");
    const raw = new Uint8Array(await globalThis.crypto.subtle.decrypt({ name: "RSA-OAEP" }, await importUnwrapKey(o.bidder.privateKeyPkcs8), bs(fromBase64(mine.wrappedKey))));
    ck = await importContentKey(raw);
    uploadId = usable.uploadId;
    chunkSize = usable.chunkSize;
    recipients = usable.recipients;
    for (const c of usable.chunks) stored.set(`${c.fileIndex}:${c.chunkIndex}`, c.sha256);
    formBytes = await recoverForm(o.api, usable, ck);
    const sealedForm = JSON.parse(new TextDecoder().decode(formBytes)) as { files: { name: string; size: number }[] };
    const same = sealedForm.files.length === o.files.length && sealedForm.files.every((f, i) => f.name === o.files[i]!.name && f.size === o.files[i]!.size);
    if (!same) throw new UploadError("RESUME_FILES_DIFFER", { files: sealedForm.files });
  } else {
    chunkSize = o.chunkSize ?? DEFAULT_CHUNK_SIZE;
    ck = await importContentKey(o.contentKey ?? globalThis.crypto.getRandomValues(new Uint8Array(32)));
    recipients = [await wrapFor({ kid: o.bidder.fingerprint, publicKey: await importWrapKey(o.bidder.publicKeySpki) }, ck)];
    if (o.openingKey) recipients.push(await wrapFor({ kid: o.openingKey.kid, publicKey: await importWrapKey(o.openingKey.publicKeySpki) }, ck));
    formBytes = new TextEncoder().encode(JSON.stringify({ v: 1, form: o.form, files: o.files.map((f) => ({ name: f.name, size: f.size })) }));
    const declared = [{ index: 0, name: BID_FORM_NAME, size: formBytes.length }, ...o.files.map((f, i) => ({ index: i + 1, name: fileLabel(i + 1, f.name), size: f.size }))];
    ({ uploadId } = await call<{ uploadId: string }>(
      o.api,
      "POST",
      `/api/sections/${o.sectionId}/uploads`,
      JSON.stringify({ certificateId: o.bidder.certificateId, chunkSize, files: declared, recipients }),
      "application/json",
    ));
  }

  const sources: { name: string; data: () => AsyncIterable<Uint8Array> }[] = [
    { name: BID_FORM_NAME, data: () => bytesOf(formBytes) },
    ...o.files.map((f, i) => ({ name: fileLabel(i + 1, f.name), data: () => f.stream() })),
  ];
  const total = formBytes.length + o.files.reduce((a, f) => a + f.size, 0);
  let done = 0;
  const started = Date.now();
  let sentSinceStart = 0;
  const report = (phase: Progress["phase"]) => {
    const secs = Math.max((Date.now() - started) / 1000, 0.001);
    const rate = sentSinceStart / secs;
    o.onProgress?.({ sentBytes: done, totalBytes: total, bytesPerSecond: rate, secondsLeft: rate > 0 ? (total - done) / rate : null, phase });
  };
  const inflight = new Set<Promise<void>>();
  let failure: unknown = null;
  const files: ManifestFile[] = [];
  for (const [index, src] of sources.entries()) {
    files.push(
      await sealFile(
        ck,
        { index, name: src.name, data: src.data() },
        async (chunkIndex, ct, hash) => {
          if (o.signal?.aborted) throw new UploadError("ABORTED");
          if (failure) throw failure;
          const plain = ct.length - 16;
          const have = stored.get(`${index}:${chunkIndex}`);
          if (have === hash) {
            done += plain;
            report("sealing");
            return;
          }
          if (have) throw new UploadError("RESUME_FILES_DIFFER");
          const p = withRetry(() => call(o.api, "PUT", `/api/uploads/${uploadId}/chunks/${index}/${chunkIndex}`, ct as unknown as BodyInit, "application/octet-stream", { "x-chunk-sha256": hash })).then(
            () => {
              done += plain;
              sentSinceStart += plain;
              report("sealing");
            },
            (e: unknown) => {
              failure = e;
            },
          );
          const tracked = p.finally(() => inflight.delete(tracked));
          inflight.add(tracked);
          while (inflight.size >= (o.parallel ?? 3)) await Promise.race(inflight);
        },
        chunkSize,
        o.hashing ?? { createSha256: await wasmSha256() },
      ),
    );
  }
  await Promise.all(inflight);
  if (failure) throw failure;
  report("finishing");
  const manifest: Manifest = { v: 1, alg: "AES-256-GCM", chunkSize, files, recipients };
  const signature = await signManifest(manifest, await importSigningKey(o.bidder.privateKeyPkcs8));
  const sig = btoa(String.fromCharCode(...signature));
  const result = await call<{ bidId: string; version: number; receipt: string; manifestSha256: string; receivedAt: string }>(
    o.api,
    "POST",
    `/api/uploads/${uploadId}/complete`,
    JSON.stringify({ manifest, signature: sig }),
    "application/json",
  );
  report("done");
  return { ...result, resumed: !!usable };
}

/** hash-wasm's SHA-256 (WebAssembly, about twice the speed of a pure-JS hash in the browser), one instance per file. */
async function wasmSha256(): Promise<Sha256Factory> {
  const h = await createSHA256();
  return () => {
    h.init();
    return { update: (b: Uint8Array) => h.update(b), digest: () => h.digest("binary") };
  };
}

/** Decrypts the stored bid-form chunk of an open upload (its real file names and sizes). */
async function recoverForm(api: UploadApi, u: OpenUpload, ck: ContentKey): Promise<Uint8Array> {
  const f = api.fetch ?? fetch;
  const res = await f(`${api.baseUrl}/api/uploads/${u.uploadId}/chunks/0/0`, { headers: { ...api.headers }, credentials: "same-origin" });
  if (!res.ok) throw new UploadError("RESUME_FORM_MISSING", null, res.status);
  const ct = new Uint8Array(await res.arrayBuffer());
  try {
    return new Uint8Array(
      await globalThis.crypto.subtle.decrypt({ name: "AES-GCM", iv: bs(chunkNonce(0, 0)), additionalData: bs(chunkAad(0, 0, true)), tagLength: 128 }, ck.key, bs(ct)),
    );
  } catch {
    throw new UploadError("RESUME_FORM_MISSING");
  }
}

/** The open upload for a section, if any (to offer "resume" after a reload). */
export function currentUpload(api: UploadApi, sectionId: string) {
  return call<OpenUpload | null>(api, "GET", `/api/sections/${sectionId}/uploads/current`);
}

export function discardUpload(api: UploadApi, uploadId: string) {
  return call<unknown>(api, "DELETE", `/api/uploads/${uploadId}`);
}

/** A browser File as a source (read slice by slice: memory stays flat for a 1 GiB file). */
export function fileSource(file: File, sliceBytes = 4 * 1024 * 1024): SourceFile {
  return {
    name: file.name,
    size: file.size,
    async *stream() {
      for (let off = 0; off < file.size; off += sliceBytes) yield new Uint8Array(await file.slice(off, off + sliceBytes).arrayBuffer());
    },
  };
}
