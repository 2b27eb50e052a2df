CREATE TYPE "public"."bid_status" AS ENUM('submitted', 'replaced', 'withdrawn');--> statement-breakpoint
CREATE TYPE "public"."certificate_status" AS ENUM('active', 'revoked');--> statement-breakpoint
CREATE TYPE "public"."bid_upload_status" AS ENUM('open', 'completed');--> statement-breakpoint
CREATE TABLE "bid_upload_chunks" (
	"upload_id" uuid NOT NULL,
	"file_index" integer NOT NULL,
	"chunk_index" integer NOT NULL,
	"sha256" text NOT NULL,
	"size" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bid_upload_chunks_upload_id_file_index_chunk_index_pk" PRIMARY KEY("upload_id","file_index","chunk_index")
);
--> statement-breakpoint
CREATE TABLE "bid_uploads" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"certificate_id" uuid NOT NULL,
	"status" "bid_upload_status" DEFAULT 'open' NOT NULL,
	"chunk_size" integer NOT NULL,
	"files" jsonb NOT NULL,
	"recipients" jsonb NOT NULL,
	"total_bytes" bigint NOT NULL,
	"stored_bytes" bigint DEFAULT 0 NOT NULL,
	"ip" "inet",
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_activity_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bids" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"status" "bid_status" DEFAULT 'submitted' NOT NULL,
	"upload_id" uuid NOT NULL,
	"certificate_id" uuid NOT NULL,
	"manifest" jsonb NOT NULL,
	"manifest_sha256" text NOT NULL,
	"signature" text NOT NULL,
	"total_bytes" bigint NOT NULL,
	"receipt" text NOT NULL,
	"submitted_by" uuid NOT NULL,
	"ip" "inet",
	"user_agent" text,
	"received_at" timestamp with time zone NOT NULL,
	"sealed_before_amendment" integer,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "cert_challenges" (
	"nonce" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "certificates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"fingerprint" text NOT NULL,
	"serial_hex" text NOT NULL,
	"issuer_cn" text NOT NULL,
	"subject_cn" text NOT NULL,
	"subject_o" text DEFAULT '' NOT NULL,
	"cert_pem" text NOT NULL,
	"public_key_spki" text NOT NULL,
	"source" text NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"status" "certificate_status" DEFAULT 'active' NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" uuid,
	"revocation_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "opening_key_shares" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"share_index" integer NOT NULL,
	"custodian_role" text NOT NULL,
	"certificate_id" uuid NOT NULL,
	"box" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "opening_keys" (
	"section_id" uuid PRIMARY KEY NOT NULL,
	"kid" text NOT NULL,
	"public_key_spki" text NOT NULL,
	"threshold" integer NOT NULL,
	"custodians" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "bid_upload_chunks" ADD CONSTRAINT "bid_upload_chunks_upload_id_bid_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."bid_uploads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_uploads" ADD CONSTRAINT "bid_uploads_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_uploads" ADD CONSTRAINT "bid_uploads_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_uploads" ADD CONSTRAINT "bid_uploads_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bid_uploads" ADD CONSTRAINT "bid_uploads_certificate_id_certificates_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bids" ADD CONSTRAINT "bids_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bids" ADD CONSTRAINT "bids_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bids" ADD CONSTRAINT "bids_upload_id_bid_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."bid_uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bids" ADD CONSTRAINT "bids_certificate_id_certificates_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bids" ADD CONSTRAINT "bids_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cert_challenges" ADD CONSTRAINT "cert_challenges_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_revoked_by_users_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_key_shares" ADD CONSTRAINT "opening_key_shares_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_key_shares" ADD CONSTRAINT "opening_key_shares_certificate_id_certificates_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opening_keys" ADD CONSTRAINT "opening_keys_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bid_upload_chunks_sha_idx" ON "bid_upload_chunks" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "bid_uploads_section_org_idx" ON "bid_uploads" USING btree ("section_id","org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "bid_uploads_one_open_uq" ON "bid_uploads" USING btree ("section_id","user_id") WHERE status = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "bids_section_org_version_uq" ON "bids" USING btree ("section_id","org_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "bids_one_submitted_uq" ON "bids" USING btree ("section_id","org_id") WHERE status = 'submitted';--> statement-breakpoint
CREATE INDEX "bids_section_status_idx" ON "bids" USING btree ("section_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "certificates_fingerprint_uq" ON "certificates" USING btree ("fingerprint");--> statement-breakpoint
CREATE INDEX "certificates_user_idx" ON "certificates" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "certificates_org_idx" ON "certificates" USING btree ("org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "opening_key_shares_uq" ON "opening_key_shares" USING btree ("section_id","share_index","certificate_id");