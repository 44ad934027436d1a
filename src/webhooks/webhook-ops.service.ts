import { and, count, desc, eq, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { connections, events as eventsTable, webhookDeliveries, webhooks } from "../db/schema";
import { AppError } from "../errors";
import { attemptDelivery, type DeliveryOutcome, isSuccess } from "./delivery";
import {
  EVENT_BODY_COLUMNS,
  EVENT_BODY_JOIN,
  eventTypeCode,
  eventTypeName,
  payloadOf,
  type StoredEventRow,
} from "./event-codec";
import { createEventFeed, type EventFeed } from "./event-feed";
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

const deliveryColumns = {
  id: webhookDeliveries.id,
  // The event's wire id (eventIdOf in event-codec.ts, computed by SQLite).
  eventId: sql<string>`coalesce(${eventsTable.legacyId}, printf('evt_%012x%010x', ${eventsTable.createdAt}, ${eventsTable.seq}))`,
  eventSeq: webhookDeliveries.eventId,
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

type DeliveryRow = {
  id: number;
  eventId: string;
  eventSeq: number;
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
  eventId: r.eventId,
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

/** The operations side of the outbox: inspect deliveries, resend one, test a webhook, read the event feed. */
export function createWebhookOps(deps: {
  db: Db;
  events: EventSink;
  timeoutMs: number;
  clock?: () => number;
  feed?: EventFeed;
}) {
  const { db, events } = deps;
  const clock = deps.clock ?? Date.now;
  const feed = deps.feed ?? createEventFeed(db);
  const eventBody = db.$client.query<StoredEventRow, [number]>(
    `SELECT ${EVENT_BODY_COLUMNS} FROM ${EVENT_BODY_JOIN} WHERE e.seq = ?`,
  );

  const base = () =>
    db
      .select(deliveryColumns)
      .from(webhookDeliveries)
      .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
      .innerJoin(eventsTable, eq(eventsTable.seq, webhookDeliveries.eventId));

  const getRow = (id: number) => {
    const row = base().where(eq(webhookDeliveries.id, id)).get() as DeliveryRow | undefined;
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
      const rows = base()
        .where(and(cond, f.after ? lt(webhookDeliveries.id, f.after[0]) : undefined))
        .orderBy(desc(webhookDeliveries.id))
        .limit(f.limit + 1)
        .offset(f.after ? 0 : (f.page - 1) * f.limit)
        .all() as DeliveryRow[];
      const hasMore = rows.length > f.limit;
      if (hasMore) rows.pop();
      const total =
        db
          .select({ n: count() })
          .from(webhookDeliveries)
          .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
          .innerJoin(eventsTable, eq(eventsTable.seq, webhookDeliveries.eventId))
          .where(cond)
          .get()?.n ?? 0;
      return { deliveries: rows.map(deliveryView), count: total, hasMore };
    },

    getDelivery(id: number) {
      const row = getRow(id);
      const ev = eventBody.get(row.eventSeq);
      return { ...deliveryView(row), payload: JSON.parse(ev ? payloadOf(ev) : "null") as EventEnvelope };
    },

    /**
     * Puts a delivery back in the queue for a fresh series of attempts. It keeps its event, so the
     * receiver sees the same `webhook-id` and body and can dedupe. A row being sent right now is refused.
     */
    retry(id: number) {
      const row = getRow(id);
      if (row.status === "delivering") {
        throw new AppError("ERR_CONFLICT", "This delivery is being sent right now; retry once it settles");
      }
      db.update(webhookDeliveries)
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
        )
        .run();
      events.wake();
      return deliveryView(getRow(id));
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
      const conn = db
        .select({ name: connections.name, number: connections.number })
        .from(connections)
        .where(eq(connections.id, webhook.connectionId))
        .get();
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
    listEvents(q: { connectionId?: number; after?: string; limit: number }) {
      let afterSeq = 0;
      if (q.after !== undefined) {
        const seq = feed.seqOf(q.after);
        if (seq === undefined)
          throw new AppError("ERR_NOT_FOUND", "Event not found: it does not exist or is past retention");
        afterSeq = seq;
      }
      const rows = feed.after(afterSeq, { connectionId: q.connectionId, limit: q.limit + 1 });
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
