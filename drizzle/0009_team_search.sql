CREATE TABLE `contact_notes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contact_id` integer NOT NULL,
	`user_id` integer,
	`body` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `contact_notes_contact_idx` ON `contact_notes` (`contact_id`,`id`);--> statement-breakpoint
CREATE INDEX `contact_notes_user_idx` ON `contact_notes` (`user_id`) WHERE user_id is not null;--> statement-breakpoint
CREATE TABLE `quick_answers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`shortcut` text NOT NULL,
	`message` text NOT NULL,
	`media_url` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `quick_answers_shortcut_unique` ON `quick_answers` (`shortcut`);--> statement-breakpoint
ALTER TABLE `tickets` ADD `closed_at` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `first_inbound_at` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `first_response_at` integer;--> statement-breakpoint
CREATE INDEX `tickets_active_idx` ON `tickets` (`status`,`user_id`,`queue_id`) WHERE status <> 'closed';--> statement-breakpoint
CREATE INDEX `tickets_closed_at_idx` ON `tickets` (`closed_at`,`queue_id`,`user_id`,`created_at`) WHERE closed_at is not null;--> statement-breakpoint
CREATE INDEX `tickets_first_response_idx` ON `tickets` (`first_response_at`,`queue_id`,`user_id`,`first_inbound_at`) WHERE first_response_at is not null;--> statement-breakpoint
-- Hand-written from here on: full-text search, dashboard timestamps and their backfill.
-- Message bodies, words without diacritics or case ("maria" finds "María"). External content: the text
-- stays only in `messages`; the index holds tokens. Every row is indexed (an empty body has no tokens), so the
-- index and its content table agree row for row and FTS5's integrity-check holds.
CREATE VIRTUAL TABLE `messages_fts` USING fts5(
  `body`, content='messages', content_rowid='pk', tokenize='unicode61 remove_diacritics 2'
);
--> statement-breakpoint
INSERT INTO `messages_fts` (`rowid`, `body`) SELECT `pk`, `body` FROM `messages`;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_insert` AFTER INSERT ON `messages` BEGIN
  INSERT INTO `messages_fts` (`rowid`, `body`) VALUES (NEW.`pk`, NEW.`body`);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages` BEGIN
  INSERT INTO `messages_fts` (`messages_fts`, `rowid`, `body`) VALUES ('delete', OLD.`pk`, OLD.`body`);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_update` AFTER UPDATE OF `body` ON `messages` WHEN OLD.`body` IS NOT NEW.`body` BEGIN
  INSERT INTO `messages_fts` (`messages_fts`, `rowid`, `body`) VALUES ('delete', OLD.`pk`, OLD.`body`);
  INSERT INTO `messages_fts` (`rowid`, `body`) VALUES (NEW.`pk`, NEW.`body`);
END;
--> statement-breakpoint
-- Contact name and number as substrings (trigrams), without diacritics or case, like the LIKE search it
-- replaces: "maria" finds "María José", "1234" finds 595991234567.
CREATE VIRTUAL TABLE `contacts_fts` USING fts5(
  `name`, `number`, content='contacts', content_rowid='id', tokenize='trigram remove_diacritics 1'
);
--> statement-breakpoint
INSERT INTO `contacts_fts` (`contacts_fts`) VALUES ('rebuild');
--> statement-breakpoint
CREATE TRIGGER `contacts_fts_insert` AFTER INSERT ON `contacts` BEGIN
  INSERT INTO `contacts_fts` (`rowid`, `name`, `number`) VALUES (NEW.`id`, NEW.`name`, NEW.`number`);
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_fts_delete` AFTER DELETE ON `contacts` BEGIN
  INSERT INTO `contacts_fts` (`contacts_fts`, `rowid`, `name`, `number`) VALUES ('delete', OLD.`id`, OLD.`name`, OLD.`number`);
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_fts_update` AFTER UPDATE OF `name`, `number` ON `contacts`
  WHEN OLD.`name` IS NOT NEW.`name` OR OLD.`number` IS NOT NEW.`number`
BEGIN
  INSERT INTO `contacts_fts` (`contacts_fts`, `rowid`, `name`, `number`) VALUES ('delete', OLD.`id`, OLD.`name`, OLD.`number`);
  INSERT INTO `contacts_fts` (`rowid`, `name`, `number`) VALUES (NEW.`id`, NEW.`name`, NEW.`number`);
END;
--> statement-breakpoint
-- closed_at follows every status change, whoever writes it; the close time is the row's updated_at.
-- The nested UPDATE sets only closed_at, so it fires neither this trigger nor the ticket_counts ones.
CREATE TRIGGER `tickets_closed_at_update` AFTER UPDATE OF `status` ON `tickets` WHEN OLD.`status` IS NOT NEW.`status` BEGIN
  UPDATE `tickets` SET `closed_at` = CASE WHEN NEW.`status` = 'closed' THEN NEW.`updated_at` END WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_closed_at_insert` AFTER INSERT ON `tickets` WHEN NEW.`status` = 'closed' BEGIN
  UPDATE `tickets` SET `closed_at` = NEW.`updated_at` WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
-- Backfill: a closed ticket's last change is its best known close time; first messages come from the
-- (ticket_id, created_at) index, one short range per ticket.
UPDATE `tickets` SET `closed_at` = `updated_at` WHERE `status` = 'closed';
--> statement-breakpoint
UPDATE `tickets` SET `first_inbound_at` = (
  SELECT min(`created_at`) FROM `messages` m WHERE m.`ticket_id` = `tickets`.`id` AND m.`from_me` = 0 AND m.`is_imported` = 0
);
--> statement-breakpoint
UPDATE `tickets` SET `first_response_at` = (
  SELECT min(`created_at`) FROM `messages` m
  WHERE m.`ticket_id` = `tickets`.`id` AND m.`from_me` = 1 AND m.`is_imported` = 0 AND m.`is_automated` = 0 AND m.`created_at` >= `tickets`.`first_inbound_at`
) WHERE `first_inbound_at` IS NOT NULL;
