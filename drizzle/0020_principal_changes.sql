-- Hand-written. Who a token or a panel session stands for changes in list_changes too (kind 'p', ref 0), so a server
-- can keep the principals it authenticated and still see a revoked token, a signed-out or expired session, a user
-- disabled, deleted, renamed, given another role or other queues — from any connection (a CLI command, another
-- thread) — on the next request. Any change counts, the "last used" and "last seen" stamps too (each written at most
-- once a minute per token or session): a session's idle expiry is read from its row.
CREATE TRIGGER `api_tokens_principal_update` AFTER UPDATE ON `api_tokens` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('p', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `api_tokens_principal_delete` AFTER DELETE ON `api_tokens` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('p', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `user_sessions_principal_update` AFTER UPDATE ON `user_sessions` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('p', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `user_sessions_principal_delete` AFTER DELETE ON `user_sessions` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('p', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `users_principal_update` AFTER UPDATE ON `users` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('p', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `users_principal_delete` AFTER DELETE ON `users` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('p', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `user_queues_principal_insert` AFTER INSERT ON `user_queues` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('p', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `user_queues_principal_update` AFTER UPDATE ON `user_queues` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('p', 0);
END;
--> statement-breakpoint
CREATE TRIGGER `user_queues_principal_delete` AFTER DELETE ON `user_queues` BEGIN
  INSERT INTO `list_changes` (`kind`, `ref`) VALUES ('p', 0);
END;
