-- The unified record is append-only (R60): the database itself refuses UPDATE, DELETE and
-- TRUNCATE on record_entries. Tampering needs a superuser to drop or disable the trigger,
-- and `npm run verify-record` then names the first entry whose hash no longer matches.
CREATE OR REPLACE FUNCTION record_entries_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'record_entries is append-only (R60): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER record_entries_no_update BEFORE UPDATE OR DELETE ON record_entries
  FOR EACH ROW EXECUTE FUNCTION record_entries_refuse_change();
--> statement-breakpoint
CREATE TRIGGER record_entries_no_truncate BEFORE TRUNCATE ON record_entries
  FOR EACH STATEMENT EXECUTE FUNCTION record_entries_refuse_change();
--> statement-breakpoint
-- The genesis head: sequence 0 and a hash of 64 zeros.
INSERT INTO record_head (id, seq, hash) VALUES (1, 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
