// `npm run witness -- --url https://platform.example [--store DIR] [--once] [--interval-s 60] [--ca FILE.pem]
//                     [--signer FILE.pem] [--timeout-s 20]`
//
// A witness of the record's transparency log (docs/record-format.md §4.3, §4.4, §5), meant to run on a machine the
// platform's operator does not control. It needs nothing from the repository but crypto/ and this folder, and only
// the platform's public endpoints.
//
// First run (no DIR/ca.pem): the platform CA and the signer certificate are taken from --ca / --signer (a careful
// witness gets them out of band) or else fetched from <url>/pki/ca.pem and /pki/signer.pem — TRUST ON FIRST USE,
// said so in the output with both SHA-256 fingerprints (the form /pki shows) to compare with ones obtained elsewhere.
// They are stored in DIR and pinned from then on: a checkpoint must be signed by exactly that signer certificate,
// issued by that CA (the CA also issues users' certificates: §4.3). A PEM file may hold several certificates (e.g.
// the old and the new signer after a rotation: append the new one to DIR/signer.pem deliberately).
//
// Each poll: GET /verify/record.json?limit=100, paging with `before` down to the largest stored size; every listed
// checkpoint verified (validity judged at the time its body states, §4.3); one origin; one body per size; sizes never
// below the stored ones; the largest stored checkpoint still listed; then, oldest first, for each newer checkpoint
// GET /verify/record/consistency.json?from=<largest stored size>&to=<its size>, verified against the two signed
// roots, and the checkpoint appended to DIR/checkpoints.jsonl (one JSON object a line, fsync'd). The decisions are
// scripts/witness-core.ts. On any alert nothing more is accepted in that poll.
//
// Output: one line per accepted checkpoint ("accepted size N root … time … (consistent with size M)"); an alert is
// one line "FORK: …", "REWRITE: …", "ROLLBACK: …", "MISSING CHECKPOINT: …", "ORIGIN CHANGE: …" or
// "BAD SIGNATURE: …" naming sizes and roots, and its evidence (the conflicting signed checkpoints, the proof answer)
// is written to DIR/alerts/<KIND>-<size>-<hash>.json (once per distinct evidence).
//
// Exit status. With --once: 0 when every new checkpoint was accepted (or there was none), 1 on an alert, 2 on a
// network or protocol error (no answer, a time-out, HTTP errors, an answer over 4 MB or not in the protocol's form) or
// a usage or store error. Without --once the witness keeps polling every --interval-s seconds: a network error is
// reported and retried at the next interval; an alert is reported (its evidence kept) and — since nothing from the
// conflicting checkpoint on is accepted — reported again at every poll while the platform keeps publishing it; on
// SIGINT/SIGTERM it exits 1 if any alert was raised while it ran, else 0. Usage and store errors exit 2 at once.
//
// Store (DIR, default ./witness-data): witness.json (how the certificates were pinned, their fingerprints, the URL),
// ca.pem, signer.pem, checkpoints.jsonl, alerts/, and a lock file while a witness runs on it. The URL may change (a
// mirror serves the same log); the origin may not.
import { createHash, X509Certificate } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, truncateSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { chainsTo, pemToDer } from "#crypto/certs";
import {
  checkExtension,
  checkStore,
  nextBefore,
  PAGE_LIMIT,
  ProtocolError,
  readPage,
  review,
  verifyListed,
  type Alert,
  type Page,
  type ProofAnswer,
  type StoredCheckpoint,
  type Trust,
} from "./witness-core";

/** Answers above this many bytes are refused (a page of 100 checkpoints is about 400 KB). */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const MAX_CERT_BYTES = 64 * 1024;
/** A listing deeper than this many pages (10 million checkpoints) is refused. */
const MAX_PAGES = 100_000;

class NetworkError extends Error {
  override name = "NetworkError";
}
class UsageError extends Error {
  override name = "UsageError";
}

const DISPLAY: Record<Alert["kind"], string> = {
  FORK: "FORK",
  REWRITE: "REWRITE",
  ROLLBACK: "ROLLBACK",
  MISSING: "MISSING CHECKPOINT",
  ORIGIN: "ORIGIN CHANGE",
  BAD_SIGNATURE: "BAD SIGNATURE",
};

// ---- arguments ----
function options() {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      store: { type: "string", default: "./witness-data" },
      once: { type: "boolean", default: false },
      "interval-s": { type: "string", default: "60" },
      "timeout-s": { type: "string", default: "20" },
      ca: { type: "string" },
      signer: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help || !values.url) throw new UsageError("usage: npm run witness -- --url https://platform.example [--store DIR] [--once] [--interval-s 60] [--ca FILE.pem] [--signer FILE.pem] [--timeout-s 20]");
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new UsageError(`--url: not a URL: ${values.url}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError("--url: http or https");
  if (url.search || url.hash) throw new UsageError("--url: the platform's address, without query or fragment");
  const seconds = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 1 || n > 86_400) throw new UsageError(`--${name}: seconds from 1 to 86400`);
    return n;
  };
  return {
    base: url.toString().replace(/\/+$/, ""),
    store: path.resolve(values.store),
    once: values.once,
    intervalMs: seconds("interval-s", values["interval-s"]) * 1000,
    timeoutMs: seconds("timeout-s", values["timeout-s"]) * 1000,
    caFile: values.ca,
    signerFile: values.signer,
  };
}

// ---- bounded HTTP ----
async function get(url: string, timeoutMs: number, maxBytes: number): Promise<{ status: number; text: string }> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json, application/x-pem-file" } });
  } catch (e) {
    throw new NetworkError(`${url}: ${describeError(e)}`);
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    throw new NetworkError(`${url}: HTTP ${res.status} redirect to ${res.headers.get("location") ?? "?"} (give the final address as --url)`);
  }
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new ProtocolError(`${url}: answer of ${declared} bytes refused (at most ${maxBytes})`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = res.body?.getReader();
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new ProtocolError(`${url}: answer over ${maxBytes} bytes refused`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new NetworkError(`${url}: ${describeError(e)}`);
  }
  return { status: res.status, text: Buffer.concat(chunks).toString("utf8") };
}

async function getJson(url: string, timeoutMs: number): Promise<ProofAnswer> {
  const { status, text } = await get(url, timeoutMs, MAX_RESPONSE_BYTES);
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    if (status === 200) throw new ProtocolError(`${url}: the answer is not JSON`);
  }
  return { status, json };
}

function describeError(e: unknown): string {
  if (e instanceof Error && e.name === "TimeoutError") return "timed out";
  const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
  return `${e instanceof Error ? e.message : String(e)}${cause}`;
}

// ---- certificates ----
function certsOf(pemText: string, what: string): { pem: string; der: Uint8Array; x: X509Certificate }[] {
  const blocks = pemText.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (!blocks.length) throw new UsageError(`${what}: no PEM certificate`);
  return blocks.map((pem) => {
    try {
      const der = pemToDer(pem);
      return { pem: `${pem}\n`, der, x: new X509Certificate(der) };
    } catch {
      throw new UsageError(`${what}: not a certificate`);
    }
  });
}
const oneLineDn = (s: string) => s.split("\n").filter(Boolean).join(", ");
const describeCert = (c: { x: X509Certificate }) => `SHA-256 ${c.x.fingerprint256}  ${oneLineDn(c.x.subject)}`;
const sameCerts = (a: { der: Uint8Array }[], b: { der: Uint8Array }[]) => a.length === b.length && a.every((c, i) => Buffer.from(c.der).equals(Buffer.from(b[i]!.der)));

// ---- durable files ----
function fsyncDir(dir: string) {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
function writeDurable(file: string, data: string) {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}
function appendDurable(file: string, line: string) {
  const isNew = !existsSync(file);
  const fd = openSync(file, "a");
  try {
    writeSync(fd, line);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (isNew) fsyncDir(path.dirname(file));
}

/** One witness per store: a lock file with the pid (a dead holder's lock is taken over). */
function lockStore(dir: string) {
  const lock = path.join(dir, "lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      process.on("exit", () => {
        try {
          unlinkSync(lock);
        } catch {
          // already gone
        }
      });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(lock, "utf8").trim());
      let alive = false;
      try {
        if (Number.isSafeInteger(pid) && pid > 0) process.kill(pid, 0);
        alive = Number.isSafeInteger(pid) && pid > 0;
      } catch (k) {
        alive = (k as NodeJS.ErrnoException).code === "EPERM";
      }
      if (alive) throw new UsageError(`${dir}: another witness (pid ${pid}) uses this store`);
      unlinkSync(lock);
    }
  }
  throw new UsageError(`${dir}: cannot take the lock`);
}

// ---- the store ----
type Store = { dir: string; file: string; alerts: string; trust: Trust; checkpoints: StoredCheckpoint[] };

async function openStore(o: ReturnType<typeof options>): Promise<Store> {
  mkdirSync(path.join(o.store, "alerts"), { recursive: true });
  lockStore(o.store);
  const caPath = path.join(o.store, "ca.pem");
  const signerPath = path.join(o.store, "signer.pem");
  const given = {
    ca: o.caFile ? certsOf(readFileSync(o.caFile, "utf8"), o.caFile) : null,
    signer: o.signerFile ? certsOf(readFileSync(o.signerFile, "utf8"), o.signerFile) : null,
  };
  let ca, signer;
  if (!existsSync(caPath) || !existsSync(signerPath)) {
    const fetchCert = async (name: string) => {
      const url = `${o.base}/pki/${name}.pem`;
      const { status, text } = await get(url, o.timeoutMs, MAX_CERT_BYTES);
      if (status !== 200) throw new ProtocolError(`${url}: HTTP ${status}`);
      return certsOf(text, url);
    };
    ca = given.ca ?? (await fetchCert("ca"));
    signer = given.signer ?? (await fetchCert("signer"));
    for (const s of signer) {
      if (!chainsTo(s.pem, ca.map((c) => c.pem), new Date())) throw new UsageError(`the signer certificate (${describeCert(s)}) is not issued by the CA (${ca.map(describeCert).join("; ")}) or not valid now: refused`);
    }
    const tofu = !given.ca || !given.signer;
    console.log(`witness: new store ${o.store} for ${o.base}`);
    if (tofu) {
      console.log(`TRUST ON FIRST USE: ${[!given.ca && "the CA", !given.signer && "the signer certificate"].filter(Boolean).join(" and ")} fetched from ${o.base}/pki${o.base.startsWith("http:") ? " over plain HTTP" : ""} and pinned now.`);
      console.log("Compare these SHA-256 fingerprints with ones obtained out of band (another channel than this server):");
    } else {
      console.log("Pinned the CA and signer certificates given as files (out of band):");
    }
    for (const c of ca) console.log(`  CA      ${describeCert(c)}`);
    for (const s of signer) console.log(`  signer  ${describeCert(s)}`);
    writeDurable(caPath, ca.map((c) => c.pem).join(""));
    writeDurable(signerPath, signer.map((c) => c.pem).join(""));
    const meta = {
      version: 1,
      url: o.base,
      pinnedAt: new Date().toISOString(),
      ca: { source: given.ca ? `file ${path.resolve(o.caFile!)}` : `trust on first use: ${o.base}/pki/ca.pem`, sha256: ca.map((c) => c.x.fingerprint256) },
      signer: { source: given.signer ? `file ${path.resolve(o.signerFile!)}` : `trust on first use: ${o.base}/pki/signer.pem`, sha256: signer.map((c) => c.x.fingerprint256) },
    };
    writeDurable(path.join(o.store, "witness.json"), `${JSON.stringify(meta, null, 2)}\n`);
  } else {
    ca = certsOf(readFileSync(caPath, "utf8"), caPath);
    signer = certsOf(readFileSync(signerPath, "utf8"), signerPath);
    if (given.ca && !sameCerts(given.ca, ca)) throw new UsageError(`--ca ${o.caFile} differs from the CA this store pinned (${caPath}); use another --store to pin another one`);
    if (given.signer && !sameCerts(given.signer, signer)) throw new UsageError(`--signer ${o.signerFile} differs from the signer this store pinned (${signerPath}); append it to that file deliberately to pin it too`);
    try {
      const meta = JSON.parse(readFileSync(path.join(o.store, "witness.json"), "utf8")) as { url?: string };
      if (meta.url && meta.url !== o.base) console.log(`witness: the store was started for ${meta.url}; now polling ${o.base} (the same log only if it has the same origin)`);
    } catch {
      // witness.json is informative
    }
  }
  const trust: Trust = { caPems: ca.map((c) => c.pem), signerDers: signer.map((s) => Buffer.from(s.der).toString("base64")) };
  const file = path.join(o.store, "checkpoints.jsonl");
  const checkpoints = loadCheckpoints(file);
  const last = checkpoints.at(-1);
  if (last) {
    // The root every next proof is checked against: it must still verify with the pinned certificates.
    const v = await verifyListed({ signed: last.signed }, trust);
    if (!v.ok) throw new UsageError(`${file}: the last stored checkpoint (size ${last.size}) does not verify with the pinned certificates: ${v.alert.message}`);
  }
  const alerts = path.join(o.store, "alerts");
  const earlier = readdirSync(alerts).filter((f) => f.endsWith(".json"));
  if (earlier.length) console.log(`witness: ${earlier.length} earlier alert(s) kept in ${alerts}`);
  return { dir: o.store, file, alerts, trust, checkpoints };
}

function loadCheckpoints(file: string): StoredCheckpoint[] {
  if (!existsSync(file)) return [];
  let text = readFileSync(file, "utf8");
  if (text.length && !text.endsWith("\n")) {
    // A write cut short by a crash (each line is fsync'd whole): drop the unfinished line.
    const keep = text.lastIndexOf("\n") + 1;
    console.error(`witness: ${file}: dropping an unfinished last line (${text.length - keep} bytes)`);
    truncateSync(file, Buffer.byteLength(text.slice(0, keep)));
    text = text.slice(0, keep);
  }
  const lines = text.split("\n").filter((l) => l.length);
  try {
    return checkStore(lines.map((l) => JSON.parse(l) as unknown));
  } catch (e) {
    throw new UsageError(`${file}: the store is damaged (${e instanceof Error ? e.message : String(e)}); it is append-only — restore it from a copy`);
  }
}

function writeAlert(store: Store, base: string, a: Alert): string {
  const evidence = JSON.stringify({ kind: a.kind, size: a.size, evidence: a.evidence });
  const id = createHash("sha256").update(evidence).digest("hex").slice(0, 16);
  const name = `${a.kind}-${a.size ?? "x"}-${id}.json`;
  const file = path.join(store.alerts, name);
  if (!existsSync(file)) writeDurable(file, `${JSON.stringify({ kind: a.kind, size: a.size, message: a.message, url: base, detectedAt: new Date().toISOString(), evidence: a.evidence }, null, 2)}\n`);
  return file;
}

// ---- one poll ----
type PollResult = "ok" | "alert" | "error";

async function poll(store: Store, o: ReturnType<typeof options>): Promise<PollResult> {
  const report = (alerts: Alert[]) => {
    for (const a of alerts) console.log(`${DISPLAY[a.kind]}: ${a.message}\n  evidence: ${writeAlert(store, o.base, a)}`);
  };
  try {
    const pages: Page[] = [];
    const maxStored = store.checkpoints.at(-1)?.size ?? null;
    let before: number | null = null;
    for (;;) {
      if (pages.length >= MAX_PAGES) throw new ProtocolError(`record.json: more than ${MAX_PAGES} pages`);
      const url = `${o.base}/verify/record.json?limit=${PAGE_LIMIT}${before !== null ? `&before=${before}` : ""}`;
      const answer = await getJson(url, o.timeoutMs);
      if (answer.status !== 200) throw new ProtocolError(`${url}: HTTP ${answer.status}`);
      const page = readPage(answer.json);
      pages.push(page);
      before = nextBefore(page, before, maxStored);
      if (before === null) break;
    }
    const r = await review({ checkpoints: store.checkpoints }, pages, store.trust);
    for (const w of r.warnings) console.error(`warning: ${w}`);
    if (r.alerts.length) {
      report(r.alerts);
      return "alert";
    }
    if (!r.candidates.length) {
      const last = store.checkpoints.at(-1);
      console.log(last ? `no new checkpoint (latest size ${last.size} root ${last.rootHash})` : "no checkpoint published yet");
      return "ok";
    }
    for (const c of r.candidates) {
      const last = store.checkpoints.at(-1) ?? null;
      const answer = last ? await getJson(`${o.base}/verify/record/consistency.json?from=${last.size}&to=${c.size}`, o.timeoutMs) : null;
      const x = checkExtension(last, c, answer);
      if (!x.ok) {
        report([x.alert]);
        return "alert";
      }
      const s: StoredCheckpoint = { ...c, acceptedAt: new Date().toISOString(), url: o.base };
      appendDurable(store.file, `${JSON.stringify(s)}\n`);
      store.checkpoints.push(s);
      console.log(`accepted size ${c.size} root ${c.rootHash} time ${c.issuedAt} ${last ? `(consistent with size ${last.size})` : "(the first checkpoint stored: trust on first use)"}`);
    }
    return "ok";
  } catch (e) {
    if (e instanceof NetworkError || e instanceof ProtocolError) {
      console.error(`witness: ${e.message}${o.once ? "" : ` (retrying in ${o.intervalMs / 1000} s)`}`);
      return "error";
    }
    throw e;
  }
}

// ---- main ----
async function main(): Promise<number> {
  let o: ReturnType<typeof options>;
  let store: Store;
  try {
    o = options();
    store = await openStore(o);
  } catch (e) {
    if (e instanceof UsageError || e instanceof NetworkError || e instanceof ProtocolError || (e as NodeJS.ErrnoException).code) {
      console.error(`witness: ${e instanceof Error ? e.message : String(e)}`);
      return 2;
    }
    throw e;
  }
  if (o.once) {
    const r = await poll(store, o);
    return r === "ok" ? 0 : r === "alert" ? 1 : 2;
  }
  let alerted = false;
  const stop = () => process.exit(alerted ? 1 : 0);
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  for (;;) {
    if ((await poll(store, o)) === "alert") alerted = true;
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}

process.exit(await main());
