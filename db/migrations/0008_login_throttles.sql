CREATE TYPE "public"."login_throttle_scope" AS ENUM('account_client', 'account', 'client');--> statement-breakpoint
CREATE TABLE "login_throttles" (
	"scope" "login_throttle_scope" NOT NULL,
	"username" text NOT NULL,
	"client" text NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"window_started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"blocked_until" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "login_throttles_scope_username_client_pk" PRIMARY KEY("scope","username","client")
);
--> statement-breakpoint
CREATE INDEX "login_throttles_updated_at_idx" ON "login_throttles" USING btree ("updated_at");