ALTER TABLE `connections` ADD `pacing_min_interval_ms` integer DEFAULT 4000 NOT NULL;--> statement-breakpoint
ALTER TABLE `connections` ADD `pacing_jitter_ms` integer DEFAULT 3000 NOT NULL;--> statement-breakpoint
ALTER TABLE `connections` ADD `pacing_typing` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `connections` ADD `pacing_daily_cap` integer DEFAULT 1000 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `status` text DEFAULT 'sent' NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `error` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `send_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `expires_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `sent_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `outbound` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_queue_idx` ON `messages` (`connection_id`,`send_at`,`pk`) WHERE status in ('queued', 'sending');--> statement-breakpoint
CREATE INDEX `messages_queue_due_idx` ON `messages` (`send_at`,`pk`) WHERE status in ('queued', 'sending');--> statement-breakpoint
CREATE INDEX `messages_sent_at_idx` ON `messages` (`connection_id`,`sent_at`) WHERE sent_at is not null;