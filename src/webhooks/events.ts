import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Db, Tx } from "../db/client";
import { connections, events, webhookDeliveries, webhooks } from "../db/schema";

export const EVENT_NAMES = [
  "message_received",
  "message_sent",
  "message_ack",
  "connection_update",
  "ticket_created",
  "ticket_updated",
  "ticket_closed",
  "contact_created",
  "contact_updated",
] as const;

export type EventName = (typeof EVENT_NAMES)[number];

export type EventEnvelope = {
  event: EventName;
  timestamp: string;
  connectionId: number | null;
  connectionName: string | null;
  connectionNumber: string | null;
  data: Record<string, unknown>;
};

export type StoredEvent = { id: string; seq: number; envelope: EventEnvelope; payload: string };

/** Time-ordered, unique event id: `evt_` + 12 hex chars of milliseconds + 10 random hex chars. */
export function newEventId(now = Date.now()): string {
  return `evt_${now.toString(16).padStart(12, "0")}${randomBytes(5).toString("hex")}`;
}

export type EventSink = {
  /**
   * Stores the event and one delivery row per enabled webhook of the connection subscribed to it,
   * inside the caller's transaction, so the state change and its event commit or roll back together.
   */
  emit(tx: Tx, event: EventName, connectionId: number | null, data: Record<string, unknown>): StoredEvent;
  /** Called after events were stored; listeners (dispatcher wake-up, SSE) run once the commit is done. */
  subscribe(listener: (e: StoredEvent) => void): () => void;
  /** Says delivery rows were re-enqueued without a new event (a retry asked through the API). Call after commit. */
  wake(): void;
  /** Listens to `wake()`; the dispatcher uses it to claim at once instead of at its next poll. */
  onWake(listener: () => void): () => void;
};

export function createEventSink(db: Db, clock: () => number = Date.now): EventSink {
  const listeners = new Set<(e: StoredEvent) => void>();
  const wakeListeners = new Set<() => void>();
  let pending: StoredEvent[] = [];
  let scheduled = false;

  // Transactions are synchronous, so a microtask queued inside one runs after it committed (or rolled
  // back). Listeners re-check the database, so an event from a rolled-back transaction only costs a
  // spurious wake-up: it is dropped here because its row does not exist.
  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    for (const e of batch) {
      const stillThere = db.select({ id: events.id }).from(events).where(eq(events.id, e.id)).get();
      if (!stillThere) continue;
      for (const l of listeners) {
        try {
          l(e);
        } catch {
          // A faulty listener must not stop the others.
        }
      }
    }
  };

  return {
    emit(tx, event, connectionId, data) {
      const now = clock();
      const conn =
        connectionId === null
          ? undefined
          : tx
              .select({ name: connections.name, number: connections.number })
              .from(connections)
              .where(eq(connections.id, connectionId))
              .get();
      const envelope: EventEnvelope = {
        event,
        timestamp: new Date(now).toISOString(),
        connectionId,
        connectionName: conn?.name ?? null,
        connectionNumber: conn?.number ?? null,
        data,
      };
      const id = newEventId(now);
      const payload = JSON.stringify(envelope);
      const row = tx
        .insert(events)
        .values({ id, connectionId, type: event, payload, createdAt: new Date(now) })
        .returning({ seq: events.seq })
        .get();
      if (connectionId !== null) {
        const hooks = tx
          .select({ id: webhooks.id, events: webhooks.events })
          .from(webhooks)
          .where(and(eq(webhooks.connectionId, connectionId), eq(webhooks.enabled, true)))
          .all();
        const subscribed = hooks.filter((h) => h.events.length === 0 || h.events.includes(event));
        if (subscribed.length > 0) {
          tx.insert(webhookDeliveries)
            .values(subscribed.map((h) => ({ eventId: id, webhookId: h.id, nextAttemptAt: now })))
            .run();
        }
      }
      const stored: StoredEvent = { id, seq: row.seq, envelope, payload };
      if (listeners.size > 0) {
        pending.push(stored);
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(flush);
        }
      }
      return stored;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    wake() {
      for (const l of wakeListeners) {
        try {
          l();
        } catch {
          // A faulty listener must not stop the others.
        }
      }
    },
    onWake(listener) {
      wakeListeners.add(listener);
      return () => wakeListeners.delete(listener);
    },
  };
}
