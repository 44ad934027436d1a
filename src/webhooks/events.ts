import { randomBytes } from "node:crypto";
import type { Db, Tx } from "../db/client";
import type { Query } from "../db/store";
import { createVersionMemo } from "../domain/version-memo";
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

export type StoredEvent = {
  id: string;
  seq: number;
  envelope: EventEnvelope;
  payload: string;
  /**
   * Written by another node (PostgreSQL cluster): every node's live views and dispatcher take it, but what must
   * happen once in the cluster (automation, this node's metrics) is left to the node that wrote it.
   */
  remote?: true;
};

/**
 * An id for something sent like an event but never stored (a webhook `ping`): `evt_` + 12 hex chars of
 * milliseconds + 10 random hex chars, the format stored events had before migration 0013. Stored events get
 * theirs from their seq (`eventIdOf`).
 */
export function newEventId(now = Date.now()): string {
  return `evt_${now.toString(16).padStart(12, "0")}${randomBytes(5).toString("hex")}`;
}

/**
 * A stored event as listeners get it: its wire id, its envelope and its exact body, `dataJson` being `data` as it was
 * stringified when the event happened (the same text `JSON.stringify(envelope)` gives; a row keeps only `data`).
 * Both sinks build theirs here, when an event is emitted and when one is read back from the feed.
 */
export function storedEvent(e: {
  seq: number;
  event: EventName;
  /** Whole milliseconds: the id and the envelope's timestamp both carry them. */
  createdAt: number;
  connectionId: number | null;
  connectionName: string | null;
  connectionNumber: string | null;
  data: Record<string, unknown>;
  dataJson: string;
}): StoredEvent {
  const { connectionId, connectionName, connectionNumber } = e;
  const envelope: EventEnvelope = {
    event: e.event,
    timestamp: new Date(e.createdAt).toISOString(),
    connectionId,
    connectionName,
    connectionNumber,
    data: e.data,
  };
  const payload = envelopeText({
    type: e.event,
    createdAt: e.createdAt,
    connectionId,
    connectionName,
    connectionNumber,
    dataJson: e.dataJson,
  });
  return { id: eventIdOf(e.seq, e.createdAt), seq: e.seq, envelope, payload };
}

export type EventSink = {
  /**
   * Stores the event and one delivery row per enabled webhook of the connection subscribed to it,
   * inside the caller's transaction, so the state change and its event commit or roll back together.
   */
  emit(tx: Tx, event: EventName, connectionId: number | null, data: Record<string, unknown>): StoredEvent;
  /**
   * The same, inside a store.write body: the event and its delivery rows are written on the body's `q`, so they
   * commit or roll back with the body's other writes, on either store.
   */
  emitIn(
    q: Query,
    event: EventName,
    connectionId: number | null,
    data: Record<string, unknown>,
  ): Promise<StoredEvent>;
  /** Called after events were stored; listeners (dispatcher wake-up, SSE) run once the commit is done. */
  subscribe(listener: (e: StoredEvent) => void): () => void;
  /** Says delivery rows were re-enqueued without a new event (a retry asked through the API). Call after commit. */
  wake(): void;
  /** Listens to `wake()`; the dispatcher uses it to claim at once instead of at its next poll. */
  onWake(listener: () => void): () => void;
};

/**
 * `afterCommit` runs a function once the transaction open on `db` now has ended, telling it whether its writes are
 * stored and whether that answer is exact for the emitting job (the SQLite store's, see `SqliteStore.afterCommit`:
 * after the batch's fsync with DB_ASYNC_FSYNC); the default, a microtask, is right for synchronous transactions only.
 */
export function createEventSink(
  db: Db,
  clock: () => number = Date.now,
  afterCommit: (fn: (stored: boolean, exact?: boolean) => void) => void = (fn) =>
    queueMicrotask(() => fn(true)),
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
    // A new random value on every change of which webhooks get a connection's events (migration 0024), from any
    // connection; back to the old one with a rolled-back change.
    stamp: sqlite.query<{ stamp: number }, []>("select stamp from webhook_stamp where id = 1"),
    insertDelivery: sqlite.query<unknown, [number, number, number, number]>(
      "insert into webhook_deliveries (event_id, webhook_id, next_attempt_at, created_at) values (?, ?, ?, ?)",
    ),
    // A rolled-back event's seq is given again to the next event: the row must be this very event (checked unless
    // the store tells exactly whether the emitting job was stored).
    eventExists: sqlite.query<{ seq: number }, [number, number, number, number | null, Uint8Array]>(
      "select seq from events where seq = ? and created_at = ? and type_code = ? and connection_id is ? and data = ?",
    ),
  };
  /**
   * Each connection's enabled webhooks (their id, and the events they take, `null` for all), kept under the stamp.
   * The stamp is read inside the emitting transaction, so it shows that transaction's own changes too.
   */
  const keptHooks = createVersionMemo<{ id: number; events: Set<string> | null }[]>(
    () => q.stamp.get()?.stamp,
  );
  const hooksOf = (connectionId: number) => {
    const key = String(connectionId);
    const hit = keptHooks.get(key);
    if (hit) return hit;
    const at = keptHooks.version();
    const hooks = q.hooks.all(connectionId).map((h) => ({
      id: h.id,
      events: h.events === "[]" ? null : new Set(JSON.parse(h.events) as string[]),
    }));
    keptHooks.set(key, at, hooks);
    return hooks;
  };
  const listeners = new Set<(e: StoredEvent) => void>();
  const wakeListeners = new Set<() => void>();
  /**
   * Emits of each seq not announced yet. A seq rolled back with its savepoint is given again to the next event: of
   * the emits of one seq only the last can be the stored one, so the earlier ones are not announced.
   */
  const unannounced = new Map<number, number>();

  // Each emit is announced once the transaction that stored it has ended: with the commit's fsync off the event loop
  // batches end one after another while later ones already run, so an emit waits for its own transaction, never for
  // an earlier one (which would announce it before it is on disk, and then no later wake-up would follow for it).
  // An event of a rolled-back job or transaction is never announced: the store says so exactly for its batches' jobs,
  // otherwise the row is checked.
  const announce = (
    e: StoredEvent,
    createdAt: number,
    typeCode: number,
    data: Uint8Array,
    stored: boolean,
    exact: boolean,
  ) => {
    const left = (unannounced.get(e.seq) ?? 1) - 1;
    if (left > 0) {
      unannounced.set(e.seq, left);
      return;
    }
    unannounced.delete(e.seq);
    if (!stored) return;
    if (!exact && !q.eventExists.get(e.seq, createdAt, typeCode, e.envelope.connectionId, data)) return;
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        // A faulty listener must not stop the others.
      }
    }
  };

  const sink: EventSink = {
    // On SQLite a store.write body's `q` is the writer connection the raw statements run on.
    emitIn: async (q, event, connectionId, data) => sink.emit(q as unknown as Tx, event, connectionId, data),
    emit(_tx, event, connectionId, data) {
      // Raw statements, compiled once: emit runs several times per message. They run on the same
      // SQLite connection as the caller's transaction, so they commit or roll back with it.
      // Whole milliseconds: the id and the envelope timestamp both carry the creation time in ms.
      const now = Math.floor(clock());
      const conn = connectionId === null ? null : q.connection.get(connectionId);
      const dataJson = JSON.stringify(data);
      // Inside the caller's transaction: a rolled-back event takes its new origin row with it.
      const originId = conn
        ? (conn.originId ?? q.insertOrigin.get(connectionId!, conn.name, conn.number)!.id)
        : null;
      const typeCode = EVENT_TYPE_CODES[event];
      const packed = encodeData(dataJson);
      const { seq } = q.insertEvent.get(connectionId, typeCode, packed, originId, now)!;
      if (connectionId !== null) {
        for (const h of hooksOf(connectionId)) {
          if (h.events === null || h.events.has(event)) q.insertDelivery.run(seq, h.id, now, now);
        }
      }
      const stored = storedEvent({
        seq,
        event,
        createdAt: now,
        connectionId,
        connectionName: conn?.name ?? null,
        connectionNumber: conn?.number ?? null,
        data,
        dataJson,
      });
      if (listeners.size > 0) {
        unannounced.set(seq, (unannounced.get(seq) ?? 0) + 1);
        afterCommit((ok, exact) => announce(stored, now, typeCode, packed, ok, exact === true));
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
  return sink;
}
