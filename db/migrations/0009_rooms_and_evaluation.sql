CREATE TYPE "public"."room_kind" AS ENUM('review', 'opening');--> statement-breakpoint
CREATE TYPE "public"."clarification_status" AS ENUM('open', 'answered', 'expired', 'withdrawn');--> statement-breakpoint
CREATE TYPE "public"."evaluation_stage" AS ENUM('waiting', 'entry', 'leader', 'review', 'scoring', 'summary', 'signing', 'signed', 'failed');--> statement-breakpoint
CREATE TYPE "public"."committee_member_status" AS ENUM('expected', 'seated', 'recused', 'removed');--> statement-breakpoint
CREATE TYPE "public"."evaluation_report_status" AS ENUM('signing', 'signed', 'voided');--> statement-breakpoint
CREATE TABLE "room_bookings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"room_id" uuid NOT NULL,
	"section_id" uuid,
	"purpose" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"booked_by" uuid NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"cancelled_at" timestamp with time zone,
	"cancelled_by" uuid,
	"cancel_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "room_bookings_slot_ck" CHECK ("room_bookings"."ends_at" > "room_bookings"."starts_at")
);
--> statement-breakpoint
CREATE TABLE "rooms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"kind" "room_kind" NOT NULL,
	"location" text DEFAULT '' NOT NULL,
	"capacity" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rooms_capacity_ck" CHECK ("rooms"."capacity" between 1 and 500)
);
--> statement-breakpoint
CREATE TABLE "clarifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"bid_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"question" text NOT NULL,
	"correction" jsonb,
	"requested_by" uuid NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"status" "clarification_status" DEFAULT 'open' NOT NULL,
	"answer" text,
	"accepted" boolean,
	"answered_by" uuid,
	"answered_at" timestamp with time zone,
	"answer_certificate_id" uuid,
	"answer_signature" text
);
--> statement-breakpoint
CREATE TABLE "committee_members" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"expert_id" uuid,
	"draw_pick_id" uuid,
	"user_id" uuid NOT NULL,
	"seat" integer NOT NULL,
	"status" "committee_member_status" DEFAULT 'expected' NOT NULL,
	"declared_at" timestamp with time zone,
	"declaration_certificate_id" uuid,
	"declaration" jsonb,
	"recusal_reason" text,
	"voided_at" timestamp with time zone,
	"void_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "evaluation_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"number" text NOT NULL,
	"status" "evaluation_report_status" DEFAULT 'signing' NOT NULL,
	"appendix" jsonb NOT NULL,
	"appendix_sha256" text NOT NULL,
	"base_pdf_sha256" text NOT NULL,
	"pdf_sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"signed_at" timestamp with time zone,
	"voided_at" timestamp with time zone,
	"void_reason" text
);
--> statement-breakpoint
CREATE TABLE "evaluations" (
	"section_id" uuid PRIMARY KEY NOT NULL,
	"stage" "evaluation_stage" DEFAULT 'waiting' NOT NULL,
	"stage_changed_at" timestamp with time zone NOT NULL,
	"booking_id" uuid,
	"starts_at" timestamp with time zone NOT NULL,
	"config" jsonb NOT NULL,
	"leader_member_id" uuid,
	"election_round" integer DEFAULT 1 NOT NULL,
	"election_eligible" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"paused_at" timestamp with time zone,
	"pause_reason" text,
	"too_few_reasoning" text,
	"result" jsonb,
	"failure" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flag_justifications" (
	"section_id" uuid NOT NULL,
	"member_id" uuid NOT NULL,
	"bid_id" uuid NOT NULL,
	"item_id" text NOT NULL,
	"text" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "flag_justifications_section_id_member_id_bid_id_item_id_pk" PRIMARY KEY("section_id","member_id","bid_id","item_id")
);
--> statement-breakpoint
CREATE TABLE "leader_ballots" (
	"section_id" uuid NOT NULL,
	"round" integer NOT NULL,
	"voter_id" uuid NOT NULL,
	"candidate_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "leader_ballots_section_id_round_voter_id_pk" PRIMARY KEY("section_id","round","voter_id")
);
--> statement-breakpoint
CREATE TABLE "member_stage_done" (
	"section_id" uuid NOT NULL,
	"member_id" uuid NOT NULL,
	"stage" text NOT NULL,
	"done_at" timestamp with time zone NOT NULL,
	CONSTRAINT "member_stage_done_section_id_member_id_stage_pk" PRIMARY KEY("section_id","member_id","stage")
);
--> statement-breakpoint
CREATE TABLE "report_signatures" (
	"report_id" uuid NOT NULL,
	"member_id" uuid NOT NULL,
	"certificate_id" uuid NOT NULL,
	"dissent" text,
	"signed_at" timestamp with time zone NOT NULL,
	"pdf_sha256" text NOT NULL,
	CONSTRAINT "report_signatures_report_id_member_id_pk" PRIMARY KEY("report_id","member_id")
);
--> statement-breakpoint
CREATE TABLE "review_conclusions" (
	"section_id" uuid NOT NULL,
	"bid_id" uuid NOT NULL,
	"passed" boolean NOT NULL,
	"items" jsonb NOT NULL,
	"ground" text,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	CONSTRAINT "review_conclusions_section_id_bid_id_pk" PRIMARY KEY("section_id","bid_id")
);
--> statement-breakpoint
CREATE TABLE "review_marks" (
	"section_id" uuid NOT NULL,
	"member_id" uuid NOT NULL,
	"bid_id" uuid NOT NULL,
	"item_id" text NOT NULL,
	"passed" boolean NOT NULL,
	"ground" text,
	"reason" text DEFAULT '' NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "review_marks_section_id_member_id_bid_id_item_id_pk" PRIMARY KEY("section_id","member_id","bid_id","item_id"),
	CONSTRAINT "review_marks_fail_reason_ck" CHECK ("review_marks"."passed" or length("review_marks"."reason") > 0)
);
--> statement-breakpoint
CREATE TABLE "evaluation_rollbacks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"to_stage" "evaluation_stage" NOT NULL,
	"reason" text NOT NULL,
	"requested_by" uuid NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"decision" text,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"decision_note" text
);
--> statement-breakpoint
CREATE TABLE "room_presence" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"member_id" uuid NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	"left_at" timestamp with time zone,
	"ip" "inet",
	"certificate_id" uuid
);
--> statement-breakpoint
CREATE TABLE "score_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"member_id" uuid NOT NULL,
	"bid_id" uuid NOT NULL,
	"item_id" text NOT NULL,
	"from_score" text NOT NULL,
	"to_score" text NOT NULL,
	"reason" text NOT NULL,
	"note" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scores" (
	"section_id" uuid NOT NULL,
	"member_id" uuid NOT NULL,
	"bid_id" uuid NOT NULL,
	"item_id" text NOT NULL,
	"score" text NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"rev" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "scores_section_id_member_id_bid_id_item_id_pk" PRIMARY KEY("section_id","member_id","bid_id","item_id")
);
--> statement-breakpoint
ALTER TABLE "room_bookings" ADD CONSTRAINT "room_bookings_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "room_bookings" ADD CONSTRAINT "room_bookings_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "room_bookings" ADD CONSTRAINT "room_bookings_booked_by_users_id_fk" FOREIGN KEY ("booked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "room_bookings" ADD CONSTRAINT "room_bookings_cancelled_by_users_id_fk" FOREIGN KEY ("cancelled_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clarifications" ADD CONSTRAINT "clarifications_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clarifications" ADD CONSTRAINT "clarifications_bid_id_bids_id_fk" FOREIGN KEY ("bid_id") REFERENCES "public"."bids"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clarifications" ADD CONSTRAINT "clarifications_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clarifications" ADD CONSTRAINT "clarifications_requested_by_committee_members_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."committee_members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clarifications" ADD CONSTRAINT "clarifications_answered_by_users_id_fk" FOREIGN KEY ("answered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clarifications" ADD CONSTRAINT "clarifications_answer_certificate_id_certificates_id_fk" FOREIGN KEY ("answer_certificate_id") REFERENCES "public"."certificates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "committee_members" ADD CONSTRAINT "committee_members_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "committee_members" ADD CONSTRAINT "committee_members_expert_id_experts_id_fk" FOREIGN KEY ("expert_id") REFERENCES "public"."experts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "committee_members" ADD CONSTRAINT "committee_members_draw_pick_id_draw_picks_id_fk" FOREIGN KEY ("draw_pick_id") REFERENCES "public"."draw_picks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "committee_members" ADD CONSTRAINT "committee_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "committee_members" ADD CONSTRAINT "committee_members_declaration_certificate_id_certificates_id_fk" FOREIGN KEY ("declaration_certificate_id") REFERENCES "public"."certificates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_reports" ADD CONSTRAINT "evaluation_reports_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_booking_id_room_bookings_id_fk" FOREIGN KEY ("booking_id") REFERENCES "public"."room_bookings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_justifications" ADD CONSTRAINT "flag_justifications_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_justifications" ADD CONSTRAINT "flag_justifications_member_id_committee_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."committee_members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_justifications" ADD CONSTRAINT "flag_justifications_bid_id_bids_id_fk" FOREIGN KEY ("bid_id") REFERENCES "public"."bids"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leader_ballots" ADD CONSTRAINT "leader_ballots_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leader_ballots" ADD CONSTRAINT "leader_ballots_voter_id_committee_members_id_fk" FOREIGN KEY ("voter_id") REFERENCES "public"."committee_members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leader_ballots" ADD CONSTRAINT "leader_ballots_candidate_id_committee_members_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."committee_members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_stage_done" ADD CONSTRAINT "member_stage_done_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_stage_done" ADD CONSTRAINT "member_stage_done_member_id_committee_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."committee_members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_signatures" ADD CONSTRAINT "report_signatures_report_id_evaluation_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."evaluation_reports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_signatures" ADD CONSTRAINT "report_signatures_member_id_committee_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."committee_members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_signatures" ADD CONSTRAINT "report_signatures_certificate_id_certificates_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_conclusions" ADD CONSTRAINT "review_conclusions_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_conclusions" ADD CONSTRAINT "review_conclusions_bid_id_bids_id_fk" FOREIGN KEY ("bid_id") REFERENCES "public"."bids"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_marks" ADD CONSTRAINT "review_marks_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_marks" ADD CONSTRAINT "review_marks_member_id_committee_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."committee_members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_marks" ADD CONSTRAINT "review_marks_bid_id_bids_id_fk" FOREIGN KEY ("bid_id") REFERENCES "public"."bids"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_rollbacks" ADD CONSTRAINT "evaluation_rollbacks_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_rollbacks" ADD CONSTRAINT "evaluation_rollbacks_requested_by_committee_members_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."committee_members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_rollbacks" ADD CONSTRAINT "evaluation_rollbacks_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "room_presence" ADD CONSTRAINT "room_presence_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "room_presence" ADD CONSTRAINT "room_presence_member_id_committee_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."committee_members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "room_presence" ADD CONSTRAINT "room_presence_certificate_id_certificates_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "score_changes" ADD CONSTRAINT "score_changes_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "score_changes" ADD CONSTRAINT "score_changes_member_id_committee_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."committee_members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "score_changes" ADD CONSTRAINT "score_changes_bid_id_bids_id_fk" FOREIGN KEY ("bid_id") REFERENCES "public"."bids"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scores" ADD CONSTRAINT "scores_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scores" ADD CONSTRAINT "scores_member_id_committee_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."committee_members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scores" ADD CONSTRAINT "scores_bid_id_bids_id_fk" FOREIGN KEY ("bid_id") REFERENCES "public"."bids"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "room_bookings_room_idx" ON "room_bookings" USING btree ("room_id","starts_at");--> statement-breakpoint
CREATE INDEX "room_bookings_section_idx" ON "room_bookings" USING btree ("section_id");--> statement-breakpoint
CREATE UNIQUE INDEX "rooms_code_uq" ON "rooms" USING btree ("code");--> statement-breakpoint
CREATE INDEX "clarifications_section_idx" ON "clarifications" USING btree ("section_id");--> statement-breakpoint
CREATE INDEX "clarifications_org_idx" ON "clarifications" USING btree ("org_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "committee_members_section_seat_uq" ON "committee_members" USING btree ("section_id","seat");--> statement-breakpoint
CREATE UNIQUE INDEX "committee_members_section_user_live_uq" ON "committee_members" USING btree ("section_id","user_id") WHERE voided_at is null;--> statement-breakpoint
CREATE INDEX "committee_members_user_idx" ON "committee_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "evaluation_reports_section_version_uq" ON "evaluation_reports" USING btree ("section_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "evaluation_reports_one_live_uq" ON "evaluation_reports" USING btree ("section_id") WHERE status <> 'voided';--> statement-breakpoint
CREATE INDEX "evaluation_rollbacks_section_idx" ON "evaluation_rollbacks" USING btree ("section_id");--> statement-breakpoint
CREATE INDEX "room_presence_section_idx" ON "room_presence" USING btree ("section_id","member_id");--> statement-breakpoint
CREATE INDEX "score_changes_section_idx" ON "score_changes" USING btree ("section_id");--> statement-breakpoint
-- A room cannot be booked twice for overlapping slots (docs/decisions/015-evaluation.md): an exclusion
-- constraint over the slot, for live bookings only. btree_gist supplies uuid equality in a GiST index
-- (a trusted extension in PostgreSQL 13+, so the database owner may create it; PGlite loads it at open).
CREATE EXTENSION IF NOT EXISTS btree_gist;--> statement-breakpoint
ALTER TABLE "room_bookings" ADD CONSTRAINT "room_bookings_no_overlap" EXCLUDE USING gist ("room_id" WITH =, tstzrange("starts_at", "ends_at", '[)') WITH &&) WHERE ("cancelled_at" IS NULL);
