-- Hand-written. What a connection is configured to do changes in list_changes too (kind 'k', ref 0): its row (any
-- column), the queues it offers and their settings. A server can then keep a connection and its queues between the
-- messages it stores and still see a change made by any connection (a CLI command, another thread) at its next look.
-- Rare by nature: an operator's edit, a status change, a "last seen" stamp at most once a minute per connection.
CREATE TRIGGER `connections_config_insert` AFTER INSERT ON `connections` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('k', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `connections_config_update` AFTER UPDATE ON `connections` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('k', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `connections_config_delete` AFTER DELETE ON `connections` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('k', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `queues_config_insert` AFTER INSERT ON `queues` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('k', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `queues_config_update` AFTER UPDATE ON `queues` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('k', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `queues_config_delete` AFTER DELETE ON `queues` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('k', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `connection_queues_config_insert` AFTER INSERT ON `connection_queues` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('k', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `connection_queues_config_update` AFTER UPDATE ON `connection_queues` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('k', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `connection_queues_config_delete` AFTER DELETE ON `connection_queues` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('k', 0);
END;
