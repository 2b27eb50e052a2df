ALTER TABLE "draws" ADD COLUMN "pool_commitment" text;--> statement-breakpoint
ALTER TABLE "draws" ADD COLUMN "pool_exclusions" jsonb;--> statement-breakpoint
ALTER TABLE "draws" ADD COLUMN "pseudonym_key" text;--> statement-breakpoint
ALTER TABLE "draws" ADD COLUMN "salt_parties" jsonb;--> statement-breakpoint
ALTER TABLE "draws" ADD COLUMN "salt_commitments" jsonb;--> statement-breakpoint
ALTER TABLE "draws" ADD COLUMN "salts" jsonb;