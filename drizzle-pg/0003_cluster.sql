CREATE TABLE "connection_leases" (
	"connection_id" bigint PRIMARY KEY NOT NULL,
	"node_id" text,
	"token" bigint DEFAULT 0 NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"wanted_node" text
);
--> statement-breakpoint
CREATE TABLE "nodes" (
	"id" text PRIMARY KEY NOT NULL,
	"address" text,
	"started_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_lanes" (
	"webhook_id" bigint PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"locked_until" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "tx_id" "xid8" DEFAULT pg_current_xact_id() NOT NULL;--> statement-breakpoint
ALTER TABLE "connection_leases" ADD CONSTRAINT "connection_leases_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_lanes" ADD CONSTRAINT "webhook_lanes_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connection_leases_node_idx" ON "connection_leases" USING btree ("node_id");--> statement-breakpoint
CREATE INDEX "events_feed_idx" ON "events" USING btree ("tx_id","seq");--> statement-breakpoint
-- Hand-written from here (docs/CLUSTER.md §4): every connection has its lease row from the start, unowned, so
-- acquiring is always a conditional UPDATE (never an insert race between nodes). Existing connections get one
-- now; new ones through the trigger, whatever inserts them.
INSERT INTO "connection_leases" ("connection_id") SELECT "id" FROM "connections" ON CONFLICT DO NOTHING;--> statement-breakpoint
CREATE FUNCTION connection_lease_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO connection_leases (connection_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "connections_lease_row" AFTER INSERT ON "connections" FOR EACH ROW
  EXECUTE FUNCTION connection_lease_row();
