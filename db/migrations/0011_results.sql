CREATE TYPE "public"."result_document_kind" AS ENUM('publicity', 'award_notice', 'result_notice', 'result_announcement', 'contract');--> statement-breakpoint
CREATE TYPE "public"."result_objection_outcome" AS ENUM('dismissed', 'recheck', 'end');--> statement-breakpoint
CREATE TYPE "public"."result_objection_status" AS ENUM('pending', 'answered');--> statement-breakpoint
CREATE TYPE "public"."result_stage" AS ENUM('publicity_due', 'publicity', 'suspended', 'recheck', 'decision', 'decided', 'notified', 'contracted', 'archived', 'ended');--> statement-breakpoint
CREATE TABLE "bond_refunds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"amount_fen" bigint NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"refunded_at" timestamp with time zone,
	"refunded_by" uuid,
	"reference" text
);
--> statement-breakpoint
CREATE TABLE "contracts" (
	"section_id" uuid PRIMARY KEY NOT NULL,
	"winner_org_id" uuid NOT NULL,
	"amount_fen" bigint NOT NULL,
	"signed_on" date NOT NULL,
	"document_id" uuid NOT NULL,
	"recorded_by" uuid NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"publish_due_at" timestamp with time zone,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "ocds_releases" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"ocid" text NOT NULL,
	"release_id" text NOT NULL,
	"project_id" uuid NOT NULL,
	"date" timestamp with time zone NOT NULL,
	"tags" text[] NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "result_documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"kind" "result_document_kind" NOT NULL,
	"org_id" uuid,
	"number" text NOT NULL,
	"filename" text NOT NULL,
	"sha256" text NOT NULL,
	"size" integer NOT NULL,
	"public" boolean NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"issued_by" uuid
);
--> statement-breakpoint
CREATE TABLE "result_objections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"body" text NOT NULL,
	"status" "result_objection_status" DEFAULT 'pending' NOT NULL,
	"filed_at" timestamp with time zone NOT NULL,
	"answer_due_at" timestamp with time zone NOT NULL,
	"answer" text,
	"outcome" "result_objection_outcome",
	"answered_by" uuid,
	"answered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "section_results" (
	"section_id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"report_id" uuid NOT NULL,
	"report_number" text NOT NULL,
	"stage" "result_stage" NOT NULL,
	"suspended_from" "result_stage",
	"suspended_at" timestamp with time zone,
	"suspended_ms" bigint DEFAULT 0 NOT NULL,
	"candidates" jsonb NOT NULL,
	"bidders" jsonb NOT NULL,
	"report_signed_at" timestamp with time zone NOT NULL,
	"publicity_due_at" timestamp with time zone,
	"publicity_started_at" timestamp with time zone,
	"publicity_ends_at" timestamp with time zone,
	"publicity_ended_at" timestamp with time zone,
	"decision_due_at" timestamp with time zone,
	"winner_bid_id" uuid,
	"winner_org_id" uuid,
	"winner_rank" integer,
	"decision_mode" text,
	"deviations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"deviation_evidence_sha256" text,
	"decided_at" timestamp with time zone,
	"decided_by" uuid,
	"notices_due_at" timestamp with time zone,
	"notified_at" timestamp with time zone,
	"contract_due_at" timestamp with time zone,
	"contract_warn_at" timestamp with time zone,
	"notice_period_ends_at" timestamp with time zone,
	"contracted_at" timestamp with time zone,
	"archived_at" timestamp with time zone,
	"retain_until" date,
	"ended_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "state_funded" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "bond_refunds" ADD CONSTRAINT "bond_refunds_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bond_refunds" ADD CONSTRAINT "bond_refunds_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bond_refunds" ADD CONSTRAINT "bond_refunds_refunded_by_users_id_fk" FOREIGN KEY ("refunded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_winner_org_id_organisations_id_fk" FOREIGN KEY ("winner_org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_document_id_result_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."result_documents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ocds_releases" ADD CONSTRAINT "ocds_releases_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_documents" ADD CONSTRAINT "result_documents_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_documents" ADD CONSTRAINT "result_documents_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_documents" ADD CONSTRAINT "result_documents_issued_by_users_id_fk" FOREIGN KEY ("issued_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_objections" ADD CONSTRAINT "result_objections_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_objections" ADD CONSTRAINT "result_objections_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_objections" ADD CONSTRAINT "result_objections_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "result_objections" ADD CONSTRAINT "result_objections_answered_by_users_id_fk" FOREIGN KEY ("answered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "section_results" ADD CONSTRAINT "section_results_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "section_results" ADD CONSTRAINT "section_results_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "section_results" ADD CONSTRAINT "section_results_report_id_evaluation_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."evaluation_reports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "section_results" ADD CONSTRAINT "section_results_winner_bid_id_bids_id_fk" FOREIGN KEY ("winner_bid_id") REFERENCES "public"."bids"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "section_results" ADD CONSTRAINT "section_results_winner_org_id_organisations_id_fk" FOREIGN KEY ("winner_org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "section_results" ADD CONSTRAINT "section_results_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "bond_refunds_section_org_uq" ON "bond_refunds" USING btree ("section_id","org_id");--> statement-breakpoint
CREATE INDEX "bond_refunds_due_idx" ON "bond_refunds" USING btree ("due_at");--> statement-breakpoint
CREATE UNIQUE INDEX "ocds_releases_release_id_uq" ON "ocds_releases" USING btree ("release_id");--> statement-breakpoint
CREATE INDEX "ocds_releases_ocid_idx" ON "ocds_releases" USING btree ("ocid","seq");--> statement-breakpoint
CREATE INDEX "result_documents_section_idx" ON "result_documents" USING btree ("section_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "result_documents_number_uq" ON "result_documents" USING btree ("number");--> statement-breakpoint
CREATE INDEX "result_documents_sha_idx" ON "result_documents" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "result_objections_section_idx" ON "result_objections" USING btree ("section_id");--> statement-breakpoint
CREATE UNIQUE INDEX "result_objections_one_pending_per_org_uq" ON "result_objections" USING btree ("section_id","org_id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "section_results_stage_idx" ON "section_results" USING btree ("stage");--> statement-breakpoint
CREATE INDEX "section_results_project_idx" ON "section_results" USING btree ("project_id");