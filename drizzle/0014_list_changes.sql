CREATE TABLE `list_changes` (
	`seq` integer PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`ref` integer NOT NULL
);
--> statement-breakpoint
CREATE TRIGGER `list_changes_prune` AFTER INSERT ON `list_changes` WHEN NEW.`seq` % 1000 = 0 BEGIN
  DELETE FROM `list_changes` WHERE `seq` <= NEW.`seq` - 10000;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_list_insert` AFTER INSERT ON `tickets` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('t', NEW.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_list_update` AFTER UPDATE ON `tickets` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('t', OLD.`id`);
  INSERT INTO `list_changes` (`kind`, `ref`) SELECT 't', NEW.`id` WHERE NEW.`id` <> OLD.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_list_delete` AFTER DELETE ON `tickets` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('t', OLD.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `ticket_tags_list_insert` AFTER INSERT ON `ticket_tags` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('t', NEW.`ticket_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `ticket_tags_list_update` AFTER UPDATE ON `ticket_tags` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('t', OLD.`ticket_id`), ('t', NEW.`ticket_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `ticket_tags_list_delete` AFTER DELETE ON `ticket_tags` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('t', OLD.`ticket_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_list_insert` AFTER INSERT ON `contacts` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('c', NEW.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_list_update` AFTER UPDATE ON `contacts` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('c', OLD.`id`);
  INSERT INTO `list_changes` (`kind`, `ref`) SELECT 'c', NEW.`id` WHERE NEW.`id` <> OLD.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_list_delete` AFTER DELETE ON `contacts` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('c', OLD.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `connections_list_update` AFTER UPDATE OF `id`, `name`, `number` ON `connections`
  WHEN OLD.`id` IS NOT NEW.`id` OR OLD.`name` IS NOT NEW.`name` OR OLD.`number` IS NOT NEW.`number`
BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('a', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `connections_list_delete` AFTER DELETE ON `connections` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('a', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `queues_list_update` AFTER UPDATE OF `id`, `name`, `color` ON `queues`
  WHEN OLD.`id` IS NOT NEW.`id` OR OLD.`name` IS NOT NEW.`name` OR OLD.`color` IS NOT NEW.`color`
BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('a', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `queues_list_delete` AFTER DELETE ON `queues` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('a', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `users_list_update` AFTER UPDATE OF `id`, `name`, `email` ON `users`
  WHEN OLD.`id` IS NOT NEW.`id` OR OLD.`name` IS NOT NEW.`name` OR OLD.`email` IS NOT NEW.`email`
BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('a', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `users_list_delete` AFTER DELETE ON `users` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('a', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `tags_list_update` AFTER UPDATE OF `id`, `name`, `color` ON `tags`
  WHEN OLD.`id` IS NOT NEW.`id` OR OLD.`name` IS NOT NEW.`name` OR OLD.`color` IS NOT NEW.`color`
BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('a', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `tags_list_delete` AFTER DELETE ON `tags` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('a', 0);
END;
