CREATE TABLE "ticket_tag_counts" (
	"tag_id" bigint NOT NULL,
	"status" text NOT NULL,
	"connection_id" bigint NOT NULL,
	"queue_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "ticket_tag_counts_tag_id_status_connection_id_queue_id_user_id_pk" PRIMARY KEY("tag_id","status","connection_id","queue_id","user_id")
);

--> statement-breakpoint
-- Hand-written from here: the twin of SQLite's migration 0018 (drizzle/0018_tag_counts.sql). The backfill runs under
-- SHARE locks on tickets and ticket_tags, so no write to them comes in between.
LOCK TABLE "tickets", "ticket_tags" IN SHARE MODE;
--> statement-breakpoint
INSERT INTO "ticket_tag_counts" ("tag_id", "status", "connection_id", "queue_id", "user_id", "n")
  SELECT tt."tag_id", t."status", t."connection_id", coalesce(t."queue_id", 0), coalesce(t."user_id", 0), count(*)
  FROM "ticket_tags" tt JOIN "tickets" t ON t."id" = tt."ticket_id"
  GROUP BY tt."tag_id", t."status", t."connection_id", coalesce(t."queue_id", 0), coalesce(t."user_id", 0);
--> statement-breakpoint
-- A tagging counts in its ticket's current group. The ticket's group is read by the ticket's id: during a ticket's
-- cascaded delete the ticket is gone, so the tag rows going with it change nothing (the BEFORE DELETE trigger on
-- tickets below took them off already).
CREATE FUNCTION ticket_tag_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE ticket_tag_counts c SET n = c.n - 1 FROM tickets t
      WHERE t.id = OLD.ticket_id AND c.tag_id = OLD.tag_id AND c.status = t.status AND c.connection_id = t.connection_id
        AND c.queue_id = coalesce(t.queue_id, 0) AND c.user_id = coalesce(t.user_id, 0);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO ticket_tag_counts (tag_id, status, connection_id, queue_id, user_id, n)
      SELECT NEW.tag_id, t.status, t.connection_id, coalesce(t.queue_id, 0), coalesce(t.user_id, 0), 1
      FROM tickets t WHERE t.id = NEW.ticket_id
      ON CONFLICT (tag_id, status, connection_id, queue_id, user_id) DO UPDATE SET n = ticket_tag_counts.n + 1;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "ticket_tags_count_insert" AFTER INSERT ON "ticket_tags" FOR EACH ROW EXECUTE FUNCTION ticket_tag_counts_apply();
--> statement-breakpoint
CREATE TRIGGER "ticket_tags_count_delete" AFTER DELETE ON "ticket_tags" FOR EACH ROW EXECUTE FUNCTION ticket_tag_counts_apply();
--> statement-breakpoint
CREATE TRIGGER "ticket_tags_count_update" AFTER UPDATE ON "ticket_tags" FOR EACH ROW
  WHEN (OLD.tag_id IS DISTINCT FROM NEW.tag_id OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id)
  EXECUTE FUNCTION ticket_tag_counts_apply();
--> statement-breakpoint
-- A ticket's group changes (status, connection, queue, agent): each of its tags' counts moves; a ticket deleted: taken
-- off while its tags are still there.
CREATE FUNCTION tickets_tag_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE ticket_tag_counts SET n = n - 1
    WHERE status = OLD.status AND connection_id = OLD.connection_id AND queue_id = coalesce(OLD.queue_id, 0)
      AND user_id = coalesce(OLD.user_id, 0)
      AND tag_id IN (SELECT tag_id FROM ticket_tags WHERE ticket_id = OLD.id);
  IF TG_OP = 'UPDATE' THEN
    INSERT INTO ticket_tag_counts (tag_id, status, connection_id, queue_id, user_id, n)
      SELECT tag_id, NEW.status, NEW.connection_id, coalesce(NEW.queue_id, 0), coalesce(NEW.user_id, 0), 1
      FROM ticket_tags WHERE ticket_id = NEW.id
      ON CONFLICT (tag_id, status, connection_id, queue_id, user_id) DO UPDATE SET n = ticket_tag_counts.n + 1;
    RETURN NULL;
  END IF;
  RETURN OLD;
END $$;
--> statement-breakpoint
CREATE TRIGGER "tickets_tag_count_update" AFTER UPDATE OF "status", "connection_id", "queue_id", "user_id" ON "tickets"
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.connection_id IS DISTINCT FROM NEW.connection_id
    OR OLD.queue_id IS DISTINCT FROM NEW.queue_id OR OLD.user_id IS DISTINCT FROM NEW.user_id)
  EXECUTE FUNCTION tickets_tag_counts_apply();
--> statement-breakpoint
CREATE TRIGGER "tickets_tag_count_delete" BEFORE DELETE ON "tickets" FOR EACH ROW EXECUTE FUNCTION tickets_tag_counts_apply();
--> statement-breakpoint
CREATE FUNCTION tags_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM ticket_tag_counts WHERE tag_id = OLD.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "tags_count_delete" AFTER DELETE ON "tags" FOR EACH ROW EXECUTE FUNCTION tags_count_delete();
