// The webhook operations' raw SQL, one named implementation per dialect (docs/CLUSTER.md §3(c)). SQLite: the
// statement text the synchronous service ran, on the connection the store handed the body. PostgreSQL: the same row
// through the pool (`$client` of the read body's drizzle database: Bun.SQL).
import type { SQL as BunSQL } from "bun";
import { readPgEventBody } from "../../webhooks/dispatch-store";
import { EVENT_BODY_COLUMNS, EVENT_BODY_JOIN, type StoredEventRow } from "../../webhooks/event-codec";
import type { Db } from "../client";
import type { Dialect, Query } from "../store";

export type WebhooksSql = {
  /** The stored row of one event, to rebuild its exact body (src/webhooks/event-codec.ts), in a read body. */
  eventBody(q: Query, seq: number): Promise<StoredEventRow | undefined>;
};

/** The Bun.SQL pool behind a PostgreSQL read body (drizzle's bun-sql database keeps it as `$client`). */
export const pgClientOf = (q: Query) => (q as unknown as { $client: BunSQL }).$client;

const sqlite: WebhooksSql = {
  async eventBody(q, seq) {
    return (
      (q as unknown as Db).$client
        .query<StoredEventRow, [number]>(
          `SELECT ${EVENT_BODY_COLUMNS} FROM ${EVENT_BODY_JOIN} WHERE e.seq = ?`,
        )
        .get(seq) ?? undefined
    );
  },
};

const postgres: WebhooksSql = {
  eventBody: (q, seq) => readPgEventBody(pgClientOf(q), seq),
};

export const webhooksSql: Record<Dialect, WebhooksSql> = { sqlite, postgres };
