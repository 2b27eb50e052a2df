CREATE TYPE "public"."draw_status" AS ENUM('committed', 'salted', 'drawn', 'revealed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."expert_status" AS ENUM('active', 'suspended', 'retired', 'blacklisted');--> statement-breakpoint
CREATE TYPE "public"."pick_status" AS ENUM('invited', 'standby', 'confirmed', 'declined', 'timed_out', 'replaced');--> statement-breakpoint
CREATE TYPE "public"."relationship_kind" AS ENUM('shareholding', 'directorship', 'relative');--> statement-breakpoint
CREATE TYPE "public"."title_level" AS ENUM('senior', 'deputy_senior', 'intermediate', 'other');--> statement-breakpoint
CREATE TABLE "draw_picks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"draw_id" uuid NOT NULL,
	"expert_id" uuid NOT NULL,
	"specialty" text NOT NULL,
	"role" text NOT NULL,
	"order" integer NOT NULL,
	"status" "pick_status" NOT NULL,
	"responded_at" timestamp with time zone,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "draws" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"section_id" uuid NOT NULL,
	"requested_by" uuid NOT NULL,
	"lines" jsonb NOT NULL,
	"region_mode" text NOT NULL,
	"evaluation_at" timestamp with time zone NOT NULL,
	"avoid" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" "draw_status" DEFAULT 'committed' NOT NULL,
	"server_seed" text NOT NULL,
	"commitment" text NOT NULL,
	"salt" text,
	"salted_by" uuid,
	"record_head" text,
	"input_hash" text,
	"drawn_at" timestamp with time zone,
	"revealed_at" timestamp with time zone,
	"exclusions" jsonb,
	"shortfalls" jsonb,
	"candidates" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "expert_employment" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"expert_id" uuid NOT NULL,
	"org_name" text NOT NULL,
	"org_code" text,
	"from_date" date NOT NULL,
	"to_date" date
);
--> statement-breakpoint
CREATE TABLE "expert_relationships" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"expert_id" uuid NOT NULL,
	"kind" "relationship_kind" NOT NULL,
	"org_name" text NOT NULL,
	"org_code" text,
	"from_date" date NOT NULL,
	"to_date" date,
	"note" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "expert_specialties" (
	"expert_id" uuid NOT NULL,
	"code" text NOT NULL,
	CONSTRAINT "expert_specialties_expert_id_code_pk" PRIMARY KEY("expert_id","code")
);
--> statement-breakpoint
CREATE TABLE "expert_unavailability" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"expert_id" uuid NOT NULL,
	"from_date" date NOT NULL,
	"to_date" date NOT NULL,
	"reason" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "experts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"id_suffix" text DEFAULT '' NOT NULL,
	"phone" text DEFAULT '' NOT NULL,
	"title" text DEFAULT '' NOT NULL,
	"title_level" "title_level" DEFAULT 'senior' NOT NULL,
	"years_experience" integer NOT NULL,
	"region" text NOT NULL,
	"employer_name" text DEFAULT '' NOT NULL,
	"employer_code" text,
	"status" "expert_status" DEFAULT 'active' NOT NULL,
	"status_reason" text DEFAULT '' NOT NULL,
	"punished" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "specialties" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"parent_code" text,
	"level" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "draw_picks" ADD CONSTRAINT "draw_picks_draw_id_draws_id_fk" FOREIGN KEY ("draw_id") REFERENCES "public"."draws"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "draw_picks" ADD CONSTRAINT "draw_picks_expert_id_experts_id_fk" FOREIGN KEY ("expert_id") REFERENCES "public"."experts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "draws" ADD CONSTRAINT "draws_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "draws" ADD CONSTRAINT "draws_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "draws" ADD CONSTRAINT "draws_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "draws" ADD CONSTRAINT "draws_salted_by_users_id_fk" FOREIGN KEY ("salted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expert_employment" ADD CONSTRAINT "expert_employment_expert_id_experts_id_fk" FOREIGN KEY ("expert_id") REFERENCES "public"."experts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expert_relationships" ADD CONSTRAINT "expert_relationships_expert_id_experts_id_fk" FOREIGN KEY ("expert_id") REFERENCES "public"."experts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expert_specialties" ADD CONSTRAINT "expert_specialties_expert_id_experts_id_fk" FOREIGN KEY ("expert_id") REFERENCES "public"."experts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expert_specialties" ADD CONSTRAINT "expert_specialties_code_specialties_code_fk" FOREIGN KEY ("code") REFERENCES "public"."specialties"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expert_unavailability" ADD CONSTRAINT "expert_unavailability_expert_id_experts_id_fk" FOREIGN KEY ("expert_id") REFERENCES "public"."experts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experts" ADD CONSTRAINT "experts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "draw_picks_draw_expert_uq" ON "draw_picks" USING btree ("draw_id","expert_id");--> statement-breakpoint
CREATE INDEX "draw_picks_expert_idx" ON "draw_picks" USING btree ("expert_id");--> statement-breakpoint
CREATE INDEX "draws_section_idx" ON "draws" USING btree ("section_id");--> statement-breakpoint
CREATE INDEX "expert_employment_expert_idx" ON "expert_employment" USING btree ("expert_id");--> statement-breakpoint
CREATE INDEX "expert_employment_org_idx" ON "expert_employment" USING btree ("org_code");--> statement-breakpoint
CREATE INDEX "expert_relationships_expert_idx" ON "expert_relationships" USING btree ("expert_id");--> statement-breakpoint
CREATE INDEX "expert_relationships_org_idx" ON "expert_relationships" USING btree ("org_code");--> statement-breakpoint
CREATE INDEX "expert_specialties_code_idx" ON "expert_specialties" USING btree ("code");--> statement-breakpoint
CREATE INDEX "expert_unavailability_expert_idx" ON "expert_unavailability" USING btree ("expert_id");--> statement-breakpoint
CREATE UNIQUE INDEX "experts_code_uq" ON "experts" USING btree ("code");--> statement-breakpoint
CREATE INDEX "experts_region_idx" ON "experts" USING btree ("region");--> statement-breakpoint
CREATE INDEX "experts_status_idx" ON "experts" USING btree ("status");