ALTER TABLE "bid_openings" ADD COLUMN "content_key" jsonb;--> statement-breakpoint
-- The content key sealed to the platform after the opening (docs/decisions/031-opening-without-plaintext-writes.md).
-- A new column changes every existing bid opening's digest (ADR 028): bind them again.
SELECT record_state_baseline('bid_openings');
