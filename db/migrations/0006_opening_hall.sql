CREATE TYPE "public"."bid_opening_state" AS ENUM('pending', 'decrypted', 'revoked', 'withdrawn');--> statement-breakpoint
CREATE TYPE "public"."opening_phase" AS ENUM('decryption', 'fallback', 'resolution', 'reading', 'closed', 'failed');--> statement-breakpoint
CREATE TABLE "bid_openings" (
	"bid_id" uuid PRIMARY KEY NOT NULL,
	"section_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"state" "bid_opening_state" DEFAULT 'pending' NOT NULL,
	"opened_by" text,
	"opened_at" timestamp with time zone,
	"files" jsonb,
	"form" jsonb,
	"last_error" text,
	"failure_cause" text,
	"decided_by" uuid,
	"decided_reason" text,
	"decided_at" timestamp with time zone,
	CONSTRAINT "bid_openings_decision_ck" CHECK ((state in ('revoked','withdrawn')) = (decided_by is not null))
);
--> statement-breakpoint
CREATE TABLE "opening_checkins" (
	"section_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"certificate_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"ip" "inet",
	"user_agent" text,
	CONSTRAINT "opening_checkins_section_id_org_id_pk" PRIMARY KEY("section_id","org_id")
);
--> statement-breakpoint
CREATE TABLE "opening_confirmations" (
	"section_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "opening_confirmations_section_id_org_id_pk" PRIMARY KEY("section_id","org_id")
);
--> statement-breakpoint
CREATE TABLE "opening_objections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"text" text NOT NULL,
	"raised_at" timestamp with time zone DEFAULT now() NOT NULL,
	"answer" text,
	"answered_by" uuid,
	"answered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "opening_share_releases" (
	"section_id" uuid NOT NULL,
	"share_index" integer NOT NULL,
	"user_id" uuid NOT NULL,
	"certificate_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "opening_share_releases_section_id_share_index_pk" PRIMARY KEY("section_id","share_index")
);
--> statement-breakpoint
CREATE TABLE "openings" (
	"section_id" uuid PRIMARY KEY NOT NULL,
	"phase" "opening_phase" NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"decryption_ends_at" timestamp with time zone NOT NULL,
	"phase_changed_at" timestamp with time zone NOT NULL,
	"bid_count" integer NOT NULL,
	"failure" jsonb,
	"reading" jsonb,
	"read_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"record_sha256" text
);
--> statement-breakpoint
ALTER TABLE "bid_openings" ADD CONSTRAINT "bid_openings_bid_id_bids_id_fk" FOREIGN KEY ("bid_id") REFERENCES "public"."bids"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_openings" ADD CONSTRAINT "bid_openings_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_openings" ADD CONSTRAINT "bid_openings_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_openings" ADD CONSTRAINT "bid_openings_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_checkins" ADD CONSTRAINT "opening_checkins_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_checkins" ADD CONSTRAINT "opening_checkins_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_checkins" ADD CONSTRAINT "opening_checkins_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_checkins" ADD CONSTRAINT "opening_checkins_certificate_id_certificates_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_confirmations" ADD CONSTRAINT "opening_confirmations_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_confirmations" ADD CONSTRAINT "opening_confirmations_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_confirmations" ADD CONSTRAINT "opening_confirmations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_objections" ADD CONSTRAINT "opening_objections_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_objections" ADD CONSTRAINT "opening_objections_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_objections" ADD CONSTRAINT "opening_objections_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_objections" ADD CONSTRAINT "opening_objections_answered_by_users_id_fk" FOREIGN KEY ("answered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_share_releases" ADD CONSTRAINT "opening_share_releases_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_share_releases" ADD CONSTRAINT "opening_share_releases_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_share_releases" ADD CONSTRAINT "opening_share_releases_certificate_id_certificates_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "openings" ADD CONSTRAINT "openings_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bid_openings_section_idx" ON "bid_openings" USING btree ("section_id");--> statement-breakpoint
CREATE INDEX "opening_objections_section_idx" ON "opening_objections" USING btree ("section_id");