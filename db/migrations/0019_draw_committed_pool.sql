CREATE TABLE "draw_pools" (
	"draw_id" uuid PRIMARY KEY NOT NULL,
	"candidates" jsonb NOT NULL,
	"pool_exclusions" jsonb,
	"exclusions" jsonb NOT NULL,
	"candidate_count" integer NOT NULL,
	"excluded_count" integer NOT NULL,
	"line_counts" jsonb,
	"input_hash" text
);
--> statement-breakpoint
ALTER TABLE "draw_pools" ADD CONSTRAINT "draw_pools_draw_id_draws_id_fk" FOREIGN KEY ("draw_id") REFERENCES "public"."draws"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- The committed pool moves to its own write-once table (docs/decisions/030-draw-committed-pool-table.md): the
-- candidates, the published exclusions and the request's exclusions with their parameters. The re-screen's later
-- additions (params.stage = 'rescreen') stay on the draw row. A draw with nothing committed yet (requested before
-- migration 0016 and not drawn) has no pool row. The input hash of a draw already drawn is its recorded one; of a
-- draw not yet drawn it stays null (the draw computes it).
INSERT INTO "draw_pools" ("draw_id", "candidates", "pool_exclusions", "exclusions", "candidate_count", "excluded_count", "input_hash")
SELECT d."id",
       coalesce(d."candidates", '[]'::jsonb),
       d."pool_exclusions",
       coalesce((SELECT jsonb_agg(x ORDER BY n) FROM jsonb_array_elements(d."exclusions") WITH ORDINALITY AS e(x, n)
                  WHERE x->'params'->>'stage' IS DISTINCT FROM 'rescreen'), '[]'::jsonb),
       coalesce(jsonb_array_length(d."candidates"), 0),
       coalesce(jsonb_array_length(d."pool_exclusions"), 0),
       CASE WHEN d."status" IN ('drawn', 'revealed') THEN d."input_hash" END
  FROM "draws" d
 WHERE d."candidates" IS NOT NULL OR d."pool_exclusions" IS NOT NULL OR d."exclusions" IS NOT NULL;
--> statement-breakpoint
-- The draws' capture trigger is off for this one statement: the baseline below notes the rows as they end up (a write
-- under the migration's transaction would otherwise be reported as outside any command, ADR 028).
ALTER TABLE "draws" DISABLE TRIGGER "draws_state_upd";--> statement-breakpoint
UPDATE "draws" d
   SET "exclusions" = (SELECT jsonb_agg(x ORDER BY n) FROM jsonb_array_elements(d."exclusions") WITH ORDINALITY AS e(x, n)
                        WHERE x->'params'->>'stage' = 'rescreen')
 WHERE d."exclusions" IS NOT NULL;
--> statement-breakpoint
ALTER TABLE "draws" ENABLE TRIGGER "draws_state_upd";--> statement-breakpoint
ALTER TABLE "draws" DROP COLUMN "candidates";--> statement-breakpoint
ALTER TABLE "draws" DROP COLUMN "pool_exclusions";--> statement-breakpoint
-- draw_pools is state-bound (ADR 028; STATE_TABLES in app/services/transparency/state.server.ts): its capture
-- triggers are installed after the rows above were moved, so the move itself is noted by the baseline below, not as
-- a write outside any command.
SELECT record_state_bind('draw_pools');--> statement-breakpoint
-- The draws' columns changed and the pool rows are new (ADR 002, ADR 028): the next start binds both again.
SELECT record_state_baseline('draws');--> statement-breakpoint
SELECT record_state_baseline('draw_pools');
