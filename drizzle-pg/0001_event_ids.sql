-- Hand-written counterpart of the SQLite migration 0013_event_ids (drizzle-kit's ALTERs would fail on stored
-- rows: a text event id does not cast to bigint, a NOT NULL column cannot be added to a filled table): every
-- event and delivery is kept. The old random id moves to legacy_id (partial unique index), the type becomes
-- its fixed code (EVENT_TYPE_CODES; an unknown name fails the migration), a body stored before compact events
-- moves into data behind codec tag 2, and deliveries reference the event's seq.
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_event_id_events_id_fk";--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "type_code" integer;--> statement-breakpoint
UPDATE "events" SET "type_code" = CASE "type"
	WHEN 'message_ack' THEN 0
	WHEN 'message_received' THEN 1
	WHEN 'message_sent' THEN 2
	WHEN 'connection_update' THEN 3
	WHEN 'ticket_created' THEN 4
	WHEN 'ticket_updated' THEN 5
	WHEN 'ticket_closed' THEN 6
	WHEN 'contact_created' THEN 7
	WHEN 'contact_updated' THEN 8
	WHEN 'message_updated' THEN 9
	WHEN 'message_deleted' THEN 10
	WHEN 'message_reaction' THEN 11
	WHEN 'message_failed' THEN 12
END;--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "type_code" SET NOT NULL;--> statement-breakpoint
UPDATE "events" SET "data" = '\x02'::bytea || convert_to("payload", 'UTF8') WHERE "data" IS NULL;--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "data" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "events" DROP CONSTRAINT "events_id_unique";--> statement-breakpoint
ALTER TABLE "events" RENAME COLUMN "id" TO "legacy_id";--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "legacy_id" DROP NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "events_legacy_id_unique" ON "events" USING btree ("legacy_id") WHERE legacy_id IS NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "event_seq" bigint;--> statement-breakpoint
UPDATE "webhook_deliveries" d SET "event_seq" = e."seq" FROM "events" e WHERE e."legacy_id" = d."event_id";--> statement-breakpoint
DROP INDEX "deliveries_event_idx";--> statement-breakpoint
ALTER TABLE "webhook_deliveries" DROP COLUMN "event_id";--> statement-breakpoint
ALTER TABLE "webhook_deliveries" RENAME COLUMN "event_seq" TO "event_id";--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ALTER COLUMN "event_id" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "deliveries_event_idx" ON "webhook_deliveries" USING btree ("event_id");--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_id_events_seq_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("seq") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" DROP COLUMN "type";--> statement-breakpoint
ALTER TABLE "events" DROP COLUMN "payload";
