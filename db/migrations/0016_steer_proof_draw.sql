ALTER TABLE "draws" ADD COLUMN "pool_commitment" text;--> statement-breakpoint
ALTER TABLE "draws" ADD COLUMN "pool_exclusions" jsonb;--> statement-breakpoint
ALTER TABLE "draws" ADD COLUMN "pseudonym_key" text;--> statement-breakpoint
ALTER TABLE "draws" ADD COLUMN "salt_parties" jsonb;--> statement-breakpoint
ALTER TABLE "draws" ADD COLUMN "salt_commitments" jsonb;--> statement-breakpoint
ALTER TABLE "draws" ADD COLUMN "salts" jsonb;--> statement-breakpoint
-- New columns change every existing draw's digest (ADR 028): the next start binds them again.
SELECT record_state_baseline('draws');
