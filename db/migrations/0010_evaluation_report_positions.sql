CREATE TABLE "evaluation_report_positions" (
	"report_id" uuid NOT NULL,
	"member_id" uuid NOT NULL,
	"position" text NOT NULL,
	"dissent" text,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "evaluation_report_positions_report_id_member_id_pk" PRIMARY KEY("report_id","member_id"),
	CONSTRAINT "evaluation_report_positions_position_ck" CHECK ("evaluation_report_positions"."position" in ('agree', 'dissent', 'deemed')),
	CONSTRAINT "evaluation_report_positions_dissent_ck" CHECK (("evaluation_report_positions"."position" = 'dissent') = ("evaluation_report_positions"."dissent" is not null and length("evaluation_report_positions"."dissent") > 0))
);
--> statement-breakpoint
ALTER TABLE "evaluation_reports" ADD COLUMN "draft_pdf_sha256" text;--> statement-breakpoint
ALTER TABLE "evaluation_reports" ADD COLUMN "finalized_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "evaluation_report_positions" ADD CONSTRAINT "evaluation_report_positions_report_id_evaluation_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."evaluation_reports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_report_positions" ADD CONSTRAINT "evaluation_report_positions_member_id_committee_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."committee_members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- EV21: signing locks the scores. Once an evaluation is at `signing` (the report exists) or `signed`, the database
-- itself refuses any change to the members' marks, scores, flag justifications and R48 changes of that section; only
-- a rollback (EV20), which moves the stage back first, reopens them. The services refuse earlier (requireStage).
CREATE OR REPLACE FUNCTION evaluation_scores_locked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  sid uuid;
  st text;
BEGIN
  IF TG_OP = 'DELETE' THEN sid := OLD.section_id; ELSE sid := NEW.section_id; END IF;
  SELECT stage::text INTO st FROM evaluations WHERE section_id = sid;
  IF st IN ('signing', 'signed') THEN
    RAISE EXCEPTION 'EV21: the evaluation of section % is at %, its % are locked', sid, st, TG_TABLE_NAME
      USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER scores_locked_when_signing BEFORE INSERT OR UPDATE OR DELETE ON scores
  FOR EACH ROW EXECUTE FUNCTION evaluation_scores_locked();
--> statement-breakpoint
CREATE TRIGGER review_marks_locked_when_signing BEFORE INSERT OR UPDATE OR DELETE ON review_marks
  FOR EACH ROW EXECUTE FUNCTION evaluation_scores_locked();
--> statement-breakpoint
CREATE TRIGGER flag_justifications_locked_when_signing BEFORE INSERT OR UPDATE OR DELETE ON flag_justifications
  FOR EACH ROW EXECUTE FUNCTION evaluation_scores_locked();
--> statement-breakpoint
CREATE TRIGGER score_changes_locked_when_signing BEFORE INSERT OR UPDATE OR DELETE ON score_changes
  FOR EACH ROW EXECUTE FUNCTION evaluation_scores_locked();
