PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_messages` (
	`pk` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`connection_id` integer NOT NULL,
	`ticket_id` integer NOT NULL,
	`contact_id` integer,
	`body` text DEFAULT '' NOT NULL,
	`from_me` integer NOT NULL,
	`ack` integer DEFAULT 0 NOT NULL,
	`media_type` text DEFAULT 'chat' NOT NULL,
	`media_file` text,
	`mime_type` text,
	`filename` text,
	`has_media` integer DEFAULT false NOT NULL,
	`quoted_msg_id` text,
	`remote_key` text,
	`media_ref` text,
	`timestamp` integer NOT NULL,
	`is_edited` integer DEFAULT false NOT NULL,
	`previous_body` text,
	`edited_at` integer,
	`is_deleted` integer DEFAULT false NOT NULL,
	`deleted_at` integer,
	`participant` text,
	`participant_name` text,
	`is_imported` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
INSERT INTO `__new_messages`("pk", "id", "connection_id", "ticket_id", "contact_id", "body", "from_me", "ack", "media_type", "media_file", "mime_type", "filename", "has_media", "quoted_msg_id", "remote_key", "media_ref", "timestamp", "created_at", "updated_at") SELECT m.rowid, m."id", t."connection_id", m."ticket_id", m."contact_id", m."body", m."from_me", m."ack", m."media_type", m."media_file", m."mime_type", m."filename", m."has_media", m."quoted_msg_id", m."remote_key", m."media_ref", m."timestamp", m."created_at", m."updated_at" FROM `messages` m JOIN `tickets` t ON t.`id` = m.`ticket_id` ORDER BY m.rowid;--> statement-breakpoint
DROP TABLE `messages`;--> statement-breakpoint
ALTER TABLE `__new_messages` RENAME TO `messages`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_connection_wa_id` ON `messages` (`connection_id`,`id`);--> statement-breakpoint
CREATE INDEX `messages_wa_id_idx` ON `messages` (`id`);--> statement-breakpoint
CREATE INDEX `messages_ticket_idx` ON `messages` (`ticket_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `connections` ADD `groups` text DEFAULT 'ignore' NOT NULL;--> statement-breakpoint
ALTER TABLE `connections` ADD `send_read_receipts` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `connections` ADD `history_import_days` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE TABLE `message_reactions` (
	`message_pk` integer NOT NULL,
	`reactor` text NOT NULL,
	`from_me` integer NOT NULL,
	`name` text,
	`emoji` text NOT NULL,
	`timestamp` integer NOT NULL,
	PRIMARY KEY(`message_pk`, `reactor`),
	FOREIGN KEY (`message_pk`) REFERENCES `messages`(`pk`) ON UPDATE no action ON DELETE cascade
);
