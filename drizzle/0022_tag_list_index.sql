ALTER TABLE `ticket_tags` ADD `updated_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `ticket_tags` ADD `status` text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE `ticket_tags` ADD `connection_id` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `ticket_tags` ADD `queue_id` integer;--> statement-breakpoint
ALTER TABLE `ticket_tags` ADD `user_id` integer;--> statement-breakpoint
-- Hand-written from here. Each tagging holds a copy of its ticket's list columns, so a list filtered by tag walks
-- ticket_tags_tag_updated_idx in the list's order (updated_at desc, ticket_id desc) and filters inside it: a page
-- costs the tag's index entries, not a ticket row and a ticket_tags probe for every ticket of the order skipped.
-- The application never writes the copies: a tagging takes them from its ticket when it is made, and a ticket's
-- change of any of them is copied to its taggings (an untagged ticket's change costs one probe of the key).
UPDATE `ticket_tags` SET (`updated_at`, `status`, `connection_id`, `queue_id`, `user_id`) =
  (SELECT t.`updated_at`, t.`status`, t.`connection_id`, t.`queue_id`, t.`user_id` FROM `tickets` t
    WHERE t.`id` = `ticket_tags`.`ticket_id`);
--> statement-breakpoint
DROP INDEX `ticket_tags_tag_idx`;--> statement-breakpoint
CREATE INDEX `ticket_tags_tag_updated_idx` ON `ticket_tags` (`tag_id`,`updated_at`,`ticket_id`,`status`,`queue_id`,`user_id`,`connection_id`);
--> statement-breakpoint
CREATE TRIGGER `ticket_tags_copy_insert` AFTER INSERT ON `ticket_tags` BEGIN
  UPDATE `ticket_tags` SET (`updated_at`, `status`, `connection_id`, `queue_id`, `user_id`) =
    (SELECT t.`updated_at`, t.`status`, t.`connection_id`, t.`queue_id`, t.`user_id` FROM `tickets` t
      WHERE t.`id` = NEW.`ticket_id`)
    WHERE `ticket_id` = NEW.`ticket_id` AND `tag_id` = NEW.`tag_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `ticket_tags_copy_move` AFTER UPDATE OF `ticket_id` ON `ticket_tags`
  WHEN OLD.`ticket_id` IS NOT NEW.`ticket_id`
BEGIN
  UPDATE `ticket_tags` SET (`updated_at`, `status`, `connection_id`, `queue_id`, `user_id`) =
    (SELECT t.`updated_at`, t.`status`, t.`connection_id`, t.`queue_id`, t.`user_id` FROM `tickets` t
      WHERE t.`id` = NEW.`ticket_id`)
    WHERE `ticket_id` = NEW.`ticket_id` AND `tag_id` = NEW.`tag_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_tags_copy` AFTER UPDATE OF `updated_at`, `status`, `connection_id`, `queue_id`, `user_id` ON `tickets`
  WHEN OLD.`updated_at` IS NOT NEW.`updated_at` OR OLD.`status` IS NOT NEW.`status`
    OR OLD.`connection_id` IS NOT NEW.`connection_id` OR OLD.`queue_id` IS NOT NEW.`queue_id`
    OR OLD.`user_id` IS NOT NEW.`user_id`
BEGIN
  UPDATE `ticket_tags` SET `updated_at` = NEW.`updated_at`, `status` = NEW.`status`,
      `connection_id` = NEW.`connection_id`, `queue_id` = NEW.`queue_id`, `user_id` = NEW.`user_id`
    WHERE `ticket_id` = NEW.`id`;
END;
--> statement-breakpoint
-- The copies are not a change of the tagging: the read cache hears of the ticket's own change (tickets_list_update);
-- a tagging made, moved or removed still appends its ticket.
DROP TRIGGER `ticket_tags_list_update`;--> statement-breakpoint
CREATE TRIGGER `ticket_tags_list_update` AFTER UPDATE OF `ticket_id`, `tag_id` ON `ticket_tags` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('t', OLD.`ticket_id`), ('t', NEW.`ticket_id`);
END;
