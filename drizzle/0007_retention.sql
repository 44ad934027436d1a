ALTER TABLE `messages` ADD `media_expired` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_media_created_idx` ON `messages` (`created_at`) WHERE media_file is not null;--> statement-breakpoint
CREATE INDEX `messages_created_idx` ON `messages` (`created_at`);--> statement-breakpoint
CREATE INDEX `messages_contact_idx` ON `messages` (`contact_id`) WHERE contact_id is not null;--> statement-breakpoint
CREATE INDEX `deliveries_delivered_idx` ON `webhook_deliveries` (`delivered_at`) WHERE status = 'delivered';