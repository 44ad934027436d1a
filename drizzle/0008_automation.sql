CREATE TABLE `connection_queues` (
	`connection_id` integer NOT NULL,
	`queue_id` integer NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`connection_id`, `queue_id`),
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`queue_id`) REFERENCES `queues`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `connection_queues_queue_idx` ON `connection_queues` (`queue_id`);--> statement-breakpoint
CREATE TABLE `ticket_automation` (
	`ticket_id` integer PRIMARY KEY NOT NULL,
	`menu_attempts` integer DEFAULT 0 NOT NULL,
	`menu_open` integer DEFAULT false NOT NULL,
	`out_of_hours_window` text,
	`rating_requested_at` integer,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `connections` ADD `rating_message` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `is_automated` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `queues` ADD `schedule` text;--> statement-breakpoint
ALTER TABLE `queues` ADD `time_zone` text;--> statement-breakpoint
ALTER TABLE `queues` ADD `out_of_hours_message` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `rating` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `rated_at` integer;