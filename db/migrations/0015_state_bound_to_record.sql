CREATE TABLE "record_writes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "record_writes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"xid" text NOT NULL,
	"seq" bigint,
	"table_name" text NOT NULL,
	"row_key" text NOT NULL,
	"row_hash" text
);
--> statement-breakpoint
ALTER TABLE "record_entries" ADD COLUMN "state_hash" text;--> statement-breakpoint
CREATE INDEX "record_writes_seq_idx" ON "record_writes" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "record_writes_row_idx" ON "record_writes" USING btree ("table_name","row_key","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "record_writes_pending_uq" ON "record_writes" USING btree ("xid","table_name","row_key") WHERE "record_writes"."seq" is null;--> statement-breakpoint
-- Business state bound to the record (R60; docs/decisions/028-state-bound-to-record.md, docs/record-format.md §1.7).
-- Statement triggers on every state-bound table note each row a transaction writes: its table, its primary key
-- (jsonb text of the array of key values) and the SHA-256 of the row's to_jsonb text (NULL when deleted), under
-- fixed text settings so the digest never depends on the session. The record entry the command appends in the
-- same transaction claims them (seq) and hashes the list into its `stateHash`.
CREATE OR REPLACE FUNCTION record_state_capture() RETURNS trigger
LANGUAGE plpgsql
SET timezone TO 'UTC' SET intervalstyle TO 'postgres' SET bytea_output TO 'hex' SET extra_float_digits TO 1
AS $fn$
DECLARE
  kr text;
  kn text;
BEGIN
  SELECT 'jsonb_build_array(' || string_agg(format('r.%I', a), ', ') || ')::text',
         'jsonb_build_array(' || string_agg(format('n.%I', a), ', ') || ')::text'
    INTO kr, kn FROM unnest(TG_ARGV) a;
  IF TG_OP <> 'INSERT' THEN
    -- Keys that no longer exist after the statement (a DELETE, or an UPDATE of the key) are written as deleted.
    EXECUTE format($q$
      INSERT INTO record_writes (xid, table_name, row_key, row_hash)
      SELECT pg_current_xact_id()::text, %L, %s, NULL FROM old_rows r
      WHERE %s
      ON CONFLICT (xid, table_name, row_key) WHERE seq IS NULL DO UPDATE SET row_hash = NULL
    $q$, TG_TABLE_NAME, kr,
      CASE WHEN TG_OP = 'UPDATE' THEN format('NOT EXISTS (SELECT 1 FROM new_rows n WHERE %s = %s)', kn, kr) ELSE 'true' END);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    EXECUTE format($q$
      INSERT INTO record_writes (xid, table_name, row_key, row_hash)
      SELECT pg_current_xact_id()::text, %L, %s, encode(sha256(convert_to(to_jsonb(r)::text, 'UTF8')), 'hex') FROM new_rows r
      ON CONFLICT (xid, table_name, row_key) WHERE seq IS NULL DO UPDATE SET row_hash = excluded.row_hash
    $q$, TG_TABLE_NAME, kr);
  END IF;
  RETURN NULL;
END
$fn$;
--> statement-breakpoint
-- A claimed write is never changed or removed (the entry's stateHash covers it); pending ones may still be updated.
CREATE OR REPLACE FUNCTION record_writes_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.xid = NEW.xid AND OLD.table_name = NEW.table_name AND OLD.row_key = NEW.row_key THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'record_writes is append-only once claimed (R60): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$fn$;
--> statement-breakpoint
CREATE TRIGGER record_writes_no_change BEFORE UPDATE OR DELETE ON record_writes
  FOR EACH ROW EXECUTE FUNCTION record_writes_refuse_change();
--> statement-breakpoint
CREATE TRIGGER record_writes_no_truncate BEFORE TRUNCATE ON record_writes
  FOR EACH STATEMENT EXECUTE FUNCTION record_entries_refuse_change();
--> statement-breakpoint
-- Installs the three capture triggers on one table, passing its primary-key columns in key order.
CREATE OR REPLACE FUNCTION record_state_bind(t text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  keys text;
BEGIN
  SELECT string_agg(quote_literal(a.attname), ', ' ORDER BY array_position(i.indkey::int2[], a.attnum))
    INTO keys
    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
   WHERE i.indrelid = t::regclass AND i.indisprimary;
  IF keys IS NULL THEN RAISE EXCEPTION 'state-bound table % has no primary key', t; END IF;
  EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_state_capture(%s)', t || '_state_ins', t, keys);
  EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_state_capture(%s)', t || '_state_upd', t, keys);
  EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_state_capture(%s)', t || '_state_del', t, keys);
END
$fn$;
--> statement-breakpoint
-- The state-bound tables: what commands decide. Kept equal to STATE_TABLES in app/services/transparency/state.server.ts
-- (a test compares them with pg_trigger). Reference data synced from code at every start (rule profiles, specialties,
-- holidays), working state (sessions, uploads in progress, jobs, presence, caches,
-- notifications, live events) and the bulk pool tables (bound through the draw's committed list) are not bound.
SELECT record_state_bind(t) FROM unnest(ARRAY[
  'organisations', 'users', 'memberships', 'certificates',
  'projects', 'sections', 'tender_documents', 'amendments', 'questions', 'objections',
  'bids', 'openings', 'bid_openings', 'opening_checkins', 'opening_share_releases', 'opening_objections', 'opening_confirmations',
  'draws', 'draw_picks',
  'evaluations', 'committee_members', 'leader_ballots', 'review_marks', 'member_stage_done', 'review_conclusions',
  'clarifications', 'scores', 'flag_justifications', 'score_changes', 'evaluation_reports', 'report_signatures', 'evaluation_rollbacks',
  'section_results', 'result_objections', 'result_documents', 'contracts', 'bond_refunds',
  'rooms', 'room_bookings', 'cases', 'case_notes', 'complaints'
]) AS t;
--> statement-breakpoint
-- Rows written before this migration: noted under xid '0', claimed by the `record.state_baseline` command at the
-- next start (app/services/transparency/state.server.ts). A later migration that changes a bound table's columns
-- calls record_state_baseline('<table>') again (ADR 002, ADR 028): a row noted twice keeps its latest digest.
CREATE OR REPLACE FUNCTION record_state_baseline(t text) RETURNS void
LANGUAGE plpgsql
SET timezone TO 'UTC' SET intervalstyle TO 'postgres' SET bytea_output TO 'hex' SET extra_float_digits TO 1
AS $fn$
DECLARE
  k text;
BEGIN
  SELECT 'jsonb_build_array(' || string_agg(format('r.%I', a.attname), ', ' ORDER BY array_position(i.indkey::int2[], a.attnum)) || ')::text'
    INTO k
    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
   WHERE i.indrelid = t::regclass AND i.indisprimary;
  EXECUTE format($q$
    INSERT INTO record_writes (xid, table_name, row_key, row_hash)
    SELECT '0', %L, %s, encode(sha256(convert_to(to_jsonb(r)::text, 'UTF8')), 'hex') FROM %I r
    ON CONFLICT (xid, table_name, row_key) WHERE seq IS NULL DO UPDATE SET row_hash = excluded.row_hash
  $q$, t, k, t);
END
$fn$;
--> statement-breakpoint
SELECT record_state_baseline(tgrelid::regclass::text)
  FROM pg_trigger WHERE tgname LIKE '%\_state\_ins' AND NOT tgisinternal;
