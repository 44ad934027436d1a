-- Hand-written (the table as drizzle-kit generated it, then the backfill and the triggers). How many messages each
-- ticket holds, so a ticket's message list answers `count` with one lookup: counting them walked the ticket's
-- messages on every page, 6–7 ms at 200,000 (a long-lived group chat), on the server's one thread. A message
-- insert adds one upsert here (the ticket row it touches anyway is left alone, so no list change is recorded).
CREATE TABLE `message_counts` (
	`ticket_id` integer PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `message_counts` (`ticket_id`, `n`) SELECT `ticket_id`, count(*) FROM `messages` GROUP BY `ticket_id`;
--> statement-breakpoint
CREATE TRIGGER `messages_count_insert` AFTER INSERT ON `messages` BEGIN
  INSERT INTO `message_counts` (`ticket_id`, `n`) VALUES (NEW.`ticket_id`, 1)
    ON CONFLICT (`ticket_id`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `messages_count_delete` AFTER DELETE ON `messages` BEGIN
  UPDATE `message_counts` SET `n` = `n` - 1 WHERE `ticket_id` = OLD.`ticket_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `messages_count_update` AFTER UPDATE OF `ticket_id` ON `messages`
  WHEN OLD.`ticket_id` IS NOT NEW.`ticket_id`
BEGIN
  UPDATE `message_counts` SET `n` = `n` - 1 WHERE `ticket_id` = OLD.`ticket_id`;
  INSERT INTO `message_counts` (`ticket_id`, `n`) VALUES (NEW.`ticket_id`, 1)
    ON CONFLICT (`ticket_id`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
-- A deleted ticket's messages go with it (ON DELETE CASCADE); its counter row goes too.
CREATE TRIGGER `tickets_message_count_delete` AFTER DELETE ON `tickets` BEGIN
  DELETE FROM `message_counts` WHERE `ticket_id` = OLD.`id`;
END;
