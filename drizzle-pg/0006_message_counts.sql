-- Hand-written from the generated table: the twin of SQLite's migration 0017 (drizzle/0017_message_counts.sql). How
-- many messages each ticket holds, kept by row triggers, so a ticket's message list answers `count` with one lookup.
-- The backfill runs under a SHARE lock on messages, so no message write comes in between.
CREATE TABLE "message_counts" (
	"ticket_id" bigint PRIMARY KEY NOT NULL,
	"n" bigint NOT NULL
);
--> statement-breakpoint
LOCK TABLE "messages" IN SHARE MODE;
--> statement-breakpoint
INSERT INTO "message_counts" ("ticket_id", "n") SELECT "ticket_id", count(*) FROM "messages" GROUP BY "ticket_id";
--> statement-breakpoint
CREATE FUNCTION message_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE message_counts SET n = n - 1 WHERE ticket_id = OLD.ticket_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO message_counts (ticket_id, n) VALUES (NEW.ticket_id, 1)
      ON CONFLICT (ticket_id) DO UPDATE SET n = message_counts.n + 1;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "messages_count_insert" AFTER INSERT ON "messages" FOR EACH ROW EXECUTE FUNCTION message_counts_apply();
--> statement-breakpoint
CREATE TRIGGER "messages_count_delete" AFTER DELETE ON "messages" FOR EACH ROW EXECUTE FUNCTION message_counts_apply();
--> statement-breakpoint
CREATE TRIGGER "messages_count_update" AFTER UPDATE OF "ticket_id" ON "messages" FOR EACH ROW
  WHEN (OLD.ticket_id IS DISTINCT FROM NEW.ticket_id) EXECUTE FUNCTION message_counts_apply();
--> statement-breakpoint
-- A deleted ticket's messages go with it (ON DELETE CASCADE); its counter row goes too.
CREATE FUNCTION tickets_message_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM message_counts WHERE ticket_id = OLD.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "tickets_message_count_delete" AFTER DELETE ON "tickets" FOR EACH ROW
  EXECUTE FUNCTION tickets_message_count_delete();
