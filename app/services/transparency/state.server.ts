import { sql } from "drizzle-orm";
import { hashState, type StateWrite } from "#crypto/record-hash";
import { rowsOf, type Executor, type Tx } from "#db/client";
import { systemActor } from "../platform/actor";
import { runOptionalCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";

/**
 * Business state bound to the record (R60; docs/decisions/028-state-bound-to-record.md, docs/record-format.md §1.7).
 * The tables whose rows only commands write: migration 0015 installs capture triggers on exactly these (a test
 * compares the list with pg_trigger). Reference data synced from code at every start (rule profiles, specialties,
 * holidays), working state — sessions, uploads in progress, jobs, presence, caches,
 * notifications, live events, supervision projections — and the bulk expert-pool tables are not bound.
 */
export const STATE_TABLES = [
  "organisations", "users", "memberships", "certificates",
  "projects", "sections", "tender_documents", "amendments", "questions", "objections",
  "bids", "openings", "bid_openings", "opening_checkins", "opening_share_releases", "opening_objections", "opening_confirmations",
  "draws", "draw_pools", "draw_picks",
  "evaluations", "committee_members", "leader_ballots", "review_marks", "member_stage_done", "review_conclusions",
  "clarifications", "scores", "flag_justifications", "score_changes", "evaluation_reports", "report_signatures", "evaluation_rollbacks",
  "section_results", "result_objections", "result_documents", "contracts", "bond_refunds",
  "rooms", "room_bookings", "cases", "case_notes", "complaints",
] as const;

/** The xid under which migration 0015 noted the rows that existed before it (claimed by the baseline command). */
const BASELINE_XID = "0";

/**
 * Claims the rows this transaction wrote to state-bound tables for the entry `seq` and returns them (called by
 * appendRecord under the locked head). The baseline command also claims the pre-migration rows.
 */
export async function claimStateWrites(tx: Tx, seq: number): Promise<StateWrite[]> {
  const rows = rowsOf<{ table_name: string; row_key: string; row_hash: string | null }>(
    await tx.execute(sql`
      update record_writes set seq = ${seq}
       where seq is null
         and (xid = pg_current_xact_id()::text
              or (xid = ${BASELINE_XID} and current_setting('tenderhall.state_baseline', true) = 'on'))
      returning table_name, row_key, row_hash`),
  );
  return rows.map((r) => ({ table: r.table_name, key: r.row_key, hash: r.row_hash }));
}

/**
 * At start: binds the rows that predate state binding (an existing deployment upgraded to migration 0015) with one
 * `record.state_baseline` entry. Nothing to do on a new database or once done.
 */
export async function ensureStateBaseline(ctx: Pick<AppContext, "db">): Promise<number | null> {
  return runOptionalCommand(ctx, systemActor(), "record.state_baseline", async ({ tx }) => {
    const [pending] = rowsOf<{ n: number }>(
      await tx.execute(sql`select count(*)::int as n from record_writes where xid = ${BASELINE_XID} and seq is null`),
    );
    if (!pending?.n) return null;
    await tx.execute(sql`select set_config('tenderhall.state_baseline', 'on', true)`);
    return { result: pending.n, subjectType: "record", subjectId: "state", payload: { rows: pending.n } };
  });
}

export type StateProblem =
  /** The entry's stateHash does not match the writes stored for it (record_writes was changed). */
  | { kind: "writes_mismatch"; seq: number }
  /** Writes are stored for an entry that has no stateHash. */
  | { kind: "writes_without_state"; seq: number }
  /** A row differs from what the last entry that wrote it recorded (changed, inserted or deleted outside the record). */
  | { kind: "row_changed" | "row_unrecorded" | "row_deleted"; table: string; key: string; seq: number | null }
  /** A write to a state-bound table that no record entry claimed: it happened outside any command. */
  | { kind: "write_outside_command"; table: string; key: string };

export type StateVerifyResult = { ok: boolean; entries: number; writes: number; rows: number; problems: StateProblem[]; truncated: boolean };

const BATCH = 2000;
const MAX_PROBLEMS = 200;

/**
 * `verify-record --state`: (1) every entry's stateHash is recomputed from the writes it claimed; (2) every row of
 * every state-bound table is hashed as the triggers hash it and compared with the last claimed write of its key;
 * (3) writes no entry claimed are reported. Run after the chain check (the chain protects the stateHashes).
 */
export async function verifyState(db: Executor): Promise<StateVerifyResult> {
  const problems: StateProblem[] = [];
  let truncated = false;
  const add = (p: StateProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
    else truncated = true;
  };
  let entries = 0;
  let writes = 0;
  // (1) stateHash against the claimed writes, in seq batches.
  for (let after = 0; ; ) {
    const batch = rowsOf<{ seq: string | number; state_hash: string | null }>(
      await db.execute(sql`select seq, state_hash from record_entries where seq > ${after} order by seq limit ${BATCH}`),
    );
    if (batch.length === 0) break;
    const last = Number(batch[batch.length - 1]!.seq);
    const claimed = rowsOf<{ seq: string | number; table_name: string; row_key: string; row_hash: string | null }>(
      await db.execute(sql`select seq, table_name, row_key, row_hash from record_writes where seq > ${after} and seq <= ${last}`),
    );
    writes += claimed.length;
    const bySeq = new Map<number, StateWrite[]>();
    for (const w of claimed) {
      const s = Number(w.seq);
      let list = bySeq.get(s);
      if (!list) bySeq.set(s, (list = []));
      list.push({ table: w.table_name, key: w.row_key, hash: w.row_hash });
    }
    for (const e of batch) {
      const s = Number(e.seq);
      const list = bySeq.get(s) ?? [];
      if (e.state_hash == null) {
        if (list.length) add({ kind: "writes_without_state", seq: s });
      } else if (hashState(list) !== e.state_hash) add({ kind: "writes_mismatch", seq: s });
      bySeq.delete(s);
    }
    // Writes claimed by a seq that has no entry at all.
    for (const s of bySeq.keys()) add({ kind: "writes_without_state", seq: s });
    entries += batch.length;
    after = last;
  }
  // (2) every bound row against its last claimed write, hashed exactly as the capture trigger hashes it.
  let rows = 0;
  await (db as Executor).transaction(async (tx) => {
    await tx.execute(sql.raw("set local timezone to 'UTC'"));
    await tx.execute(sql.raw("set local intervalstyle to 'postgres'"));
    await tx.execute(sql.raw("set local bytea_output to 'hex'"));
    await tx.execute(sql.raw("set local extra_float_digits to 1"));
    for (const table of STATE_TABLES) {
      const key = await keyExpression(tx, table);
      const [count] = rowsOf<{ n: number }>(await tx.execute(sql.raw(`select count(*)::int as n from "${table}"`)));
      rows += count?.n ?? 0;
      const diff = rowsOf<{ row_key: string; cur: string | null; rec: string | null; seq: string | number | null; bound: boolean }>(
        await tx.execute(
          sql.raw(`
          with rec as (
            select distinct on (row_key) row_key, row_hash, seq from record_writes
             where table_name = '${table}' and seq is not null order by row_key, seq desc),
          cur as (
            select ${key} as row_key, encode(sha256(convert_to(to_jsonb(r)::text, 'UTF8')), 'hex') as h from "${table}" r)
          select coalesce(cur.row_key, rec.row_key) as row_key, cur.h as cur, rec.row_hash as rec, rec.seq,
                 rec.row_key is not null as bound
            from cur full join rec on rec.row_key = cur.row_key
           where cur.h is distinct from rec.row_hash
           order by 1 limit ${MAX_PROBLEMS + 1}`),
        ),
      );
      for (const d of diff) {
        const seq = d.seq == null ? null : Number(d.seq);
        if (!d.bound) add({ kind: "row_unrecorded", table, key: d.row_key, seq });
        else if (d.cur == null) add({ kind: "row_deleted", table, key: d.row_key, seq });
        else add({ kind: "row_changed", table, key: d.row_key, seq });
      }
    }
  });
  // (3) writes outside any command (committed, so no entry of their transaction claimed them).
  const outside = rowsOf<{ table_name: string; row_key: string }>(
    await db.execute(sql`select table_name, row_key from record_writes where seq is null order by id limit ${MAX_PROBLEMS + 1}`),
  );
  for (const w of outside) add({ kind: "write_outside_command", table: w.table_name, key: w.row_key });
  return { ok: problems.length === 0 && !truncated, entries, writes, rows, problems, truncated };
}

/** The capture trigger's key expression for `table` (`jsonb_build_array(r.k1, …)::text`, key columns in key order). */
async function keyExpression(db: Executor, table: string): Promise<string> {
  const cols = rowsOf<{ attname: string }>(
    await db.execute(sql`
      select a.attname from pg_index i
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey::int2[])
       where i.indrelid = ${table}::regclass and i.indisprimary
       order by array_position(i.indkey::int2[], a.attnum)`),
  );
  if (cols.length === 0) throw new Error(`state-bound table ${table} has no primary key`);
  return `jsonb_build_array(${cols.map((c) => `r."${c.attname.replace(/"/g, '""')}"`).join(", ")})::text`;
}
