import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENESIS_HASH, hashEntry, hashPayload } from "#crypto/record-hash";
import { removeDataDir, startServer, Visitor, type RunningServer } from "./harness";

/**
 * The witness (`npm run witness`, scripts/witness.ts; docs/record-format.md §4.4) against the real server, whose
 * checkpointer signs a checkpoint within ~10 s of any new record entry here (CHECKPOINT_EVERY_ENTRIES=1):
 * - the first run pins /pki's CA and signer (trust on first use, fingerprints printed) and stores every checkpoint;
 * - a login (a record entry) → the next checkpoint is accepted through the platform's consistency proof;
 * - FORK: a second server on a copy of the data folder (same signing key, same origin) diverges; the witness that
 *   followed the first is shown the second's checkpoint of the same size with another root → exit 1, evidence kept;
 * - REWRITE: the operator rewrites a record entry the witness has seen (chain and head recomputed, so the chain check
 *   passes) and the platform goes on signing the rewritten tree → the consistency proof fails → exit 1;
 * - no answer → exit 2.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const ENV = { CHECKPOINT_EVERY_ENTRIES: "1" };

type Run = { code: number | null; stdout: string; stderr: string };
const witness = (url: string, store: string): Promise<Run> =>
  new Promise((resolve) => {
    execFile("npx", ["tsx", "scripts/witness.ts", "--url", url, "--once", "--store", store, "--timeout-s", "60"], { cwd: ROOT, timeout: 240_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
    });
  });

type Listed = { size: number; rootHash: string; issuedAt: string; signed: { body: string; signature: string; x5c: string[] } };
async function listed(url: string): Promise<Listed[]> {
  const res = await fetch(`${url}/verify/record.json?limit=100`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { checkpoints: Listed[] }).checkpoints;
}
const newest = async (url: string) => (await listed(url))[0]?.size ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the platform lists a checkpoint of at least `size`. */
async function checkpointAtLeast(url: string, size: number, ms = 90_000): Promise<number> {
  const until = Date.now() + ms;
  for (;;) {
    const n = await newest(url);
    if (n >= size) return n;
    if (Date.now() > until) throw new Error(`no checkpoint of size ≥ ${size} on ${url} (newest ${n})`);
    await sleep(1000);
  }
}

/** The newest checkpoint once it has not changed for longer than the checkpointer's 10-s tick: the record's size. */
async function settled(url: string, ms = 120_000): Promise<number> {
  const until = Date.now() + ms;
  let n = await newest(url);
  let since = Date.now();
  while (Date.now() - since < 13_000) {
    if (Date.now() > until) throw new Error(`the record of ${url} does not settle`);
    await sleep(1000);
    const m = await newest(url);
    if (m !== n) [n, since] = [m, Date.now()];
  }
  return n;
}

const stored = (store: string): Listed[] =>
  readFileSync(path.join(store, "checkpoints.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Listed);
const alertFiles = (store: string) => (existsSync(path.join(store, "alerts")) ? readdirSync(path.join(store, "alerts")).sort() : []);

async function loginAs(url: string, username: string) {
  const res = await new Visitor(url).login(username);
  expect(res.status).toBe(302);
}

describe("witness", () => {
  let a: RunningServer;
  let b: RunningServer | undefined;
  const store = mkdtempSync(path.join(tmpdir(), "th-witness-"));
  const dirs: string[] = [];

  beforeAll(async () => {
    a = await startServer({ env: ENV });
    await checkpointAtLeast(a.url, 1);
  }, 300_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    if (a) removeDataDir(a.dataDir);
    for (const d of dirs) removeDataDir(d);
    rmSync(store, { recursive: true, force: true });
  });

  it("first run: pins the CA and signer from /pki (trust on first use, fingerprints shown) and stores every published checkpoint", async () => {
    const r = await witness(a.url, store);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("TRUST ON FIRST USE");
    for (const name of ["ca", "signer"]) {
      const der = Buffer.from(await (await fetch(`${a.url}/pki/${name}.cer`)).arrayBuffer());
      expect(r.stdout).toContain(new X509Certificate(der).fingerprint256);
      expect(new X509Certificate(readFileSync(path.join(store, `${name}.pem`))).raw.equals(der)).toBe(true);
    }
    const kept = stored(store);
    const published = new Map((await listed(a.url)).map((c) => [c.size, c]));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.map((c) => c.size)).toEqual([...kept.map((c) => c.size)].sort((x, y) => x - y));
    for (const c of kept) expect(c.signed).toEqual(published.get(c.size)!.signed);
    expect(r.stdout).toContain(`accepted size ${kept[0]!.size} root ${kept[0]!.rootHash}`);
    expect(r.stdout.match(/^accepted size /gm)).toHaveLength(kept.length);
    expect(alertFiles(store)).toEqual([]);
  });

  it("a new record entry (a login) is checkpointed; the next run accepts it through the consistency proof", async () => {
    const before = stored(store).at(-1)!;
    await loginAs(a.url, "tenderer");
    const size = await checkpointAtLeast(a.url, before.size + 1);
    const r = await witness(a.url, store);
    expect(r.code).toBe(0);
    const root = stored(store).find((c) => c.size === size)!.rootHash;
    expect(r.stdout).toMatch(new RegExp(`^accepted size ${size} root ${root} time \\S+ \\(consistent with size ${before.size}\\)$`, "m"));
    expect(r.stdout).not.toContain("TRUST ON FIRST USE");
    // Nothing new: nothing to do.
    const again = await witness(a.url, store);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`no new checkpoint (latest size ${stored(store).at(-1)!.size}`);
  });

  it("FORK: a second server on a copy of the data folder diverges; shown its checkpoint of a size it stored from the first, the witness reports both roots and exits 1", async () => {
    const shared = stored(store).at(-1)!.size;
    await a.stop();
    const copy = mkdtempSync(path.join(tmpdir(), "th-e2e-fork-"));
    dirs.push(copy);
    cpSync(a.dataDir, copy, { recursive: true });
    // The same data (signing key, origin, record) behind two servers, from now on recording different things.
    [a, b] = await Promise.all([startServer({ dataDir: a.dataDir, env: ENV }), startServer({ dataDir: copy, env: ENV })]);
    await loginAs(a.url, "tenderer");
    await loginAs(b.url, "agent");
    // Bring both records to the same size (whatever else either server recorded on its own).
    let [sa, sb] = await Promise.all([settled(a.url), settled(b.url)]);
    for (let i = 0; i < 5 && sa !== sb; i++) {
      const [behind, by] = sa < sb ? [a, sb - sa] : [b, sa - sb];
      for (let k = 0; k < by; k++) await loginAs(behind.url, "purchaser");
      [sa, sb] = await Promise.all([settled(a.url), settled(b.url)]);
    }
    expect(sa).toBe(sb);
    expect(sa).toBeGreaterThan(shared);
    const [ca, cb] = [(await listed(a.url))[0]!, (await listed(b.url))[0]!];
    expect(ca.rootHash).not.toBe(cb.rootHash);
    expect(ca.signed.x5c[0]).toBe(cb.signed.x5c[0]);

    const onA = await witness(a.url, store);
    expect(onA.code).toBe(0);
    expect(onA.stdout).toContain(`accepted size ${sa} root ${ca.rootHash}`);

    const onB = await witness(b!.url, store);
    expect(onB.code).toBe(1);
    expect(onB.stdout).toMatch(new RegExp(`^FORK: size ${sa} has two roots: ${ca.rootHash} \\(stored, signed \\S+\\) and ${cb.rootHash} \\(published now, signed \\S+\\)$`, "m"));
    expect(onB.stdout).not.toMatch(/^accepted/m);
    // (Every size both servers signed since the copy is a fork; the newest is the one both reached.)
    const files = alertFiles(store);
    expect(files.every((f) => /^FORK-\d+-[0-9a-f]{16}\.json$/.test(f))).toBe(true);
    const forkFile = files.filter((f) => f.startsWith(`FORK-${sa}-`));
    expect(forkFile).toHaveLength(1);
    const alert = JSON.parse(readFileSync(path.join(store, "alerts", forkFile[0]!), "utf8")) as { kind: string; evidence: { stored: Listed; presented: Listed } };
    expect(alert.kind).toBe("FORK");
    expect(alert.evidence.stored.signed).toEqual(ca.signed);
    expect(alert.evidence.presented.signed).toEqual(cb.signed);
    // Nothing of B's was stored; reported again on the next poll, its evidence kept once.
    expect(stored(store).at(-1)!.rootHash).toBe(ca.rootHash);
    const again = await witness(b!.url, store);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(`FORK: size ${sa}`);
    expect(alertFiles(store)).toEqual(files);
    // The first server is still consistent with what the witness stored.
    expect((await witness(a.url, store)).code).toBe(0);
  }, 900_000);

  it("REWRITE: an entry the witness saw is rewritten (chain and head recomputed) and the platform signs the rewritten tree: the consistency proof fails, exit 1", async () => {
    await b?.stop();
    b = undefined;
    const seen = stored(store).at(-1)!;
    await a.stop();
    // The database operator hides who logged in from where: the latest login the witness saw gets another address.
    const pg = await PGlite.create({ dataDir: path.join(a.dataDir, "pglite") });
    const [{ seq: target } = { seq: 0 }] = (await pg.query<{ seq: number }>("SELECT seq FROM record_entries WHERE action = 'auth.login' AND seq <= $1 ORDER BY seq DESC LIMIT 1", [seen.size])).rows;
    expect(Number(target)).toBeGreaterThan(0);
    type Row = { seq: number; at: Date; actor_user_id: string | null; org_id: string | null; ip: string | null; action: string; subject_type: string; subject_id: string; payload: unknown; hash: string; state_hash: string | null };
    const rows = (await pg.query<Row>("SELECT * FROM record_entries WHERE seq >= $1 ORDER BY seq", [Number(target) - 1])).rows;
    await pg.exec("ALTER TABLE record_entries DISABLE TRIGGER USER");
    let prev = Number(rows[0]!.seq) === Number(target) ? GENESIS_HASH : rows.shift()!.hash;
    for (const r of rows) {
      const seq = Number(r.seq);
      const ip = seq === Number(target) ? "203.0.113.99" : r.ip;
      const fields = { seq, at: new Date(r.at).toISOString(), actorUserId: r.actor_user_id, orgId: r.org_id, ip, action: r.action, subjectType: r.subject_type, subjectId: r.subject_id, payloadHash: hashPayload(r.payload), prevHash: prev, stateHash: r.state_hash };
      prev = hashEntry(fields);
      await pg.query("UPDATE record_entries SET ip = $1, prev_hash = $2, hash = $3 WHERE seq = $4", [ip, fields.prevHash, prev, seq]);
    }
    await pg.query("UPDATE record_head SET hash = $1 WHERE id = 1", [prev]);
    await pg.exec("ALTER TABLE record_entries ENABLE TRIGGER USER");
    await pg.close();

    a = await startServer({ dataDir: a.dataDir, env: ENV });
    const top = await newest(a.url);
    await loginAs(a.url, "tenderer");
    await checkpointAtLeast(a.url, top + 1);
    const now = await listed(a.url);
    // The first checkpoint above the stored one is the one the witness asks a proof for.
    const fresh = now.filter((c) => c.size > seen.size).at(-1)!;
    const size = fresh.size;
    // The checkpoint the witness stored is still published as it was: only the proof can tell.
    expect(now.find((c) => c.size === seen.size)?.signed).toEqual(seen.signed);

    const r = await witness(a.url, store);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^REWRITE: the consistency proof from size ${seen.size} root ${seen.rootHash} to size ${size} root ${fresh.rootHash} fails`, "m"));
    expect(alertFiles(store).filter((f) => f.startsWith(`REWRITE-${size}-`))).toHaveLength(1);
    expect(stored(store).at(-1)!.size).toBe(seen.size);
  }, 600_000);

  it("no answer from the platform: reported, exit 2, nothing stored", async () => {
    const before = readFileSync(path.join(store, "checkpoints.jsonl"), "utf8");
    const url = a.url;
    await a.stop();
    const r = await witness(url, store);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^witness: .*verify\/record\.json.*fetch failed/m);
    expect(readFileSync(path.join(store, "checkpoints.jsonl"), "utf8")).toBe(before);
  });
});
