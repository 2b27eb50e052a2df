// Evaluation autosave benchmark (issue 12 item 14, docs/product.md §3.5: 21 rooms evaluating at once, 7 members each,
// every member autosaving a score every 2 s for 5 minutes on PostgreSQL — p50/p99 autosave latency, target
// p99 < 100 ms, 0 lost writes).
// 21 sections are taken through a real opening (test/helpers/evaluation.ts openedSection: bids sealed, keys
// released, opening closed), a committee of 7 expert accounts with certificates is seated on each and the room put
// at the scoring stage with the ZTB 综合评估法 fixture's method (forceStage / freezeMethod / passReview, as the
// scoring suites do). Every member logs in through the real login service (session cookie + CSRF token). Then the
// real server (`server/index.ts`, built Remix app, PostgreSQL) runs in a child process and the benchmark process
// plays 147 browsers: each member, on its own 2 s schedule (random phase), posts one changed score exactly as
// app/client/autosave.ts postScore does (`intent=save`, form-encoded, to the room route's data URL, with the
// revision it last saw), one request in flight per member; and a heartbeat every 20 s (app/client/room.ts).
// Afterwards every member's stored value and revision per field is compared with the last one the server
// acknowledged to that member: any difference is a lost write.
// Needs `npm run build` and the local PostgreSQL (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432).
// Then the report with 7 member signatures (see reportSigning below), timed per signature.
// Usage: npm run bench:evaluation [-- --quick] (builds first), or
//   npx tsx bench/evaluation.ts [--rooms 21] [--members 7] [--bids 3] [--seconds 300] [--interval-ms 2000]
//     [--heartbeat-ms 20000] [--report-rooms 3] [--quick] [--direct]
//   --quick: 30 s (a smoke run; other options still apply); --report-rooms 0 skips the report;
//   --direct: the same load on the command layer in this process (saveScore, heartbeat), without HTTP.
import http from "node:http";
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { and, count, eq, inArray } from "drizzle-orm";
import { PDFDocument } from "@cantoo/pdf-lib";
import { buildPkcs12 } from "#crypto/certs";
import { evaluations, recordEntries, scores } from "#db/schema/index";
import { openP12File } from "#app/client/p12";
import { signReportAttributesWith } from "#app/client/sign-attributes";
import { evaluate } from "#app/domain/evaluation/evaluate";
import { completeSignature, generateReport, prepareSignature, recordPosition } from "#app/services/evaluation/report.server";
import { evaluationInput } from "#app/services/evaluation/summary.server";
import { documentSigner } from "#app/services/platform/platform-signer.server";
import { checkSignedPdf } from "../test/helpers/pdfsig";
import { login } from "#app/services/accounts/auth.server";
import { csrfBinding, csrfTokenFor } from "#app/services/accounts/csrf.server";
import { PASSWORD } from "../test/helpers/factories";
import { forceStage, freezeMethod, openedSection, passReview, seatCommittee, setReadPrices, type Member } from "../test/helpers/evaluation";
import { DomainError, httpStatusOf } from "#app/domain/errors";
import { heartbeat } from "#app/services/evaluation/entry.server";
import { saveScore } from "#app/services/evaluation/scoring.server";
import { benchEnv, peakRssMiB, percentile, request, startServer, type Session } from "./lib/bid-env";
import { reportFigures } from "./lib/report";

const { values } = parseArgs({
  options: {
    rooms: { type: "string", default: "21" },
    members: { type: "string", default: "7" },
    bids: { type: "string", default: "3" },
    seconds: { type: "string" },
    "interval-ms": { type: "string", default: "2000" },
    "heartbeat-ms": { type: "string", default: "20000" },
    "report-rooms": { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    direct: { type: "boolean", default: false },
  },
});
const ROOMS = Number(values.rooms);
const MEMBERS = Number(values.members);
const BIDS = Number(values.bids);
const SECONDS = Number(values.seconds ?? (values.quick ? "30" : "300"));
const INTERVAL = Number(values["interval-ms"]);
const HEARTBEAT = Number(values["heartbeat-ms"]);
const REPORT_ROOMS = Number(values["report-rooms"]);
/** --direct: the same load on the command layer in this process (saveScore / heartbeat), no HTTP server. */
const DIRECT = values.direct;

/** The ZTB 综合评估法 fixture's method: T1 range 0–25, T2 options 15/10/5/0, B1 objective (leader), B2 range 0–10. */
const method = JSON.parse(readFileSync(new URL("../test/fixtures/evaluation/ztb-comprehensive.appendix.json", import.meta.url), "utf8")).method;
const ITEMS: { id: string; values: () => string }[] = [
  { id: "T1", values: () => (Math.floor(Math.random() * 51) / 2).toFixed(1) }, // 0.0 … 25.0 in halves
  { id: "T2", values: () => ["15", "10", "5", "0"][Math.floor(Math.random() * 4)]! },
  { id: "B2", values: () => (Math.floor(Math.random() * 1001) / 100).toFixed(2) }, // 0.00 … 10.00
];

type Field = { bidId: string; item: string; value: string; rev: number; acked: boolean };
type BenchMember = Member & { sectionId: string; session: Session; fields: Map<string, Field> };

const env = await benchEnv(`evaluation_${randomBytes(3).toString("hex")}`); // unique: the PostgreSQL server is shared
const la = () => loadavg().map((x) => x.toFixed(2)).join(" ");
try {
  console.error(`load average before setup: ${la()}`);
  let t = performance.now();
  const members: BenchMember[] = [];
  const roomIds: string[] = [];
  let nextRoom = 0;
  await Promise.all(
    Array.from({ length: Math.min(3, ROOMS) }, async () => {
      while (nextRoom < ROOMS) {
        nextRoom++;
        const o = await openedSection(env.app, BIDS);
        const seated = await seatCommittee(env.app, o.sectionId, MEMBERS);
        await forceStage(env.app, o.sectionId, "scoring", seated);
        await freezeMethod(env.app, o.sectionId, method);
        await setReadPrices(env.app, o.sectionId, o.bidders.map((b, i) => ({ bidId: b.bidId, priceYuan: String(9_600_000 + i * 200_000) })), "10500000");
        await passReview(env.app, o.sectionId, o.bidders.map((b) => b.bidId));
        roomIds.push(o.sectionId);
        for (const m of seated) {
          const { token } = await login(env.app, { username: m.actor.username, password: PASSWORD, ip: "127.0.0.1", userAgent: "bench" });
          const csrfCookie = randomBytes(16).toString("base64url");
          const session = { cookie: `th_session=${encodeURIComponent(token)}; th_csrf=${csrfCookie}`, csrf: csrfTokenFor(env.config.sessionSecrets[0]!, csrfBinding(token, csrfCookie)) };
          const fields = new Map<string, Field>();
          for (const b of o.bidders) for (const it of ITEMS) fields.set(`${b.bidId}|${it.id}`, { bidId: b.bidId, item: it.id, value: "", rev: 0, acked: false });
          members.push({ ...m, sectionId: o.sectionId, session, fields });
        }
        console.error(`room ${roomIds.length}/${ROOMS} ready`);
      }
    }),
  );
  const nFields = members.reduce((s, m) => s + m.fields.size, 0);
  console.error(`${ROOMS} rooms × ${MEMBERS} members (${members.length} sessions, ${nFields} score fields) in ${((performance.now() - t) / 1000).toFixed(0)} s`);

  const cpuSelf = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const server = DIRECT
    ? { url: "", cpuSeconds: cpuSelf, peakRssMiB: () => peakRssMiB(process.pid), stop: async () => {} }
    : await startServer(env);
  const agent = new http.Agent({ keepAlive: true, maxSockets: members.length + 8 });
  const dataUrl = (sectionId: string) => `/evaluations/${sectionId}?_data=${encodeURIComponent("routes/evaluations.$sectionId")}`;
  const direct = async (m: BenchMember, form: Record<string, string>) => {
    try {
      const body =
        form.intent === "save"
          ? { saved: await saveScore(env.app, m.actor, m.sectionId, { bidId: form.bidId!, item: form.item!, score: form.score!, rev: Number(form.rev) }) }
          : await heartbeat(env.app, m.actor, m.sectionId);
      return { status: 200, body: JSON.stringify(body) };
    } catch (e) {
      if (e instanceof DomainError) return { status: httpStatusOf(e.code), body: JSON.stringify({ error: { code: e.code } }) };
      return { status: 500, body: JSON.stringify({ error: { code: String(e) } }) };
    }
  };
  const post = (m: BenchMember, form: Record<string, string>) =>
    DIRECT ? direct(m, form) : request(agent, server.url, "POST", dataUrl(m.sectionId), { cookie: m.session.cookie, "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, Buffer.from(new URLSearchParams({ _csrf: m.session.csrf, ...form }).toString()));

  // Warm-up (not measured): one save per member, so every connection, the route module and the config cache are warm.
  const ITEM_BY_ID = new Map(ITEMS.map((i) => [i.id, i]));
  const saveOnce = async (m: BenchMember, f: Field) => {
    let v = ITEM_BY_ID.get(f.item)!.values();
    while (v === f.value) v = ITEM_BY_ID.get(f.item)!.values();
    const r = await post(m, { intent: "save", bidId: f.bidId, item: f.item, score: v, rev: String(f.rev) });
    if (r.status === 200) {
      const saved = (JSON.parse(r.body) as { saved?: { rev: number; score: string } }).saved;
      if (!saved) throw new Error(`save: 200 without saved: ${r.body.slice(0, 200)}`);
      f.value = v;
      f.rev = saved.rev;
      f.acked = true;
    }
    return r;
  };
  t = performance.now();
  await Promise.all(members.map(async (m) => {
    const r = await saveOnce(m, [...m.fields.values()][0]!);
    if (r.status !== 200) throw new Error(`warm-up save: ${r.status} ${r.body.slice(0, 300)}`);
  }));
  console.error(`warm-up: ${members.length} saves in ${((performance.now() - t) / 1000).toFixed(1)} s; load average ${la()}`);

  const cpu0 = server.cpuSeconds();
  const lat: number[] = [];
  const fromSchedule: number[] = [];
  const hbLat: number[] = [];
  const errors = new Map<string, number>();
  let late = 0;
  let savedCount = members.length; // the warm-up saves
  const loads: number[] = [loadavg()[0]!];
  const loadTimer = setInterval(() => loads.push(loadavg()[0]!), 10_000);
  // Where the server's database connections are (pg_stat_activity, every 250 ms; idle ones left out): running, waiting on a lock, on the
  // WAL flush of a commit, or idle in a transaction (the transaction waits on the Node process, e.g. for CPU).
  const pg = postgres(env.databaseUrl, { max: 1, onnotice: () => {} });
  const waits = new Map<string, number>();
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const rows = await pg<{ k: string; n: number }[]>`select case when state = 'active' then coalesce(wait_event_type || ':' || wait_event, 'running') else state end as k, count(*)::int as n
        from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend' and state <> 'idle' group by 1`;
      samples++;
      for (const r of rows) waits.set(r.k, (waits.get(r.k) ?? 0) + r.n);
      await new Promise((res) => setTimeout(res, 250));
    }
  })();
  const start = performance.now();
  const end = start + SECONDS * 1000;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
  await Promise.all(
    members.map(async (m) => {
      const fields = [...m.fields.values()];
      let due = start + Math.random() * INTERVAL;
      let hbDue = start + Math.random() * HEARTBEAT;
      while (due < end) {
        await sleep(due - performance.now());
        if (hbDue <= due) {
          const h0 = performance.now();
          const h = await post(m, { intent: "heartbeat" });
          hbLat.push(performance.now() - h0);
          if (h.status !== 200) errors.set(`heartbeat ${h.status}`, (errors.get(`heartbeat ${h.status}`) ?? 0) + 1);
          hbDue += HEARTBEAT;
        }
        const f = fields[Math.floor(Math.random() * fields.length)]!;
        const s0 = performance.now();
        const r = await saveOnce(m, f);
        const s1 = performance.now();
        lat.push(s1 - s0);
        fromSchedule.push(s1 - due);
        if (r.status === 200) savedCount++;
        else {
          let code = "";
          try {
            code = (JSON.parse(r.body) as { error?: { code?: string } }).error?.code ?? "";
          } catch {
            code = "(not JSON)";
          }
          errors.set(`save ${r.status} ${code}`, (errors.get(`save ${r.status} ${code}`) ?? 0) + 1);
        }
        due += INTERVAL;
        if (s1 > due) {
          late++;
          due = s1; // the browser's queue sends the next change as soon as the previous answer is in
        }
      }
    }),
  );
  const wall = (performance.now() - start) / 1000;
  clearInterval(loadTimer);
  sampling = false;
  await sampler;
  await pg.end();
  const cpu = server.cpuSeconds() - cpu0;
  const rss = server.peakRssMiB();
  await server.stop();
  agent.destroy();

  // Lost writes: every field a member was told was saved must hold that value at that revision.
  const stored = await env.app.db.select({ memberId: scores.memberId, bidId: scores.bidId, itemId: scores.itemId, score: scores.score, rev: scores.rev }).from(scores).where(inArray(scores.sectionId, roomIds));
  const byKey = new Map(stored.map((s) => [`${s.memberId}|${s.bidId}|${s.itemId}`, s]));
  let acked = 0;
  let lost = 0;
  let unacked = 0;
  for (const m of members)
    for (const f of m.fields.values()) {
      const s = byKey.get(`${m.memberId}|${f.bidId}|${f.item}`);
      if (!f.acked) {
        if (s) unacked++; // stored but never acknowledged (cannot happen with one request at a time and no failures)
        continue;
      }
      acked++;
      if (!s || s.rev !== f.rev || Number(s.score) !== Number(f.value)) {
        lost++;
        if (lost <= 5) console.error(`LOST: member ${m.memberId} ${f.bidId} ${f.item}: acknowledged ${f.value}@${f.rev}, stored ${s ? `${s.score}@${s.rev}` : "nothing"}`);
      }
    }

  // Every acknowledged save is a recorded command (R48): one `evaluation.score_saved` entry each.
  const [rec] = await env.app.db.select({ n: count() }).from(recordEntries).where(and(eq(recordEntries.action, "evaluation.score_saved"), inArray(recordEntries.subjectId, roomIds)));

  const sorted = [...lat].sort((a, b) => a - b);
  const sched = [...fromSchedule].sort((a, b) => a - b);
  const hb = [...hbLat].sort((a, b) => a - b);
  const f1 = (x: number) => x.toFixed(1);
  console.log(`evaluation autosave: ${ROOMS} rooms × ${MEMBERS} members, one save per member every ${INTERVAL} ms for ${SECONDS} s (wall ${wall.toFixed(0)} s), PostgreSQL, ${DIRECT ? "command layer in this process (--direct, no HTTP)" : "over HTTP to the real server"}`);
  console.log(`saves: ${lat.length} (${(lat.length / wall).toFixed(1)}/s), errors: ${errors.size ? [...errors].map(([k, v]) => `${k} ×${v}`).join(", ") : "0"}`);
  console.log(`save latency ms: p50 ${f1(percentile(sorted, 50))}, p90 ${f1(percentile(sorted, 90))}, p99 ${f1(percentile(sorted, 99))}, p99.9 ${f1(percentile(sorted, 99.9))}, max ${f1(sorted.at(-1) ?? NaN)}`);
  console.log(`from the scheduled moment ms: p50 ${f1(percentile(sched, 50))}, p99 ${f1(percentile(sched, 99))}, max ${f1(sched.at(-1) ?? NaN)}; saves that overran the next tick: ${late}`);
  console.log(`heartbeats: ${hb.length}, p50 ${f1(percentile(hb, 50))} ms, p99 ${f1(percentile(hb, 99))} ms`);
  console.log(`lost writes: ${lost} of ${acked} acknowledged fields (stored but unacknowledged: ${unacked}); ${stored.length} score rows in the database`);
  console.log(`record: ${rec!.n} evaluation.score_saved entries for ${savedCount} acknowledged saves`);
  console.log(`server's database connections (mean over ${samples} samples of pg_stat_activity): ${[...waits].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${(n / samples).toFixed(2)}`).join(", ")}`);
  console.log(`${DIRECT ? "benchmark process (commands)" : "server"}: ${cpu.toFixed(1)} CPU s during the run (${((cpu / wall) * 100).toFixed(0)} % of one core), peak RSS ${rss.toFixed(0)} MiB`);
  console.log(`load average (1 min) during the run: min ${Math.min(...loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}; at the end ${la()}`);
  const scope = `${ROOMS} rooms × ${MEMBERS} members, ${SECONDS} s, ${DIRECT ? "command layer, no HTTP" : "HTTP"}`;
  reportFigures("evaluation", [
    { id: "autosaveP99", label: `autosave p99 (${scope})`, value: Math.round(percentile(sorted, 99) * 10) / 10, unit: "ms", target: { kind: "max", value: 100, strict: true } },
    { id: "lostWrites", label: `lost writes (of ${acked} acknowledged fields)`, value: lost, unit: "", target: { kind: "max", value: 0 } },
    { id: "recordMismatch", label: "record entries differing from acknowledged saves", value: Math.abs(rec!.n - savedCount), unit: "", target: { kind: "max", value: 0 } },
  ]);
  if (lost || rec!.n !== savedCount) process.exitCode = 1;

  if (REPORT_ROOMS > 0) await reportSigning(REPORT_ROOMS);
} finally {
  await env.close();
}

/**
 * The report with 7 member signatures (R49, R50; docs/report-signatures.md), on the same PostgreSQL, in this process
 * through the services the room route calls (`report-position`, `report-prepare`, `report-sign`): a room at `signing`
 * with the result the engine computed (as test/integration/evaluation-report.test.ts prepares it), the draft
 * generated, every member's position (the last one renders the version to sign with the platform's signature), then
 * the members sign one after another, each as its page does — open its PKCS#12 file (10,000 PBKDF2 iterations, as
 * issued), prepare, sign the attributes in the "browser" (app/client/sign-attributes.ts), complete. The signed file
 * is checked with pdfsig: the platform's signature and one valid, trusted signature per member.
 */
async function reportSigning(rooms: number) {
  const t: Record<"draft" | "final" | "prepare" | "browser" | "complete" | "p12", number[]> = { draft: [], final: [], prepare: [], browser: [], complete: [], p12: [] };
  const perSeat: number[][] = Array.from({ length: MEMBERS }, () => []);
  let pages = 0;
  let bytes = 0;
  let valid = "";
  for (let r = 0; r < rooms; r++) {
    const o = await openedSection(env.app, BIDS);
    const seated = await seatCommittee(env.app, o.sectionId, MEMBERS);
    await forceStage(env.app, o.sectionId, "review", seated);
    await passReview(env.app, o.sectionId, o.bidders.map((b) => b.bidId));
    const data = await evaluationInput(env.app.db, o.sectionId);
    const result = evaluate(data.config, data.input);
    if (result.status !== "complete") throw new Error(`result: ${result.status}`);
    await env.app.db.update(evaluations).set({ result }).where(eq(evaluations.sectionId, o.sectionId));
    await forceStage(env.app, o.sectionId, "signing", seated);
    let t0 = performance.now();
    await generateReport(env.app, o.sectionId);
    t.draft.push(performance.now() - t0);
    for (const [i, m] of seated.entries()) {
      t0 = performance.now();
      await recordPosition(env.app, m.actor, o.sectionId, { position: "agree" });
      if (i === seated.length - 1) t.final.push(performance.now() - t0); // the last position renders and platform-signs the version to sign
    }
    let last = { signed: false, pdfSha256: "" };
    for (const [i, m] of seated.entries()) {
      const file = buildPkcs12({ privateKeyPkcs8: m.cert.privateKeyPkcs8, certPem: m.cert.certPem, chainPem: m.cert.chainPem, passphrase: "pw", friendlyName: "member", iterations: 10_000 });
      t0 = performance.now();
      const opened = await openP12File(new Blob([file as unknown as BlobPart]), "pw");
      t.p12.push(performance.now() - t0);
      t0 = performance.now();
      const p = await prepareSignature(env.app, m.actor, o.sectionId, { fingerprint: opened.fingerprint });
      const t1 = performance.now();
      const sig = await signReportAttributesWith(opened, p.signedAttrsB64, p.fingerprint);
      const t2 = performance.now();
      last = await completeSignature(env.app, m.actor, o.sectionId, { nonce: p.nonce, revision: p.revision, fingerprint: sig.fingerprint, signature: sig.signatureB64 });
      const t3 = performance.now();
      t.prepare.push(t1 - t0);
      t.browser.push(t2 - t1);
      t.complete.push(t3 - t2);
      perSeat[i]!.push(t1 - t0 + (t3 - t2));
    }
    if (!last.signed) throw new Error("report not signed by all members");
    const parts: Buffer[] = [];
    for await (const part of await env.app.blobs.get(last.pdfSha256)) parts.push(part as Buffer);
    const pdf = new Uint8Array(Buffer.concat(parts));
    bytes = pdf.length;
    pages = (await PDFDocument.load(pdf)).getPageCount();
    const check = checkSignedPdf(pdf, documentSigner(env.app.config).caCertPem);
    valid = `${check.trusted.match(/Signature is Valid\./g)?.length ?? 0} valid, ${check.trusted.match(/Certificate is Trusted\./g)?.length ?? 0} trusted`;
  }
  const med = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  const mx = (xs: number[]) => Math.max(...xs);
  const f = (xs: number[]) => `median ${med(xs).toFixed(0)} ms, max ${mx(xs).toFixed(0)} ms`;
  const server = t.prepare.map((p, k) => p + t.complete[k]!);
  console.log(`report: ${rooms} room(s) × ${MEMBERS} member signatures; last file ${pages} pages, ${bytes} bytes; pdfsig: ${valid} (platform + ${MEMBERS} members)`);
  const scope = `${rooms} room(s) × ${MEMBERS} signatures, PostgreSQL`;
  reportFigures("evaluation", [
    { id: "reportSignMedian", label: `report signature, server per member (prepare + complete), median (${scope})`, value: Math.round(med(server)), unit: "ms", target: { kind: "max", value: 200, strict: true } },
    { id: "reportSignMax", label: "report signature, server per member, max", value: Math.round(mx(server)), unit: "ms", target: { kind: "max", value: 200, strict: true } },
  ]);
  console.log(`draft generated (appendix, render): ${f(t.draft)}; version to sign (last position: render + platform signature): ${f(t.final)}`);
  console.log(`per signature, server (prepare + complete): ${f(server)} [prepare ${f(t.prepare)}; complete ${f(t.complete)}]`);
  console.log(`per signature, browser side in Node: sign attributes ${f(t.browser)}; open PKCS#12 (10,000 iterations) ${f(t.p12)}`);
  console.log(`server time by signer (median over rooms): ${perSeat.map((xs, i) => `#${i + 1} ${med(xs).toFixed(0)}`).join(", ")} ms`);
  console.log(`7 signatures end to end (server + browser, excluding the member's own pace): ${f(Array.from({ length: rooms }, (_, r) => server.slice(r * MEMBERS, (r + 1) * MEMBERS).reduce((a, b) => a + b, 0) + t.browser.slice(r * MEMBERS, (r + 1) * MEMBERS).reduce((a, b) => a + b, 0)))}`);
}
