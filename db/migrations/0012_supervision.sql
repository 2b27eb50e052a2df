CREATE TYPE "public"."alert_status" AS ENUM('open', 'dismissed', 'in_case');--> statement-breakpoint
CREATE TYPE "public"."case_status" AS ENUM('open', 'investigating', 'resolved', 'referred');--> statement-breakpoint
CREATE TYPE "public"."complaint_status" AS ENUM('filed', 'accepted', 'refused', 'decided', 'withdrawn');--> statement-breakpoint
CREATE TYPE "public"."supervision_light" AS ENUM('green', 'yellow', 'red');--> statement-breakpoint
CREATE TYPE "public"."supervision_stage" AS ENUM('draft', 'tendering', 'opening', 'evaluation', 'publicity', 'decision', 'contract', 'completed', 'ended');--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"fingerprint" text NOT NULL,
	"kind" text NOT NULL,
	"rule" text NOT NULL,
	"severity" text NOT NULL,
	"section_id" uuid,
	"project_id" uuid,
	"subjects" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"evidence" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" "alert_status" DEFAULT 'open' NOT NULL,
	"detected_at" timestamp with time zone NOT NULL,
	"dismissed_at" timestamp with time zone,
	"dismissed_by" uuid,
	"dismiss_reason" text,
	"case_id" uuid
);
--> statement-breakpoint
CREATE TABLE "case_notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"author_user_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"status" "case_status",
	"blob_key" text,
	"file_name" text,
	"size" integer
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"title" text NOT NULL,
	"project_id" uuid NOT NULL,
	"section_id" uuid,
	"alert_id" uuid,
	"supervisor_org_id" uuid NOT NULL,
	"owner_user_id" uuid NOT NULL,
	"status" "case_status" DEFAULT 'open' NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"outcome" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "complaints" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"section_id" uuid,
	"objection_kind" text NOT NULL,
	"objection_id" uuid NOT NULL,
	"complainant_org_id" uuid NOT NULL,
	"filed_by" uuid NOT NULL,
	"supervisor_org_id" uuid,
	"body" text NOT NULL,
	"status" "complaint_status" DEFAULT 'filed' NOT NULL,
	"filed_at" timestamp with time zone NOT NULL,
	"accept_due_at" timestamp with time zone NOT NULL,
	"accepted_at" timestamp with time zone,
	"refused_at" timestamp with time zone,
	"refusal_reason" text,
	"decision_due_at" timestamp with time zone,
	"decided_at" timestamp with time zone,
	"outcome" text,
	"decision" text,
	"suspended" boolean DEFAULT false NOT NULL,
	"handled_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supervision_cursor" (
	"id" integer PRIMARY KEY NOT NULL,
	"record_seq" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supervision_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"section_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"light" "supervision_light" NOT NULL,
	"stage" "supervision_stage" NOT NULL,
	"from_light" "supervision_light",
	"from_stage" "supervision_stage",
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supervision_lights" (
	"section_id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"regime" text NOT NULL,
	"category" text NOT NULL,
	"region" text NOT NULL,
	"supervisor_org_id" uuid,
	"stage" "supervision_stage" NOT NULL,
	"light" "supervision_light" NOT NULL,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"next_change_at" timestamp with time zone,
	"light_since" timestamp with time zone NOT NULL,
	"open_alerts" integer DEFAULT 0 NOT NULL,
	"open_cases" integer DEFAULT 0 NOT NULL,
	"record_seq" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "jurisdiction" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_dismissed_by_users_id_fk" FOREIGN KEY ("dismissed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_notes" ADD CONSTRAINT "case_notes_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_notes" ADD CONSTRAINT "case_notes_author_user_id_users_id_fk" FOREIGN KEY ("author_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_supervisor_org_id_organisations_id_fk" FOREIGN KEY ("supervisor_org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_owner_user_id_users_id_fk" FOREIGN KEY ("owner_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_complainant_org_id_organisations_id_fk" FOREIGN KEY ("complainant_org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_filed_by_users_id_fk" FOREIGN KEY ("filed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_supervisor_org_id_organisations_id_fk" FOREIGN KEY ("supervisor_org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_handled_by_users_id_fk" FOREIGN KEY ("handled_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervision_history" ADD CONSTRAINT "supervision_history_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervision_lights" ADD CONSTRAINT "supervision_lights_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervision_lights" ADD CONSTRAINT "supervision_lights_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervision_lights" ADD CONSTRAINT "supervision_lights_supervisor_org_id_organisations_id_fk" FOREIGN KEY ("supervisor_org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_fingerprint_uq" ON "alerts" USING btree ("fingerprint");--> statement-breakpoint
CREATE INDEX "alerts_section_idx" ON "alerts" USING btree ("section_id");--> statement-breakpoint
CREATE INDEX "alerts_detected_idx" ON "alerts" USING btree ("detected_at");--> statement-breakpoint
CREATE INDEX "alerts_status_idx" ON "alerts" USING btree ("status");--> statement-breakpoint
CREATE INDEX "case_notes_case_idx" ON "case_notes" USING btree ("case_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "cases_code_uq" ON "cases" USING btree ("code");--> statement-breakpoint
CREATE INDEX "cases_project_idx" ON "cases" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "cases_status_idx" ON "cases" USING btree ("status");--> statement-breakpoint
CREATE INDEX "complaints_project_idx" ON "complaints" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "complaints_status_idx" ON "complaints" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "complaints_objection_uq" ON "complaints" USING btree ("objection_kind","objection_id","complainant_org_id");--> statement-breakpoint
CREATE INDEX "supervision_history_at_idx" ON "supervision_history" USING btree ("at");--> statement-breakpoint
CREATE INDEX "supervision_history_section_idx" ON "supervision_history" USING btree ("section_id","at");--> statement-breakpoint
CREATE INDEX "supervision_lights_light_idx" ON "supervision_lights" USING btree ("light","stage");--> statement-breakpoint
CREATE INDEX "supervision_lights_next_idx" ON "supervision_lights" USING btree ("next_change_at");--> statement-breakpoint
CREATE INDEX "supervision_lights_region_idx" ON "supervision_lights" USING btree ("region" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "supervision_lights_project_idx" ON "supervision_lights" USING btree ("project_id");