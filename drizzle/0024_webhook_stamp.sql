-- Hand-written, SQLite only (the store's own bookkeeping, like messages_fts_pending: not in the schema, so PostgreSQL
-- has no twin). The event sink read its connection's webhooks again for every event (18 µs a read under the mixed
-- load, 2 % of the main thread). It now keeps them while this one row's stamp holds: any change that decides which
-- webhooks get an event's delivery gives the stamp a new random value, from any connection (the webhook thread
-- disabling a webhook, a CLI command); a change rolled back takes its stamp with it, and no later change can take a
-- random stamp again. A cascade from a deleted connection fires the delete trigger too.
CREATE TABLE `webhook_stamp` (
	`id` integer PRIMARY KEY NOT NULL,
	`stamp` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `webhook_stamp` (`id`, `stamp`) VALUES (1, random());
--> statement-breakpoint
CREATE TRIGGER `webhooks_stamp_insert` AFTER INSERT ON `webhooks` BEGIN
  UPDATE `webhook_stamp` SET `stamp` = random() WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `webhooks_stamp_update` AFTER UPDATE OF `connection_id`, `enabled`, `events` ON `webhooks` BEGIN
  UPDATE `webhook_stamp` SET `stamp` = random() WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `webhooks_stamp_delete` AFTER DELETE ON `webhooks` BEGIN
  UPDATE `webhook_stamp` SET `stamp` = random() WHERE `id` = 1;
END;
