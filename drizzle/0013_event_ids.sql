-- Hand-written (drizzle-kit's rebuild would copy the text event ids into the integer column and drop the
-- deliveries with the old events table). Events get their `seq` as identity: the wire id becomes
-- `evt_<created_at 12 hex><seq 10 hex>` (src/webhooks/event-codec.ts); the random ids of the rows already
-- stored move to `legacy_id` (partial unique index) and keep working. The type becomes a fixed small code
-- (EVENT_TYPE_CODES; an unknown name fails the NOT NULL and rolls the whole migration back instead of losing
-- the row); a body stored before compact events moves into `data` behind codec tag 2 ("whole body, as
-- stored"). Deliveries reference the event's seq. The AUTOINCREMENT high-water marks are carried over so no
-- seq and no delivery id is ever given twice. Drizzle runs migrations inside one transaction, where
-- PRAGMA foreign_keys cannot be switched off: the new deliveries reference `__new_events`, and the rename
-- of `__new_events` to `events` rewrites that reference, so dropping the old tables cascades to nothing.
CREATE TABLE `__new_events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection_id` integer,
	`type_code` integer NOT NULL,
	`data` blob NOT NULL,
	`origin_id` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`legacy_id` text
);
--> statement-breakpoint
INSERT INTO `__new_events` (`seq`, `connection_id`, `type_code`, `data`, `origin_id`, `created_at`, `legacy_id`)
SELECT `seq`, `connection_id`,
	CASE `type`
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
	END,
	CASE WHEN `data` IS NULL THEN CAST(char(2) || `payload` AS BLOB) ELSE `data` END,
	`origin_id`, `created_at`, `id`
FROM `events` ORDER BY `seq`;
--> statement-breakpoint
DELETE FROM `sqlite_sequence` WHERE `name` = '__new_events';
--> statement-breakpoint
INSERT INTO `sqlite_sequence` (`name`, `seq`)
SELECT '__new_events', max(coalesce((SELECT max(`seq`) FROM `sqlite_sequence` WHERE `name` = 'events'), 0),
	coalesce((SELECT max(`seq`) FROM `events`), 0));
--> statement-breakpoint
CREATE TABLE `__new_webhook_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` integer NOT NULL,
	`webhook_id` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`lease_token` text,
	`locked_until` integer,
	`last_status_code` integer,
	`last_error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`event_id`) REFERENCES `__new_events`(`seq`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`webhook_id`) REFERENCES `webhooks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_webhook_deliveries` (`id`, `event_id`, `webhook_id`, `status`, `attempts`, `next_attempt_at`, `lease_token`, `locked_until`, `last_status_code`, `last_error`, `created_at`, `delivered_at`)
SELECT d.`id`, e.`seq`, d.`webhook_id`, d.`status`, d.`attempts`, d.`next_attempt_at`, d.`lease_token`, d.`locked_until`, d.`last_status_code`, d.`last_error`, d.`created_at`, d.`delivered_at`
FROM `webhook_deliveries` d JOIN `events` e ON e.`id` = d.`event_id` ORDER BY d.`id`;
--> statement-breakpoint
DELETE FROM `sqlite_sequence` WHERE `name` = '__new_webhook_deliveries';
--> statement-breakpoint
INSERT INTO `sqlite_sequence` (`name`, `seq`)
SELECT '__new_webhook_deliveries', max(coalesce((SELECT max(`seq`) FROM `sqlite_sequence` WHERE `name` = 'webhook_deliveries'), 0),
	coalesce((SELECT max(`id`) FROM `webhook_deliveries`), 0));
--> statement-breakpoint
DROP TABLE `webhook_deliveries`;--> statement-breakpoint
DROP TABLE `events`;--> statement-breakpoint
ALTER TABLE `__new_events` RENAME TO `events`;--> statement-breakpoint
ALTER TABLE `__new_webhook_deliveries` RENAME TO `webhook_deliveries`;--> statement-breakpoint
CREATE INDEX `events_connection_idx` ON `events` (`connection_id`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `events_legacy_id_unique` ON `events` (`legacy_id`) WHERE legacy_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `deliveries_due_idx` ON `webhook_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `deliveries_webhook_idx` ON `webhook_deliveries` (`webhook_id`,`id`);--> statement-breakpoint
CREATE INDEX `deliveries_event_idx` ON `webhook_deliveries` (`event_id`);--> statement-breakpoint
CREATE INDEX `deliveries_open_idx` ON `webhook_deliveries` (`webhook_id`,`id`) WHERE status in ('pending', 'delivering');--> statement-breakpoint
CREATE INDEX `deliveries_lease_idx` ON `webhook_deliveries` (`locked_until`) WHERE status = 'delivering';--> statement-breakpoint
CREATE INDEX `deliveries_delivered_idx` ON `webhook_deliveries` (`delivered_at`) WHERE status = 'delivered';
