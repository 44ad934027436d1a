ALTER TABLE "ticket_tags" ADD COLUMN "updated_at" timestamp (3) with time zone DEFAULT 'epoch' NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_tags" ADD COLUMN "status" text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_tags" ADD COLUMN "connection_id" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_tags" ADD COLUMN "queue_id" bigint;--> statement-breakpoint
ALTER TABLE "ticket_tags" ADD COLUMN "user_id" bigint;--> statement-breakpoint
-- Hand-written from here: the twin of SQLite's migration 0022 (drizzle/0022_tag_list_index.sql). Each tagging holds a
-- copy of its ticket's list columns, kept by triggers; the backfill runs under SHARE locks on tickets and ticket_tags,
-- so no write to them comes in between.
LOCK TABLE "tickets", "ticket_tags" IN SHARE MODE;
--> statement-breakpoint
UPDATE "ticket_tags" tt SET "updated_at" = t."updated_at", "status" = t."status", "connection_id" = t."connection_id",
    "queue_id" = t."queue_id", "user_id" = t."user_id"
  FROM "tickets" t WHERE t."id" = tt."ticket_id";
--> statement-breakpoint
DROP INDEX "ticket_tags_tag_idx";--> statement-breakpoint
CREATE INDEX "ticket_tags_tag_updated_idx" ON "ticket_tags" USING btree ("tag_id","updated_at","ticket_id","status","queue_id","user_id","connection_id");
--> statement-breakpoint
-- A tagging made (or moved to another ticket) takes its ticket's columns before it is stored.
-- No such ticket: the row is left as it is, for the foreign key to refuse.
CREATE FUNCTION ticket_tags_copy_take() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t record;
BEGIN
  SELECT updated_at, status, connection_id, queue_id, user_id INTO t FROM tickets WHERE id = NEW.ticket_id;
  IF FOUND THEN
    NEW.updated_at := t.updated_at;
    NEW.status := t.status;
    NEW.connection_id := t.connection_id;
    NEW.queue_id := t.queue_id;
    NEW.user_id := t.user_id;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER "ticket_tags_copy_take" BEFORE INSERT OR UPDATE OF "ticket_id" ON "ticket_tags" FOR EACH ROW
  EXECUTE FUNCTION ticket_tags_copy_take();
--> statement-breakpoint
-- A ticket's change of any of them is copied to its taggings.
CREATE FUNCTION tickets_tags_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE ticket_tags SET updated_at = NEW.updated_at, status = NEW.status, connection_id = NEW.connection_id,
      queue_id = NEW.queue_id, user_id = NEW.user_id
    WHERE ticket_id = NEW.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "tickets_tags_copy" AFTER UPDATE OF "updated_at", "status", "connection_id", "queue_id", "user_id" ON "tickets"
  FOR EACH ROW
  WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.connection_id IS DISTINCT FROM NEW.connection_id OR OLD.queue_id IS DISTINCT FROM NEW.queue_id
    OR OLD.user_id IS DISTINCT FROM NEW.user_id)
  EXECUTE FUNCTION tickets_tags_copy();
--> statement-breakpoint
-- The copies are not a change of the tagging: the read cache hears of the ticket's own change; a tagging made, moved
-- or removed still appends its ticket.
DROP TRIGGER "ticket_tags_list_change" ON "ticket_tags";--> statement-breakpoint
CREATE TRIGGER "ticket_tags_list_change" AFTER INSERT OR UPDATE OF "ticket_id", "tag_id" OR DELETE ON "ticket_tags" FOR EACH ROW
  EXECUTE FUNCTION list_changes_row('t', 'ticket_id');
