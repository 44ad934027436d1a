import { randomBytes } from "node:crypto";
import type { Db, Tx } from "../db/client";
import { EVENT_TYPE_CODES, encodeData, envelopeText, eventIdOf } from "./event-codec";
import type { EventName } from "./event-names";

export { EVENT_NAMES, type EventName } from "./event-names";

export type EventEnvelope = {
  event: EventName;
  timestamp: string;
  connectionId: number | null;
  connectionName: string | null;
  connectionNumber: string | null;
  data: Record<string, unknown>;
};

export type StoredEvent = { id: string; seq: number; envelope: EventEnvelope; payload: string };

/**
 * An id for something sent like an event but never stored (a webhook `ping`): `evt_` + 12 hex chars of
 * milliseconds + 10 random hex chars, the format stored events had before migration 0013. Stored events get
 * theirs from their seq (`eventIdOf`).
 */
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

/**
 * `afterCommit` runs a function once the transaction open on `db` now has ended (the SQLite store's, see
 * `SqliteStore.afterCommit`); the default, a microtask, is right for synchronous transactions only.
 */
export function createEventSink(
  db: Db,
  clock: () => number = Date.now,
  afterCommit: (fn: () => void) => void = queueMicrotask,
): EventSink {
  const sqlite = db.$client;
  const q = {
    // The connection's name and number now, and the origin row that already holds that pair, if any.
    connection: sqlite.query<{ name: string; number: string | null; originId: number | null }, [number]>(
      `SELECT c.name AS name, c.number AS number,
         (SELECT o.id FROM event_origins o WHERE o.connection_id = c.id AND o.name = c.name AND o.number IS c.number
          ORDER BY o.id LIMIT 1) AS originId
       FROM connections c WHERE c.id = ?`,
    ),
    insertOrigin: sqlite.query<{ id: number }, [number, string, string | null]>(
      "INSERT INTO event_origins (connection_id, name, number) VALUES (?, ?, ?) RETURNING id",
    ),
    insertEvent: sqlite.query<{ seq: number }, [number | null, number, Uint8Array, number | null, number]>(
      "insert into events (connection_id, type_code, data, origin_id, created_at) values (?, ?, ?, ?, ?) returning seq",
    ),
    hooks: sqlite.query<{ id: number; events: string }, [number]>(
      "select id, events from webhooks where connection_id = ? and enabled = 1 order by id",
    ),
    insertDelivery: sqlite.query<unknown, [number, number, number, number]>(
      "insert into webhook_deliveries (event_id, webhook_id, next_attempt_at, created_at) values (?, ?, ?, ?)",
    ),
    // A rolled-back event's seq is given again to the next event: the row must be this very event.
    eventExists: sqlite.query<{ seq: number }, [number, number, number, number | null, Uint8Array]>(
      "select seq from events where seq = ? and created_at = ? and type_code = ? and connection_id is ? and data = ?",
    ),
  };
  const listeners = new Set<(e: StoredEvent) => void>();
  const wakeListeners = new Set<() => void>();
  let pending: { stored: StoredEvent; createdAt: number; typeCode: number; data: Uint8Array }[] = [];
  let scheduled = false;

  // Runs once the transaction that emitted has ended (`afterCommit`): committed or rolled back. It re-checks
  // the database, so an event from a rolled-back transaction costs nothing: its row does not exist.
  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    // A seq emitted twice in one batch was rolled back (a savepoint of the commit queue) and given again:
    // only its last emit can have committed.
    const last = new Map(batch.map((p, i) => [p.stored.seq, i]));
    for (const [i, { stored: e, createdAt, typeCode, data }] of batch.entries()) {
      if (last.get(e.seq) !== i) continue;
      const stillThere = q.eventExists.get(e.seq, createdAt, typeCode, e.envelope.connectionId, data);
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
    emit(_tx, event, connectionId, data) {
      // Raw statements, compiled once: emit runs several times per message. They run on the same
      // SQLite connection as the caller's transaction, so they commit or roll back with it.
      // Whole milliseconds: the id and the envelope timestamp both carry the creation time in ms.
      const now = Math.floor(clock());
      const conn = connectionId === null ? null : q.connection.get(connectionId);
      const envelope: EventEnvelope = {
        event,
        timestamp: new Date(now).toISOString(),
        connectionId,
        connectionName: conn?.name ?? null,
        connectionNumber: conn?.number ?? null,
        data,
      };
      const dataJson = JSON.stringify(data);
      // The same text JSON.stringify(envelope) gives; the row keeps only `data`, the rest is rebuilt on read.
      const payload = envelopeText({
        type: event,
        createdAt: now,
        connectionId,
        connectionName: envelope.connectionName,
        connectionNumber: envelope.connectionNumber,
        dataJson,
      });
      // Inside the caller's transaction: a rolled-back event takes its new origin row with it.
      const originId = conn
        ? (conn.originId ?? q.insertOrigin.get(connectionId!, conn.name, conn.number)!.id)
        : null;
      const typeCode = EVENT_TYPE_CODES[event];
      const packed = encodeData(dataJson);
      const { seq } = q.insertEvent.get(connectionId, typeCode, packed, originId, now)!;
      if (connectionId !== null) {
        for (const h of q.hooks.all(connectionId)) {
          const subscribed = h.events === "[]" || (JSON.parse(h.events) as string[]).includes(event);
          if (subscribed) q.insertDelivery.run(seq, h.id, now, now);
        }
      }
      const stored: StoredEvent = { id: eventIdOf(seq, now), seq, envelope, payload };
      if (listeners.size > 0) {
        pending.push({ stored, createdAt: now, typeCode, data: packed });
        if (!scheduled) {
          scheduled = true;
          afterCommit(flush);
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
