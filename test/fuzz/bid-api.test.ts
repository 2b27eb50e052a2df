import { createHash } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import {
  changes,
  cookieHeader,
  describeRequest,
  Findings,
  FuzzServer,
  fuzz,
  Harness,
  hostileText,
  isRefused,
  preview,
  rawExchange,
  runs,
  send,
  signIn,
  visitor,
  type Client,
  type RunCtx,
  type Sent,
} from "./helpers";

/**
 * Target 2: the sealed-bid upload API (server/bid-api.ts, docs/sealed-bid-format.md §10) as the
 * demo bidders with their CSRF header — and as the tendering unit, anonymous and with the wrong
 * token: generated JSON bodies (wrong shapes, huge arrays, wrong types), wrong content types,
 * bad chunk indices and lengths, wrong x-chunk-sha256, bodies shorter or longer than declared.
 * Each request must be answered below 500 without internals, and a refused one must store no
 * row and no blob (the blob store is content-addressed: a refused chunk must not stay on disk).
 */

let server: FuzzServer;
let h: Harness;
let bidders: Client[];
let others: Client[];
let certs: Map<string, { id: string; fingerprint: string }>;
/** Sections open for bids (deadline ahead), with their opening key id when they have one. */
let openSections: { id: string; kid: string | null }[];
let closedSections: string[];
let completedUploads: string[];

/** The layout every fixture upload declares: file 0 one chunk, file 1 two chunks (64 KiB chunks). */
const CHUNK = 65_536;
const FILES = [
  { index: 0, name: "bid-form.json", size: 300 },
  { index: 1, name: "file-1.pdf", size: 70_000 },
];
/** Stored length of (file, chunk) for the fixture layout: plaintext + the 16-byte GCM tag; -1 when out of range. */
function storedLength(file: number, chunk: number): number {
  const f = FILES[file];
  if (!f) return -1;
  const n = Math.max(1, Math.ceil(f.size / CHUNK));
  if (chunk < 0 || chunk >= n) return -1;
  return (chunk < n - 1 ? CHUNK : f.size - (n - 1) * CHUNK) + 16;
}

/** Deterministic high-entropy bytes (SHA-256 in counter mode): looks like ciphertext, reproducible from the seed. */
function noise(seed: number, length: number): Buffer {
  const out = Buffer.alloc(Math.max(0, length));
  for (let i = 0, ctr = 0; i < out.length; ctr++) {
    const block = createHash("sha256").update(`${seed}:${ctr}`).digest();
    i += block.copy(out, i);
  }
  return out;
}

function recipientsFor(bidder: Client, sectionKid: string | null) {
  const c = certs.get(bidder.username!)!;
  const wrapped = noise(7, 256).toString("base64");
  return [{ kid: c.fingerprint, alg: "RSA-OAEP-256", wrappedKey: wrapped }, ...(sectionKid ? [{ kid: sectionKid, alg: "RSA-OAEP-256", wrappedKey: noise(8, 384).toString("base64") }] : [])];
}

/** Each bidder's open upload on the first open section (begun again when a run discarded or replaced it). */
const uploads = new Map<string, string>();

async function ensureUploads(): Promise<void> {
  const target = openSections[0]!;
  const rows = await server.sql<{ id: string; username: string }[]>`
    select u.id, us.username from bid_uploads u join users us on us.id = u.user_id where u.status = 'open' and u.section_id = ${target.id}`;
  uploads.clear();
  for (const r of rows) uploads.set(r.username, r.id);
  for (const b of bidders) {
    if (uploads.has(b.username!)) continue;
    const res = await send(server, {
      method: "POST",
      path: `/api/sections/${target.id}/uploads`,
      headers: { cookie: cookieHeader(b), "x-csrf-token": b.csrf, "content-type": "application/json" },
      body: JSON.stringify({ certificateId: certs.get(b.username!)!.id, chunkSize: CHUNK, files: FILES, recipients: recipientsFor(b, target.kid) }),
    });
    const id = (JSON.parse(res.text || "{}") as { uploadId?: string }).uploadId;
    if (res.status !== 200 || !id) throw new Error(`fixture upload for ${b.username} refused: ${res.status} ${res.text.slice(0, 400)}`);
    uploads.set(b.username!, id);
    h.invalidate();
  }
}

beforeAll(async () => {
  server = await FuzzServer.start("bidapi");
  h = new Harness(server);
  await h.init();
  bidders = [await signIn(server, "bidder1"), await signIn(server, "bidder2"), await signIn(server, "bidder3")];
  others = [await signIn(server, "tenderer"), await visitor(server)];
  const anon = others[1]!;
  others.push({ ...anon, name: "anonymous (bad th_session escape)", rawCookie: `th_session=%E0%A4%A; th_csrf=${anon.csrfCookie}` });
  others.push({ ...bidders[0]!, name: "bidder1 without th_csrf cookie", rawCookie: `th_session=${bidders[0]!.session}` });
  const certRows = await server.sql<{ username: string; id: string; fingerprint: string }[]>`
    select u.username, c.id, c.fingerprint from certificates c join users u on u.id = c.user_id where c.status = 'active'`;
  certs = new Map(certRows.map((r) => [r.username, { id: r.id, fingerprint: r.fingerprint }]));
  openSections = await server.sql<{ id: string; kid: string | null }[]>`
    select s.id, k.kid from sections s join projects p on p.id = s.project_id left join opening_keys k on k.section_id = s.id
    where p.status = 'published' and s.status = 'published' and p.bid_deadline > now() + interval '1 day' order by p.bid_deadline desc, s.seq`;
  closedSections = (await server.sql<{ id: string }[]>`
    select s.id from sections s join projects p on p.id = s.project_id where p.bid_deadline <= now() or p.status <> 'published'`).map((r) => r.id);
  completedUploads = (await server.sql<{ id: string }[]>`select id from bid_uploads where status <> 'open'`).map((r) => r.id);
  if (!openSections.length) throw new Error("the demo seed has no section open for bids");
  await ensureUploads();
}, 300_000);

afterAll(async () => {
  if (server) await server.close();
});

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const who = () =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...bidders) },
    { weight: 2, arbitrary: fc.constantFrom(...others) },
  );

type Token = "own" | "none" | "other" | "junk";
const token = fc.constantFrom<Token>("own", "own", "own", "own", "own", "own", "none", "other", "junk");

function authHeaders(c: Client, t: Token, origin: string | null): Record<string, string> {
  const headers: Record<string, string> = {};
  const cookie = cookieHeader(c);
  if (cookie) headers.cookie = cookie;
  const other = [...bidders, ...others].find((x) => x.csrf !== c.csrf)?.csrf ?? "x";
  if (t === "own") headers["x-csrf-token"] = c.csrf;
  if (t === "other") headers["x-csrf-token"] = other;
  if (t === "junk") headers["x-csrf-token"] = "%00".repeat(20);
  if (origin) headers.origin = origin;
  return headers;
}

const origin = fc.constantFrom<string | null>(null, null, null, null, null, null, "http://evil.example", "null");

/** Section ids: open ones, closed/opening/draft ones, unknown UUIDs, malformed. */
const sectionId = () =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...openSections.map((s) => s.id)) },
    { weight: 2, arbitrary: fc.constantFrom(...closedSections) },
    { weight: 1, arbitrary: fc.uuid().map(String) },
    { weight: 1, arbitrary: fc.constantFrom("------------------------------------", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", "00000000-0000-0000-0000-000000000000", "0".repeat(36), "1") },
  );

/** Upload ids: the caller's own open upload (resolved at run time), another bidder's, a completed one, junk. */
type UploadRef = { kind: "own" | "other" | "completed" | "junk"; value: string };
const uploadRef = (): fc.Arbitrary<UploadRef> =>
  fc.oneof(
    { weight: 7, arbitrary: fc.constant<UploadRef>({ kind: "own", value: "" }) },
    { weight: 1, arbitrary: fc.constant<UploadRef>({ kind: "other", value: "" }) },
    { weight: 1, arbitrary: fc.constantFrom(...(completedUploads.length ? completedUploads : ["00000000-0000-4000-8000-000000000000"])).map((v): UploadRef => ({ kind: "completed", value: v })) },
    {
      weight: 1,
      arbitrary: fc.oneof(fc.uuid().map(String), fc.constantFrom("------------------------------------", "ffffffff-ffff-ffff-ffff-ffffffffffff", "g".repeat(36))).map((v): UploadRef => ({ kind: "junk", value: v })),
    },
  );

function resolveUpload(ref: UploadRef, c: Client): string {
  if (ref.kind === "own") return uploads.get(c.username ?? "") ?? "00000000-0000-4000-8000-000000000001";
  if (ref.kind === "other") return [...uploads.entries()].find(([u]) => u !== c.username)?.[1] ?? "00000000-0000-4000-8000-000000000002";
  return ref.value;
}

const weirdJson = fc.oneof(
  fc.constantFrom<unknown>(null, true, 0, -1, 1e308, "", "x", [], {}, [null], JSON.parse('{"__proto__":{"polluted":1}}'), { constructor: { prototype: { x: 1 } } }),
  fc.jsonValue({ maxDepth: 3 }),
  hostileText,
);

/** A value that is valid most of the time and of any shape otherwise. */
const sometimes = <T>(valid: fc.Arbitrary<T>, weightValid = 3) => fc.oneof({ weight: weightValid, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: weirdJson });

const filesArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant<unknown>(FILES) },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.record({
          index: sometimes(fc.nat({ max: 60 })),
          name: sometimes(fc.constantFrom("bid-form.json", "file-1.pdf", "a/b", "..\\x", "\u0000", "x".repeat(121), "标书.pdf", "")),
          size: sometimes(fc.constantFrom(0, 1, 300, 65_536, 2 ** 31, 2 ** 53, 2 ** 53 + 2, -1, 1.5, 1e308, 2 * 1024 ** 3 + 1)),
        }),
        { maxLength: 6 },
      )
      .map((a) => a as unknown),
  },
  { weight: 1, arbitrary: fc.constantFrom(10_000, 100_000).map((n) => Array.from({ length: n }, (_, i) => ({ index: i, name: `file-${i}.pdf`, size: 1 })) as unknown) },
  { weight: 1, arbitrary: weirdJson },
);

const recipientsArb = (c: Client) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant<unknown>(c.username && certs.has(c.username) ? recipientsFor(c, openSections[0]!.kid) : []) },
    {
      weight: 2,
      arbitrary: fc.array(fc.record({ kid: sometimes(fc.constantFrom("x", "opening:x", "a".repeat(64))), alg: sometimes(fc.constantFrom("RSA-OAEP-256", "RSA1_5", "")), wrappedKey: sometimes(fc.constantFrom("", "AAAA", "!!!", "x".repeat(100_000))) }), { maxLength: 6 }),
    },
    { weight: 1, arbitrary: weirdJson },
  );

type Kind = "begin" | "chunk" | "chunk-raw" | "complete" | "delete" | "current" | "read-chunk";

type Plan = {
  kind: Kind;
  client: Client;
  token: Token;
  origin: string | null;
  section: string;
  upload: UploadRef;
  json: unknown;
  encoding: "json" | "json-text-plain" | "form" | "none" | "broken" | "deep" | "utf16";
  file: string;
  chunk: string;
  length: "exact" | "minus1" | "plus1" | "zero" | "tag" | "double" | "one";
  content: "noise" | "zeros" | "pdf" | "text";
  sha: "none" | "right" | "upper" | "wrong" | "junk" | "huge";
  rawMode: "truncated" | "longer";
  seed: number;
  contentType: string | null;
};

function planArb(): fc.Arbitrary<Plan> {
  return who().chain((client) =>
    fc.record({
      kind: fc.constantFrom<Kind>("begin", "begin", "begin", "chunk", "chunk", "chunk", "chunk", "chunk-raw", "complete", "complete", "delete", "current", "read-chunk"),
      client: fc.constant(client),
      token,
      origin,
      section: sectionId(),
      upload: uploadRef(),
      json: fc.oneof(
        {
          weight: 5,
          arbitrary: fc.record(
            {
              certificateId: sometimes(fc.constantFrom(...[...certs.values()].map((c) => c.id))),
              chunkSize: sometimes(fc.constantFrom(CHUNK, 65_535, 8 * 1024 * 1024, 8 * 1024 * 1024 + 1, 0, -1, 2 ** 31, 2 ** 53 + 1, 1e308, 1.5)),
              files: filesArb,
              recipients: recipientsArb(client),
              manifest: sometimes(
                fc.record({
                  v: sometimes(fc.constant(1)),
                  alg: sometimes(fc.constant("AES-256-GCM")),
                  chunkSize: sometimes(fc.constant(CHUNK)),
                  files: sometimes(
                    fc.constant(
                      FILES.map((f) => ({ ...f, sha256: "0".repeat(64), chunks: Array.from({ length: Math.max(1, Math.ceil(f.size / CHUNK)) }, () => "0".repeat(64)) })),
                    ),
                  ),
                  recipients: sometimes(fc.constant(client.username && certs.has(client.username) ? recipientsFor(client, openSections[0]!.kid) : [])),
                }),
              ),
              signature: sometimes(fc.constantFrom("", "AAAA", "!!!not base64", noise(3, 256).toString("base64"), "x".repeat(200_000))),
            },
            { requiredKeys: [] },
          ),
        },
        { weight: 1, arbitrary: weirdJson },
      ),
      encoding: fc.constantFrom<Plan["encoding"]>("json", "json", "json", "json", "json", "json", "json-text-plain", "form", "none", "broken", "deep", "utf16"),
      file: fc.constantFrom("0", "1", "1", "2", "50", "007", "4294967296", "99999999999999999999", "-1", "1.0", "x"),
      chunk: fc.constantFrom("0", "0", "1", "2", "3", "9007199254740993", "99999999999999999999", "-1", "00"),
      length: fc.constantFrom<Plan["length"]>("exact", "exact", "exact", "minus1", "plus1", "zero", "tag", "double", "one"),
      content: fc.constantFrom<Plan["content"]>("noise", "noise", "noise", "zeros", "pdf", "text"),
      sha: fc.constantFrom<Plan["sha"]>("none", "none", "right", "upper", "wrong", "junk", "huge"),
      rawMode: fc.constantFrom<Plan["rawMode"]>("truncated", "longer"),
      seed: fc.nat(),
      contentType: fc.constantFrom<string | null>("application/octet-stream", "application/octet-stream", null, "application/json", "multipart/form-data; boundary=x", "text/plain"),
    }),
  );
}

function jsonBody(plan: Plan): { body: string | Buffer; contentType: string | null; describe: string } {
  const text = JSON.stringify(plan.json) ?? "null";
  switch (plan.encoding) {
    case "json":
      return { body: text, contentType: "application/json", describe: `JSON ${preview(text, 400)}` };
    case "json-text-plain":
      return { body: text, contentType: "text/plain", describe: `JSON as text/plain ${preview(text, 300)}` };
    case "form":
      return { body: "certificateId=x&chunkSize=65536&files=%5B%5D", contentType: "application/x-www-form-urlencoded", describe: "a urlencoded form" };
    case "none":
      return { body: text, contentType: null, describe: `JSON without content-type ${preview(text, 300)}` };
    case "broken":
      return { body: text.slice(0, Math.max(1, Math.floor(text.length / 2))) + "\u0000", contentType: "application/json", describe: `truncated JSON ${preview(text.slice(0, 200), 200)}` };
    case "deep":
      return { body: "[".repeat(100_000) + "]".repeat(100_000), contentType: "application/json", describe: "JSON nested 100,000 deep" };
    case "utf16":
      return { body: Buffer.from(text, "utf16le"), contentType: "application/json; charset=utf-16", describe: `UTF-16 JSON ${preview(text, 200)}` };
  }
}

function chunkBody(plan: Plan): { bytes: Buffer; expected: number } {
  const f = Number(plan.file);
  const c = Number(plan.chunk);
  const expected = storedLength(f, c);
  const base = expected > 0 ? expected : storedLength(1, 1);
  const len = { exact: base, minus1: base - 1, plus1: base + 1, zero: 0, tag: 16, double: base * 2, one: 1 }[plan.length];
  let bytes: Buffer;
  switch (plan.content) {
    case "noise":
      bytes = noise(plan.seed, len);
      break;
    case "zeros":
      bytes = Buffer.alloc(len);
      break;
    case "pdf":
      bytes = Buffer.concat([Buffer.from("%PDF-1.7\n"), noise(plan.seed, Math.max(0, len - 9))]).subarray(0, len);
      break;
    case "text":
      bytes = Buffer.from("投标报价：人民币叁佰柒拾陆万伍仟元整。".repeat(Math.ceil(len / 20) + 1)).subarray(0, len);
      break;
  }
  return { bytes, expected };
}

function shaHeader(plan: Plan, bytes: Buffer): string | null {
  const right = createHash("sha256").update(bytes).digest("hex");
  switch (plan.sha) {
    case "none":
      return null;
    case "right":
      return right;
    case "upper":
      return right.toUpperCase();
    case "wrong":
      return createHash("sha256").update("other").digest("hex");
    case "junk":
      return "not-a-hash";
    case "huge":
      return "a".repeat(6_000);
  }
}

function toRequest(plan: Plan): Sent {
  const c = plan.client;
  const headers = authHeaders(c, plan.token, plan.origin);
  const upload = resolveUpload(plan.upload, c);
  switch (plan.kind) {
    case "begin":
    case "complete": {
      const b = jsonBody(plan);
      if (b.contentType) headers["content-type"] = b.contentType;
      const path = plan.kind === "begin" ? `/api/sections/${plan.section}/uploads` : `/api/uploads/${upload}/complete`;
      return { method: "POST", path, headers, body: b.body, as: c.name, describe: b.describe };
    }
    case "chunk": {
      const { bytes, expected } = chunkBody(plan);
      const sha = shaHeader(plan, bytes);
      if (sha) headers["x-chunk-sha256"] = sha;
      if (plan.contentType) headers["content-type"] = plan.contentType;
      return {
        method: "PUT",
        path: `/api/uploads/${upload}/chunks/${plan.file}/${plan.chunk}`,
        headers,
        body: bytes,
        as: c.name,
        describe: `${bytes.length} bytes of ${plan.content} (chunk expects ${expected < 0 ? "nothing: out of range" : expected}), upload ${plan.upload.kind}`,
      };
    }
    case "delete":
      return { method: "DELETE", path: `/api/uploads/${upload}`, headers, as: c.name, describe: `upload ${plan.upload.kind}` };
    case "current":
      return { method: "GET", path: `/api/sections/${plan.section}/uploads/current`, headers, as: c.name };
    case "read-chunk":
      return { method: "GET", path: `/api/uploads/${upload}/chunks/${plan.file}/${plan.chunk}`, headers, as: c.name, describe: `upload ${plan.upload.kind}` };
    case "chunk-raw":
      throw new Error("raw requests are not Sent");
  }
}

const targetOf = (req: { method: string; path: string }) =>
  `${req.path
    .replace(/^\/api\/sections\/[^/]+/, "/api/sections/:sectionId")
    .replace(/^\/api\/uploads\/[^/]+/, "/api/uploads/:uploadId")
    .replace(/\/chunks\/[^/]+\/[^/]+$/, "/chunks/:file/:chunk")}`;

/**
 * A chunk sent on a raw socket: shorter than its Content-Length (the client gives up half way)
 * or longer (trailing bytes). Nothing may be stored unless the server answered 2xx.
 */
async function rawChunk(plan: Plan, ctx: RunCtx): Promise<void> {
  const c = plan.client;
  const upload = resolveUpload(plan.upload, c);
  const { bytes, expected } = chunkBody({ ...plan, length: "exact" });
  const headers = { ...authHeaders(c, plan.token, plan.origin), "content-type": "application/octet-stream", "content-length": String(bytes.length), connection: "close" };
  const path = `/api/uploads/${upload}/chunks/${plan.file}/${plan.chunk}`;
  const head = `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n`;
  const body = plan.rawMode === "longer" ? Buffer.concat([bytes, noise(plan.seed + 1, 4096)]) : bytes;
  const before = await h.snapshots.quiet();
  const mark = server.output().length;
  const res = await rawExchange(server, head, body, plan.rawMode === "truncated" ? { endAfter: Math.floor(bytes.length / 2), waitMs: 1_500 } : { waitMs: 1_500 });
  const after = await h.snapshots.quiet(5_000);
  h.invalidate();
  const sent: Sent = { method: "PUT", path, as: c.name, describe: `${plan.rawMode === "truncated" ? `${Math.floor(bytes.length / 2)} of ${bytes.length} declared bytes, then the client closed` : `${bytes.length} declared bytes + 4096 more`} (chunk expects ${expected}), upload ${plan.upload.kind}` };
  const request = describeRequest(sent);
  const target = `PUT ${targetOf(sent)} (raw, ${plan.rawMode})`;
  for (const s of res.statuses) h.findings.count(target, s);
  if (!res.statuses.length) h.findings.count(target, 0);
  const base = { request, property: ctx.property, path: ctx.path, counterexample: preview(ctx.value, 1200) };
  if (res.statuses.some((s) => s >= 500)) {
    h.findings.add({ ...base, kind: "5xx", key: `5xx ${target} ${res.statuses.join(",")}`, what: `${target} answered ${res.statuses.join(", ")}`, response: preview(res.text, 300), log: server.output().slice(mark).slice(0, 700) });
  }
  // No 2xx among the answers (or none at all): the request was refused or abandoned, so it must leave nothing behind.
  if (!res.statuses.some((s) => s < 300) && after.jobsSig === before.jobsSig) {
    const changed = changes(before, after, sent, { status: res.statuses[0] ?? 0, headers: {}, body: Buffer.alloc(0), text: res.text, ms: 0 });
    if (changed.length)
      h.findings.add({ ...base, kind: "write-on-refusal", key: `write ${target} ${changed.map((x) => x.split(" ")[0]).join(",")}`, what: `${target} was refused/abandoned (${res.statuses.join(", ") || "no answer"}) but changed ${changed.join(", ")}`, response: preview(res.text, 300) });
  }
  await h.checkAlive(ctx, request, "after a raw request", mark);
}

describe("fuzz: sealed-bid upload API", () => {
  it("generated begin/chunk/complete/discard requests as bidders and others", async () => {
    h.findings = new Findings();
    await fuzz({
      findings: h.findings,
      property: "generated begin/chunk/complete/discard requests as bidders and others",
      arb: planArb(),
      numRuns: runs(300),
      show: (p) => ({ ...p, client: p.client.name, json: p.kind === "begin" || p.kind === "complete" ? p.json : undefined }),
      run: async (plan, ctx) => {
        await ensureUploads();
        if (plan.kind === "chunk-raw") {
          await rawChunk(plan, ctx);
          return;
        }
        const req = toRequest(plan);
        const mark = server.output().length;
        const res = await h.exchange(req, ctx, targetOf(req));
        const target = `${req.method} ${targetOf(req)}`;
        await h.checkAlive(ctx, describeRequest(req), "after the request", mark);
        // A refusal from the API must be the documented JSON error shape.
        if (isRefused(res) && req.path.startsWith("/api/") && res.status !== 404 && !/^\{"error":\{"code":"[A-Z_]+"/.test(res.text)) {
          h.findings.add({
            kind: "protocol",
            key: `shape ${String(res.headers["content-type"] ?? "none").split(";")[0]}`,
            what: `API refusals are not the documented {"error":{"code",…}} JSON (docs/sealed-bid-format.md §10): ${target} answered ${res.status} ${String(res.headers["content-type"] ?? "without a content type")}`,
            request: describeRequest(req),
            response: `${res.status} ${String(res.headers["content-type"] ?? "")} ${preview(res.text, 200)}`,
            property: ctx.property,
            path: ctx.path,
            counterexample: preview(ctx.value, 1200),
          });
        }
      },
    });
    h.findings.assertNone("bid API fuzz");
  }, 600_000);
});
