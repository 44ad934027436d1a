CREATE TABLE `row_counts` (
	`name` text PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `contacts_name_idx` ON `contacts` (`name`,`id`);--> statement-breakpoint
CREATE INDEX `messages_media_retry_idx` ON `messages` (`pk`) WHERE media_ref is not null and media_file is null;--> statement-breakpoint
CREATE INDEX `deliveries_lease_idx` ON `webhook_deliveries` (`locked_until`) WHERE status = 'delivering';--> statement-breakpoint
INSERT INTO `row_counts` (`name`, `n`) SELECT 'contacts', count(*) FROM `contacts`;
--> statement-breakpoint
CREATE TRIGGER `contacts_count_insert` AFTER INSERT ON `contacts` BEGIN
  UPDATE `row_counts` SET `n` = `n` + 1 WHERE `name` = 'contacts';
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_count_delete` AFTER DELETE ON `contacts` BEGIN
  UPDATE `row_counts` SET `n` = `n` - 1 WHERE `name` = 'contacts';
END;
