CREATE TABLE `ticket_counts` (
	`status` text NOT NULL,
	`connection_id` integer NOT NULL,
	`queue_id` integer NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`status`, `connection_id`, `queue_id`)
);
--> statement-breakpoint
INSERT INTO `ticket_counts` (`status`, `connection_id`, `queue_id`, `n`)
  SELECT `status`, `connection_id`, coalesce(`queue_id`, 0), count(*) FROM `tickets`
  GROUP BY `status`, `connection_id`, coalesce(`queue_id`, 0);
--> statement-breakpoint
CREATE TRIGGER `tickets_count_insert` AFTER INSERT ON `tickets` BEGIN
  INSERT INTO `ticket_counts` (`status`, `connection_id`, `queue_id`, `n`)
    VALUES (NEW.`status`, NEW.`connection_id`, coalesce(NEW.`queue_id`, 0), 1)
    ON CONFLICT (`status`, `connection_id`, `queue_id`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_count_delete` AFTER DELETE ON `tickets` BEGIN
  UPDATE `ticket_counts` SET `n` = `n` - 1
    WHERE `status` = OLD.`status` AND `connection_id` = OLD.`connection_id` AND `queue_id` = coalesce(OLD.`queue_id`, 0);
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_count_update` AFTER UPDATE OF `status`, `connection_id`, `queue_id` ON `tickets`
  WHEN OLD.`status` IS NOT NEW.`status` OR OLD.`connection_id` IS NOT NEW.`connection_id` OR OLD.`queue_id` IS NOT NEW.`queue_id`
BEGIN
  UPDATE `ticket_counts` SET `n` = `n` - 1
    WHERE `status` = OLD.`status` AND `connection_id` = OLD.`connection_id` AND `queue_id` = coalesce(OLD.`queue_id`, 0);
  INSERT INTO `ticket_counts` (`status`, `connection_id`, `queue_id`, `n`)
    VALUES (NEW.`status`, NEW.`connection_id`, coalesce(NEW.`queue_id`, 0), 1)
    ON CONFLICT (`status`, `connection_id`, `queue_id`) DO UPDATE SET `n` = `n` + 1;
END;
