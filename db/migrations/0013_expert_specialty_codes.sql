ALTER TABLE "experts" ADD COLUMN "specialties" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
CREATE INDEX "experts_specialties_gin" ON "experts" USING gin ("specialties");--> statement-breakpoint
-- experts.specialties is a sorted copy of the expert's expert_specialties rows, kept by the
-- database whoever writes them (import, profile edit, seed): one UPDATE per statement, over
-- the experts the statement touched (transition tables), not one per row, and only where the
-- copy changes (an importer that already wrote it leaves no dead row versions behind).
CREATE FUNCTION experts_specialties_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE experts e SET specialties = array(SELECT s.code FROM expert_specialties s WHERE s.expert_id = e.id ORDER BY s.code)
      WHERE e.id IN (SELECT expert_id FROM new_rows)
        AND e.specialties IS DISTINCT FROM array(SELECT s.code FROM expert_specialties s WHERE s.expert_id = e.id ORDER BY s.code);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE experts e SET specialties = array(SELECT s.code FROM expert_specialties s WHERE s.expert_id = e.id ORDER BY s.code)
      WHERE e.id IN (SELECT expert_id FROM old_rows)
        AND e.specialties IS DISTINCT FROM array(SELECT s.code FROM expert_specialties s WHERE s.expert_id = e.id ORDER BY s.code);
  ELSE
    UPDATE experts e SET specialties = array(SELECT s.code FROM expert_specialties s WHERE s.expert_id = e.id ORDER BY s.code)
      WHERE e.id IN (SELECT expert_id FROM new_rows UNION SELECT expert_id FROM old_rows)
        AND e.specialties IS DISTINCT FROM array(SELECT s.code FROM expert_specialties s WHERE s.expert_id = e.id ORDER BY s.code);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER expert_specialties_sync_insert AFTER INSERT ON expert_specialties
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION experts_specialties_sync();
--> statement-breakpoint
CREATE TRIGGER expert_specialties_sync_delete AFTER DELETE ON expert_specialties
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION experts_specialties_sync();
--> statement-breakpoint
CREATE TRIGGER expert_specialties_sync_update AFTER UPDATE ON expert_specialties
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION experts_specialties_sync();
--> statement-breakpoint
UPDATE experts e SET specialties = array(SELECT s.code FROM expert_specialties s WHERE s.expert_id = e.id ORDER BY s.code);
