import { randomBytes } from "node:crypto";
import { pemToDer } from "#crypto/certs";
import { readTimeStampResponse, rejectionResponse, sha256, TENDERHALL_TSA_POLICY, timeStampRequest, timeStampResponse, timeStampToken, TSA_OID, verifyTimeStampToken } from "#crypto/tsa/tsa";
import { dbNow } from "./command.server";
import type { AppContext } from "./context.server";
import { documentSigner } from "./platform-signer.server";

/**
 * The platform's time-stamping authority (RFC 3161) and its client (docs/decisions/016-pades-and-tsa.md):
 *
 * - `signatureTimeStamp` gives the signature time-stamp of a PAdES B-T signature: a TimeStampToken
 *   over SHA-256 of the signature value — from the embedded TSA in-process (no HTTP loopback; the
 *   time is the database clock, the serial 16 random bytes), or, when TSA_URL is set, from that
 *   external TSA over HTTP (a nonce, the reply checked: granted, imprint, nonce, TSA signature, EKU).
 * - `answerTimeStampHttp` is the public `POST /tsa` endpoint (app/routes/tsa.tsx, RFC 3161 §3.4):
 *   application/timestamp-query in, application/timestamp-reply out; a request that is not one gets
 *   a TimeStampResp with status rejection (badDataFormat, badAlg …) — never a 5xx.
 */

type Ctx = Pick<AppContext, "db" | "config">;

/** A TimeStampReq is ~60–120 bytes (a SHA-512 imprint, a nonce and a policy still fit in 300): 16 KiB is ample. */
export const TSA_LIMITS = { requestBytes: 16 * 1024, replyBytes: 64 * 1024, timeoutMs: 10_000 } as const;

export class TimeStampUnavailableError extends Error {
  constructor(detail: string) {
    super(`time-stamping authority unavailable: ${detail}`);
    this.name = "TimeStampUnavailableError";
  }
}

/** The embedded TSA's reply to a TimeStampReq, at the database clock (also the token of `signatureTimeStamp`). */
async function embeddedReply(ctx: Ctx, request: Uint8Array): Promise<Uint8Array> {
  const tsa = documentSigner(ctx.config).tsa;
  if (!tsa) return rejectionResponse("systemFailure", "no embedded time-stamping authority");
  return timeStampResponse({ request, tsa: { key: tsa.key, certDer: tsa.certDer }, serial: randomBytes(16), genTime: await dbNow(ctx.db), policy: TENDERHALL_TSA_POLICY });
}

/** Embedded TSAs whose first token was verified in full (key matches certificate, chain to the platform CA). */
const verifiedOnce = new WeakSet<object>();

/**
 * A signature time-stamp token over SHA-256(`signatureValue`), from TSA_URL or the embedded TSA.
 * The embedded one makes the token directly (crypto/tsa timeStampToken: ~2 ms with EC P-256; the
 * request/response round trip and pkijs's parse of the token for a full check would add ~10 ms),
 * and verifies its first token after start in full; an external TSA's every reply is checked.
 */
export async function signatureTimeStamp(ctx: Ctx, signatureValue: Uint8Array): Promise<Uint8Array> {
  const imprint = sha256(signatureValue);
  const nonce = randomBytes(8);
  const external = ctx.config.tsaUrl;
  if (!external) {
    const signer = documentSigner(ctx.config);
    const tsa = signer.tsa;
    if (!tsa) throw new TimeStampUnavailableError("no embedded TSA (PLATFORM_CA_KEY not configured): set TSA_URL");
    const token = timeStampToken({
      query: { hashAlgorithm: TSA_OID.sha256, imprint, nonce, certReq: true, policy: null },
      tsa: { key: tsa.key, certDer: tsa.certDer },
      serial: randomBytes(16),
      genTime: await dbNow(ctx.db),
      policy: TENDERHALL_TSA_POLICY,
    });
    if (!verifiedOnce.has(tsa)) {
      const check = verifyTimeStampToken(token, { imprint, nonce, anchors: [pemToDer(signer.caCertPem)] });
      if (!check.valid) throw new TimeStampUnavailableError(`embedded TSA: its own token does not verify (${check.reason})`);
      verifiedOnce.add(tsa);
    }
    return token;
  }
  const replyDer = await postQuery(external, timeStampRequest({ imprint, nonce, certReq: true }));
  // The external TSA's CA is whatever the operator chose: its token is checked here, its chain is the relying party's.
  const anchors = null;
  let reply: ReturnType<typeof readTimeStampResponse>;
  try {
    reply = readTimeStampResponse(replyDer);
  } catch (e) {
    throw new TimeStampUnavailableError(`not a TimeStampResp (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!reply.granted || !reply.token) throw new TimeStampUnavailableError(`status ${reply.status} ${reply.failures.join(",")} ${reply.text.join(" ")}`.trim());
  const check = verifyTimeStampToken(reply.token, { imprint, nonce, anchors });
  if (!check.valid) throw new TimeStampUnavailableError(`token refused: ${check.reason}`);
  return reply.token;
}

async function postQuery(url: string, request: Uint8Array): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/timestamp-query", Accept: "application/timestamp-reply" }, body: arrayBuffer(request), signal: AbortSignal.timeout(TSA_LIMITS.timeoutMs) });
  } catch (e) {
    throw new TimeStampUnavailableError(`${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (res.status !== 200) throw new TimeStampUnavailableError(`${url}: HTTP ${res.status}`);
  const body = await readBounded(res.body, TSA_LIMITS.replyBytes);
  if (!body) throw new TimeStampUnavailableError(`${url}: reply larger than ${TSA_LIMITS.replyBytes} bytes`);
  return body;
}

/** Reads a body up to `max` bytes; null when it is longer (the rest is not read). */
export async function readBounded(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | null> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A copy of exactly `b`'s bytes (a Buffer's slice() is a view whose `.buffer` is the whole backing store). */
const arrayBuffer = (b: Uint8Array): ArrayBuffer => new Uint8Array(b).buffer as ArrayBuffer;

const text = (status: number, message: string) => new Response(`${message}\n`, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });

/**
 * `POST /tsa` (RFC 3161 §3.4): a DER TimeStampReq with Content-Type application/timestamp-query,
 * at most TSA_LIMITS.requestBytes, is answered 200 application/timestamp-reply (granted, or
 * rejection with the PKIFailureInfo); another Content-Type is 415, a longer body 413, any other
 * method 405. A TSA without a key (see platform-signer.server.ts) answers rejection/systemFailure.
 */
export async function answerTimeStampHttp(ctx: Ctx, request: Request): Promise<Response> {
  if (request.method !== "POST") return new Response("POST application/timestamp-query (RFC 3161)\n", { status: 405, headers: { Allow: "POST", "Content-Type": "text/plain; charset=utf-8" } });
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/timestamp-query") return text(415, "Content-Type must be application/timestamp-query (RFC 3161 §3.4)");
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > TSA_LIMITS.requestBytes) return text(413, `a time-stamp request is at most ${TSA_LIMITS.requestBytes} bytes`);
  const body = await readBounded(request.body, TSA_LIMITS.requestBytes);
  if (!body) return text(413, `a time-stamp request is at most ${TSA_LIMITS.requestBytes} bytes`);
  const reply = await embeddedReply(ctx, body);
  return new Response(arrayBuffer(reply), { status: 200, headers: { "Content-Type": "application/timestamp-reply", "Content-Length": String(reply.length), "Cache-Control": "no-store" } });
}
