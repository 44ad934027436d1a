-- Hand-written: the twin of SQLite's migration 0016 (drizzle/0016_tab_counts.sql). ticket_counts gains the agent
-- (user_id, 0 = none), so the `queue` and `mine` tabs count from it too; the table is rebuilt from the tickets under
-- a SHARE lock on tickets: a ticket write in flight (another node's, on the old trigger) finishes first, and none
-- starts before this commits, so no old trigger runs against the new table.
LOCK TABLE "tickets" IN SHARE MODE;
--> statement-breakpoint
TRUNCATE "ticket_counts";
--> statement-breakpoint
ALTER TABLE "ticket_counts" DROP CONSTRAINT "ticket_counts_status_connection_id_queue_id_pk";
--> statement-breakpoint
ALTER TABLE "ticket_counts" ADD COLUMN "user_id" bigint NOT NULL;
--> statement-breakpoint
ALTER TABLE "ticket_counts" ADD CONSTRAINT "ticket_counts_status_connection_id_queue_id_user_id_pk" PRIMARY KEY("status","connection_id","queue_id","user_id");
--> statement-breakpoint
INSERT INTO "ticket_counts" ("status", "connection_id", "queue_id", "user_id", "n")
  SELECT "status", "connection_id", coalesce("queue_id", 0), coalesce("user_id", 0), count(*) FROM "tickets"
  GROUP BY "status", "connection_id", coalesce("queue_id", 0), coalesce("user_id", 0);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ticket_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE ticket_counts SET n = n - 1
      WHERE status = OLD.status AND connection_id = OLD.connection_id AND queue_id = coalesce(OLD.queue_id, 0)
        AND user_id = coalesce(OLD.user_id, 0);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO ticket_counts (status, connection_id, queue_id, user_id, n)
      VALUES (NEW.status, NEW.connection_id, coalesce(NEW.queue_id, 0), coalesce(NEW.user_id, 0), 1)
      ON CONFLICT (status, connection_id, queue_id, user_id) DO UPDATE SET n = ticket_counts.n + 1;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
DROP TRIGGER "tickets_count_update" ON "tickets";
--> statement-breakpoint
CREATE TRIGGER "tickets_count_update" AFTER UPDATE OF "status", "connection_id", "queue_id", "user_id" ON "tickets" FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.connection_id IS DISTINCT FROM NEW.connection_id
    OR OLD.queue_id IS DISTINCT FROM NEW.queue_id OR OLD.user_id IS DISTINCT FROM NEW.user_id)
  EXECUTE FUNCTION ticket_counts_apply();
