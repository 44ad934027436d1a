CREATE TABLE `event_origins` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection_id` integer NOT NULL,
	`name` text NOT NULL,
	`number` text
);
--> statement-breakpoint
CREATE INDEX `event_origins_connection_idx` ON `event_origins` (`connection_id`,`name`,`number`);--> statement-breakpoint
DROP INDEX `events_created_idx`;--> statement-breakpoint
ALTER TABLE `events` ADD `data` blob;--> statement-breakpoint
ALTER TABLE `events` ADD `origin_id` integer;