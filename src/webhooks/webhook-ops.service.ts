import { and, count, desc, eq, inArray, lt, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { webhooksSql } from "../db/sql/webhooks";
import type { Query, Store } from "../db/store";
import { AppError } from "../errors";
import { attemptDelivery, type DeliveryOutcome, isSuccess } from "./delivery";
import { eventIdOf, eventTypeCode, eventTypeName, payloadOf } from "./event-codec";
import {
  createEventFeed,
  createPgEventFeed,
  type EventFeed,
  type FeedRow,
  type PgEventFeed,
} from "./event-feed";
import { type EventEnvelope, type EventSink, newEventId } from "./events";
import type { ReceiverPolicy } from "./receiver-policy";

export const DELIVERY_STATUSES = ["pending", "delivering", "delivered", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export type DeliveryFilter = {
  connectionId?: number;
  webhookId?: number;
  status?: DeliveryStatus;
  event?: string;
  page: number;
  limit: number;
  /** Keyset: the id of the last delivery of the previous page (then `page` is not used). */
  after?: readonly [number];
};

const toIso = (ms: number | Date | null | undefined) =>
  ms === null || ms === undefined
    ? null
    : new Date(ms instanceof Date ? ms.getTime() : Number(ms)).toISOString();

type DeliveryRow = {
  id: number;
  eventSeq: number;
  eventCreatedAt: Date;
  eventLegacyId: string | null;
  eventCode: number;
  connectionId: number;
  webhookId: number;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: number;
  createdAt: Date;
  deliveredAt: Date | null;
};

export const deliveryView = (r: DeliveryRow) => ({
  id: r.id,
  // The event's wire id (eventIdOf in event-codec.ts).
  eventId: eventIdOf(r.eventSeq, r.eventCreatedAt.getTime(), r.eventLegacyId),
  event: eventTypeName(r.eventCode),
  connectionId: r.connectionId,
  webhookId: r.webhookId,
  url: r.url,
  status: r.status,
  attempts: r.attempts,
  lastStatusCode: r.lastStatusCode,
  lastError: r.lastError,
  // Only meaningful while the row waits for its next attempt.
  nextAttemptAt: r.status === "pending" ? toIso(r.nextAttemptAt) : null,
  createdAt: toIso(r.createdAt)!,
  deliveredAt: toIso(r.deliveredAt),
});

export type DeliveryView = ReturnType<typeof deliveryView>;

/**
 * The operations side of the outbox: inspect deliveries, resend one, test a webhook, read the event feed. On the
 * Store (docs/CLUSTER.md §3): reads in `store.read`, the retry's check and update in one `store.write`; the event
 * body and the retry's cross-node wake-up are per dialect (src/db/sql/webhooks.ts); the feed is SQLite's seq order
 * or PostgreSQL's `(tx_id, seq)` order (src/webhooks/event-feed.ts).
 */
export function createWebhookOps(deps: {
  store: Store;
  /** SQLite: the connection the (synchronous) feed reads, when no `feed` is given. */
  db?: Db;
  events: EventSink;
  timeoutMs: number;
  clock?: () => number;
  /** SQLite: the feed (with its durable mark). */
  feed?: EventFeed;
  /** PostgreSQL: the feed in (tx_id, seq) order (default: one over the store). */
  pgFeed?: PgEventFeed;
}) {
  const { store, events } = deps;
  const { connections, events: eventsTable, webhookDeliveries, webhooks } = store.t;
  const clock = deps.clock ?? Date.now;
  const raw = webhooksSql[store.dialect];

  /** A page of the feed after an event id (undefined: from the start); "unknown" when that id is not stored. */
  const feedPage: (
    after: string | undefined,
    f: { connectionId?: number; limit: number },
  ) => Promise<FeedRow[] | "unknown"> =
    store.dialect === "postgres"
      ? (() => {
          const pgFeed = deps.pgFeed ?? createPgEventFeed(store);
          return async (after, f) => {
            let cursor = { txId: "0", seq: 0 };
            if (after !== undefined) {
              const seq = await pgFeed.seqOf(after);
              const found = seq === undefined ? undefined : await pgFeed.cursorAfter(seq);
              if (!found) return "unknown";
              cursor = found;
            }
            return (await pgFeed.after(cursor, f)).rows;
          };
        })()
      : (() => {
          const feed =
            deps.feed ??
            (() => {
              if (!deps.db) throw new Error("createWebhookOps on SQLite needs a feed or a db");
              return createEventFeed(deps.db);
            })();
          return async (after, f) => {
            let afterSeq = 0;
            if (after !== undefined) {
              const seq = feed.seqOf(after);
              if (seq === undefined) return "unknown";
              afterSeq = seq;
            }
            return feed.after(afterSeq, f);
          };
        })();

  const columns = {
    id: webhookDeliveries.id,
    eventSeq: webhookDeliveries.eventId,
    eventCreatedAt: eventsTable.createdAt,
    eventLegacyId: eventsTable.legacyId,
    eventCode: eventsTable.typeCode,
    connectionId: webhooks.connectionId,
    webhookId: webhookDeliveries.webhookId,
    url: webhooks.url,
    status: webhookDeliveries.status,
    attempts: webhookDeliveries.attempts,
    lastStatusCode: webhookDeliveries.lastStatusCode,
    lastError: webhookDeliveries.lastError,
    nextAttemptAt: webhookDeliveries.nextAttemptAt,
    createdAt: webhookDeliveries.createdAt,
    deliveredAt: webhookDeliveries.deliveredAt,
  };

  const base = (q: Query) =>
    q
      .select(columns)
      .from(webhookDeliveries)
      .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
      .innerJoin(eventsTable, eq(eventsTable.seq, webhookDeliveries.eventId));

  const getRow = async (q: Query, id: number): Promise<DeliveryRow> => {
    const [row] = (await base(q).where(eq(webhookDeliveries.id, id))) as DeliveryRow[];
    if (!row) throw new AppError("ERR_DELIVERY_NOT_FOUND", "Delivery not found");
    return row;
  };

  return {
    listDeliveries(f: DeliveryFilter) {
      const where: SQL[] = [];
      if (f.connectionId !== undefined) where.push(eq(webhooks.connectionId, f.connectionId));
      if (f.webhookId !== undefined) where.push(eq(webhookDeliveries.webhookId, f.webhookId));
      if (f.status !== undefined) where.push(eq(webhookDeliveries.status, f.status));
      if (f.event !== undefined) where.push(eq(eventsTable.typeCode, eventTypeCode(f.event) ?? -1));
      const cond = where.length > 0 ? and(...where) : undefined;
      return store.read(async (q) => {
        const rows = (await base(q)
          .where(and(cond, f.after ? lt(webhookDeliveries.id, f.after[0]) : undefined))
          .orderBy(desc(webhookDeliveries.id))
          .limit(f.limit + 1)
          .offset(f.after ? 0 : (f.page - 1) * f.limit)) as DeliveryRow[];
        const hasMore = rows.length > f.limit;
        if (hasMore) rows.pop();
        const [counted] = await q
          .select({ n: count() })
          .from(webhookDeliveries)
          .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
          .innerJoin(eventsTable, eq(eventsTable.seq, webhookDeliveries.eventId))
          .where(cond);
        return { deliveries: rows.map(deliveryView), count: Number(counted?.n ?? 0), hasMore };
      });
    },

    getDelivery(id: number) {
      return store.read(async (q) => {
        const row = await getRow(q, id);
        const ev = await raw.eventBody(q, row.eventSeq);
        return { ...deliveryView(row), payload: JSON.parse(ev ? payloadOf(ev) : "null") as EventEnvelope };
      });
    },

    /**
     * Puts a delivery back in the queue for a fresh series of attempts. It keeps its event, so the
     * receiver sees the same `webhook-id` and body and can dedupe. A row being sent right now is refused.
     * The sink's `wake()` after the commit tells this node's dispatcher and, on PostgreSQL, every node's
     * (`chasqui_wake`).
     */
    async retry(id: number) {
      const row = await store.write(async (q) => {
        const current = await getRow(q, id);
        if (current.status === "delivering") {
          throw new AppError("ERR_CONFLICT", "This delivery is being sent right now; retry once it settles");
        }
        await q
          .update(webhookDeliveries)
          .set({
            status: "pending",
            attempts: 0,
            nextAttemptAt: clock(),
            leaseToken: null,
            lockedUntil: null,
            deliveredAt: null,
          })
          .where(
            and(
              eq(webhookDeliveries.id, id),
              inArray(webhookDeliveries.status, ["pending", "delivered", "failed"]),
            ),
          );
        return getRow(q, id);
      });
      events.wake();
      return deliveryView(row);
    },

    /**
     * Sends a `ping` to one webhook now, outside the outbox, and reports what the receiver answered. An
     * address the policy refuses is 400 ERR_INVALID_WEBHOOK_URL before any connection, so this cannot be
     * used to tell open internal ports from closed ones.
     */
    async ping(
      webhook: { id: number; connectionId: number; url: string; secret: string },
      receivers: ReceiverPolicy,
    ) {
      const [conn] = await store.read((q) =>
        q
          .select({ name: connections.name, number: connections.number })
          .from(connections)
          .where(eq(connections.id, webhook.connectionId)),
      );
      const now = clock();
      const id = newEventId(now);
      const payload = JSON.stringify({
        event: "ping",
        timestamp: new Date(now).toISOString(),
        connectionId: webhook.connectionId,
        connectionName: conn?.name ?? null,
        connectionNumber: conn?.number ?? null,
        data: { webhookId: webhook.id, message: "Test delivery from Chasqui" },
      });
      const outcome: DeliveryOutcome = await attemptDelivery(
        {
          url: webhook.url,
          secret: webhook.secret,
          eventId: id,
          eventType: "ping",
          connectionId: webhook.connectionId,
          payload,
        },
        { timeoutMs: deps.timeoutMs, receivers, clock },
      );
      if (outcome.kind === "refused") throw new AppError("ERR_INVALID_WEBHOOK_URL", outcome.error);
      return {
        webhookId: webhook.id,
        eventId: id,
        delivered: isSuccess(outcome),
        statusCode: outcome.kind === "response" ? outcome.statusCode : null,
        error:
          outcome.kind === "error"
            ? outcome.error
            : isSuccess(outcome)
              ? null
              : outcome.statusCode >= 300 && outcome.statusCode < 400
                ? `redirect ${outcome.statusCode} not followed`
                : `receiver answered ${outcome.statusCode}`,
        durationMs: Math.round(outcome.durationMs),
      };
    },

    /**
     * Stored events in commit order after `after` (an event id), for a consumer catching up without
     * waiting for retries. Events are kept EVENT_RETENTION_HOURS, longer while a delivery needs them.
     */
    async listEvents(q: { connectionId?: number; after?: string; limit: number }) {
      const rows = await feedPage(q.after, { connectionId: q.connectionId, limit: q.limit + 1 });
      if (rows === "unknown")
        throw new AppError("ERR_NOT_FOUND", "Event not found: it does not exist or is past retention");
      const page = rows.slice(0, q.limit);
      return {
        events: page.map((e) => ({
          id: e.id,
          seq: e.seq,
          event: e.type,
          connectionId: e.connectionId,
          createdAt: toIso(e.createdAt)!,
          payload: JSON.parse(e.payload) as EventEnvelope,
        })),
        hasMore: rows.length > q.limit,
        nextAfter: page.at(-1)?.id ?? q.after ?? null,
      };
    },
  };
}

export type WebhookOps = ReturnType<typeof createWebhookOps>;
