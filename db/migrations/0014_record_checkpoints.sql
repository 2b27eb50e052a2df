CREATE TABLE "record_checkpoints" (
	"size" bigint PRIMARY KEY NOT NULL,
	"root_hash" text NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"body" text NOT NULL,
	"signature" text NOT NULL,
	"x5c" jsonb NOT NULL
);
--> statement-breakpoint
-- Checkpoints are append-only, as the record is (R60): a published tree head is never changed or withdrawn.
CREATE TRIGGER record_checkpoints_no_update BEFORE UPDATE OR DELETE ON record_checkpoints
  FOR EACH ROW EXECUTE FUNCTION record_entries_refuse_change();
--> statement-breakpoint
CREATE TRIGGER record_checkpoints_no_truncate BEFORE TRUNCATE ON record_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION record_entries_refuse_change();
