CREATE TABLE `ticket_tag_counts` (
	`tag_id` integer NOT NULL,
	`status` text NOT NULL,
	`connection_id` integer NOT NULL,
	`queue_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`tag_id`, `status`, `connection_id`, `queue_id`, `user_id`)
);

--> statement-breakpoint
-- Hand-written from here. The tickets carrying each tag per (status, connection, queue, agent), so a list filtered by
-- tag counts a few rows instead of every ticket of the tag. A ticket's group lives on the ticket: a tagging counts in
-- the ticket's current group, a change of the ticket's group moves each of its tags' counts. A deleted ticket is
-- taken off in BEFORE DELETE (its tags are still there); the cascaded delete of its ticket_tags rows then finds no
-- ticket and changes nothing.
INSERT INTO `ticket_tag_counts` (`tag_id`, `status`, `connection_id`, `queue_id`, `user_id`, `n`)
  SELECT tt.`tag_id`, t.`status`, t.`connection_id`, coalesce(t.`queue_id`, 0), coalesce(t.`user_id`, 0), count(*)
  FROM `ticket_tags` tt JOIN `tickets` t ON t.`id` = tt.`ticket_id`
  GROUP BY tt.`tag_id`, t.`status`, t.`connection_id`, coalesce(t.`queue_id`, 0), coalesce(t.`user_id`, 0);
--> statement-breakpoint
CREATE TRIGGER `ticket_tags_count_insert` AFTER INSERT ON `ticket_tags` BEGIN
  INSERT INTO `ticket_tag_counts` (`tag_id`, `status`, `connection_id`, `queue_id`, `user_id`, `n`)
    SELECT NEW.`tag_id`, t.`status`, t.`connection_id`, coalesce(t.`queue_id`, 0), coalesce(t.`user_id`, 0), 1
    FROM `tickets` t WHERE t.`id` = NEW.`ticket_id`
    ON CONFLICT (`tag_id`, `status`, `connection_id`, `queue_id`, `user_id`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `ticket_tags_count_delete` AFTER DELETE ON `ticket_tags` BEGIN
  UPDATE `ticket_tag_counts` SET `n` = `n` - 1
    WHERE (`tag_id`, `status`, `connection_id`, `queue_id`, `user_id`) IN (
      SELECT OLD.`tag_id`, t.`status`, t.`connection_id`, coalesce(t.`queue_id`, 0), coalesce(t.`user_id`, 0)
      FROM `tickets` t WHERE t.`id` = OLD.`ticket_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `ticket_tags_count_update` AFTER UPDATE ON `ticket_tags`
  WHEN OLD.`tag_id` IS NOT NEW.`tag_id` OR OLD.`ticket_id` IS NOT NEW.`ticket_id`
BEGIN
  UPDATE `ticket_tag_counts` SET `n` = `n` - 1
    WHERE (`tag_id`, `status`, `connection_id`, `queue_id`, `user_id`) IN (
      SELECT OLD.`tag_id`, t.`status`, t.`connection_id`, coalesce(t.`queue_id`, 0), coalesce(t.`user_id`, 0)
      FROM `tickets` t WHERE t.`id` = OLD.`ticket_id`);
  INSERT INTO `ticket_tag_counts` (`tag_id`, `status`, `connection_id`, `queue_id`, `user_id`, `n`)
    SELECT NEW.`tag_id`, t.`status`, t.`connection_id`, coalesce(t.`queue_id`, 0), coalesce(t.`user_id`, 0), 1
    FROM `tickets` t WHERE t.`id` = NEW.`ticket_id`
    ON CONFLICT (`tag_id`, `status`, `connection_id`, `queue_id`, `user_id`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_tag_count_update` AFTER UPDATE OF `status`, `connection_id`, `queue_id`, `user_id` ON `tickets`
  WHEN OLD.`status` IS NOT NEW.`status` OR OLD.`connection_id` IS NOT NEW.`connection_id` OR OLD.`queue_id` IS NOT NEW.`queue_id`
    OR OLD.`user_id` IS NOT NEW.`user_id`
BEGIN
  UPDATE `ticket_tag_counts` SET `n` = `n` - 1
    WHERE `status` = OLD.`status` AND `connection_id` = OLD.`connection_id` AND `queue_id` = coalesce(OLD.`queue_id`, 0)
      AND `user_id` = coalesce(OLD.`user_id`, 0)
      AND `tag_id` IN (SELECT `tag_id` FROM `ticket_tags` WHERE `ticket_id` = OLD.`id`);
  INSERT INTO `ticket_tag_counts` (`tag_id`, `status`, `connection_id`, `queue_id`, `user_id`, `n`)
    SELECT `tag_id`, NEW.`status`, NEW.`connection_id`, coalesce(NEW.`queue_id`, 0), coalesce(NEW.`user_id`, 0), 1
    FROM `ticket_tags` WHERE `ticket_id` = NEW.`id`
    ON CONFLICT (`tag_id`, `status`, `connection_id`, `queue_id`, `user_id`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_tag_count_delete` BEFORE DELETE ON `tickets` BEGIN
  UPDATE `ticket_tag_counts` SET `n` = `n` - 1
    WHERE `status` = OLD.`status` AND `connection_id` = OLD.`connection_id` AND `queue_id` = coalesce(OLD.`queue_id`, 0)
      AND `user_id` = coalesce(OLD.`user_id`, 0)
      AND `tag_id` IN (SELECT `tag_id` FROM `ticket_tags` WHERE `ticket_id` = OLD.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `tags_count_delete` AFTER DELETE ON `tags` BEGIN
  DELETE FROM `ticket_tag_counts` WHERE `tag_id` = OLD.`id`;
END;
