-- The ticket list's indexes hold the columns the list filters on (queue, agent, status), and the tabs' partial indexes
-- the columns their WHERE tests: a filtered page (an agent's queues, a tab within a connection or a queue) is read
-- from the index alone instead of a ticket row for every ticket skipped; the queue tab seeks its own small index.
DROP INDEX "tickets_status_updated_idx";--> statement-breakpoint
DROP INDEX "tickets_updated_idx";--> statement-breakpoint
DROP INDEX "tickets_connection_idx";--> statement-breakpoint
DROP INDEX "tickets_queue_idx";--> statement-breakpoint
DROP INDEX "tickets_mine_idx";--> statement-breakpoint
DROP INDEX "tickets_unassigned_idx";--> statement-breakpoint
CREATE INDEX "tickets_status_updated_idx" ON "tickets" USING btree ("status","updated_at","id","queue_id","user_id");--> statement-breakpoint
CREATE INDEX "tickets_updated_idx" ON "tickets" USING btree ("updated_at","id","queue_id");--> statement-breakpoint
CREATE INDEX "tickets_connection_idx" ON "tickets" USING btree ("connection_id","updated_at","id","queue_id","user_id","status");--> statement-breakpoint
CREATE INDEX "tickets_queue_idx" ON "tickets" USING btree ("queue_id","updated_at","id","user_id","status");--> statement-breakpoint
CREATE INDEX "tickets_mine_idx" ON "tickets" USING btree ("user_id","updated_at","id","queue_id","status") WHERE status <> 'closed';--> statement-breakpoint
CREATE INDEX "tickets_unassigned_idx" ON "tickets" USING btree ("status","updated_at","id","queue_id","user_id") WHERE status = 'pending' and user_id is null;