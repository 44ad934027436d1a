import type { SQL } from "bun";
import type { Db } from "../db/client";

export type OutboxStats = {
  /** Deliveries waiting for their first or next attempt. */
  pending: number;
  /** Deliveries with a request in flight (leased by a dispatcher). */
  delivering: number;
  /** Age of the oldest undelivered delivery (pending or delivering) of an enabled webhook, s; 0 when none. */
  oldestPendingAgeSeconds: number;
};

/**
 * The outbox figures /metrics and /health/ready report. Both statements read indexes only: the counts
 * walk the `(status, next_attempt_at)` index over the open rows alone, and the oldest row is the first
 * open row of each enabled webhook in the partial `deliveries_open_idx`, so a scrape costs the backlog's
 * size at most, never the table's. Rows of disabled webhooks wait for the operator and are left out of the
 * age, or one disabled receiver would keep the outbox "stuck" for ever.
 */
export function createOutboxStats(db: Db, clock: () => number = Date.now) {
  const sqlite = db.$client;
  const counts = sqlite.query<{ status: string; n: number }, []>(
    "SELECT status, count(*) AS n FROM webhook_deliveries WHERE status IN ('pending', 'delivering') GROUP BY status",
  );
  const oldest = sqlite.query<{ createdAt: number | null }, []>(
    `SELECT min((SELECT d.created_at FROM webhook_deliveries d INDEXED BY deliveries_open_idx
                 WHERE d.webhook_id = w.id AND d.status IN ('pending', 'delivering') ORDER BY d.id LIMIT 1))
       AS createdAt
     FROM webhooks w WHERE w.enabled = 1`,
  );
  return (): OutboxStats => {
    const by = new Map(counts.all().map((r) => [r.status, r.n]));
    const createdAt = oldest.get()?.createdAt ?? null;
    return {
      pending: by.get("pending") ?? 0,
      delivering: by.get("delivering") ?? 0,
      oldestPendingAgeSeconds: createdAt === null ? 0 : Math.max(0, (clock() - createdAt) / 1000),
    };
  };
}

/**
 * The same figures from PostgreSQL (DATABASE_URL), where the outbox is the cluster's: the counts walk
 * `deliveries_due_idx` over the open rows, the oldest row per enabled webhook is the first of the partial
 * `deliveries_open_idx`, as on SQLite.
 */
export function createPgOutboxStats(sql: SQL, clock: () => number = Date.now) {
  return async (): Promise<OutboxStats> => {
    const [row] = (await sql`
      select
        (select count(*) from webhook_deliveries where status = 'pending') as pending,
        (select count(*) from webhook_deliveries where status = 'delivering') as delivering,
        (select min((select (extract(epoch from d.created_at) * 1000)::bigint from webhook_deliveries d
                     where d.webhook_id = w.id and d.status in ('pending', 'delivering') order by d.id limit 1))
         from webhooks w where w.enabled) as oldest`) as {
      pending: unknown;
      delivering: unknown;
      oldest: unknown;
    }[];
    const createdAt = row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest);
    return {
      pending: Number(row?.pending ?? 0),
      delivering: Number(row?.delivering ?? 0),
      oldestPendingAgeSeconds: createdAt === null ? 0 : Math.max(0, (clock() - createdAt) / 1000),
    };
  };
}

/** Where /metrics and /health/ready read the outbox figures: SQLite's (synchronous) or PostgreSQL's. */
export type OutboxStatsSource = () => OutboxStats | Promise<OutboxStats>;
