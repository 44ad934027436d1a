/**
 * The event sink on PostgreSQL (docs/CLUSTER.md §5.3–§5.4). `emitIn` writes the event, its origin row and one
 * delivery row per subscribed webhook in the body's own transaction — one statement — and `pg_notify`s the
 * event's seq, which PostgreSQL delivers to every node at commit (and drops on rollback).
 *
 * Listeners are fed from the event feed, never from the emitting code: every node LISTENs on `chasqui_events`,
 * reads the feed in `(tx_id, seq)` order (`readEventFeed`: only rows no running transaction can still precede)
 * and tells its listeners each event once, in commit order, whichever node wrote it. An event another node wrote
 * carries `remote: true`, so what must happen once in the cluster (automation, per-node metrics) skips it and
 * what every node shows (SSE, the dispatcher's wake-up) takes it.
 *
 * A notification can arrive while an older transaction still runs elsewhere: the feed then holds the event back.
 * The sink keeps the notified seqs it has not read yet and reads again, backing off, until it has them; a
 * periodic read is the safety net for a dropped LISTEN connection (Bun.SQL re-subscribes after a reconnect).
 */
import type { SQL } from "bun";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Query } from "../db/store";
import type { Logger } from "../logger";
import { decodeData, EVENT_TYPE_CODES, encodeData, eventTypeName } from "../webhooks/event-codec";
import { type EventName, type EventSink, type StoredEvent, storedEvent } from "../webhooks/events";
import { type FeedCursor, type FeedEvent, readEventFeed, readEventsUpTo } from "./event-feed";

/** The channel a committed event is announced on; the payload is its seq. */
export const EVENTS_CHANNEL = "chasqui_events";
/** The channel a retry asked through the API wakes every node's dispatcher on. */
export const WAKE_CHANNEL = "chasqui_wake";

export type PostgresEventSink = EventSink & {
  /** Starts listening and reading the feed from its current end. */
  start(): Promise<void>;
  /** Stops listening; listeners hear nothing more. */
  close(): Promise<void>;
  /**
   * Resolves once the listeners have been told every event committed before the call (shutdown, tests); rejects
   * after `timeoutMs` if a transaction still running somewhere holds the feed back that long.
   */
  drain(timeoutMs?: number): Promise<void>;
};

export type PostgresEventSinkOptions = {
  clock?: () => number;
  logger?: Logger;
  /** The safety-net read of the feed, in ms. */
  pollMs?: number;
  /** Events read per query. */
  batch?: number;
};

/** Whether feed position `a` comes before `b`. */
const before = (a: FeedCursor, b: FeedCursor) => {
  const ax = BigInt(a.txId);
  const bx = BigInt(b.txId);
  return ax < bx || (ax === bx && a.seq < b.seq);
};

const pgOf = (q: Query) => q as unknown as PgDatabase<PgQueryResultHKT>;

/** The name and number an origin row holds; immutable, so cached for the process's life. */
type Origin = { name: string; number: string | null };

export function createPostgresEventSink(db: SQL, options: PostgresEventSinkOptions = {}): PostgresEventSink {
  const clock = options.clock ?? Date.now;
  const pollMs = options.pollMs ?? 1000;
  const batch = options.batch ?? 500;
  const log = options.logger?.child({ module: "events" });
  const listeners = new Set<(e: StoredEvent) => void>();
  const wakeListeners = new Set<() => void>();
  /** Seqs this process emitted that the feed has not shown yet: those are its own (`remote` unset). */
  const own = new Map<number, number>();
  /** Seqs notified and not read yet, with when they were first seen missing. */
  const awaited = new Map<number, number>();
  const origins = new Map<number, Origin>();
  let cursor: FeedCursor | undefined;
  let reading: Promise<void> | undefined;
  let again = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let retryMs = 5;
  let poll: ReturnType<typeof setInterval> | undefined;
  const subscriptions: SQL.ListenSubscription[] = [];
  let started: Promise<void> | undefined;
  /** Called after every read of the feed. */
  const readDone = new Set<() => void>();
  let closed = false;

  const tell = <A extends unknown[]>(fns: Iterable<(...a: A) => void>, ...args: A) => {
    for (const fn of fns) {
      try {
        fn(...args);
      } catch {
        // A faulty listener must not stop the others.
      }
    }
  };

  const originOf = async (id: number | null): Promise<Origin | null> => {
    if (id === null) return null;
    const known = origins.get(id);
    if (known) return known;
    const [row] = (await db`select name, number from event_origins where id = ${id}`) as Origin[];
    if (row) origins.set(id, row);
    return row ?? null;
  };

  const storedOf = async (e: FeedEvent): Promise<StoredEvent> => {
    const origin = await originOf(e.originId);
    const createdAt = e.createdAt.getTime();
    const type = eventTypeName(e.typeCode) as EventName;
    const dataJson = decodeData(e.data);
    const mine = own.get(e.seq);
    if (mine !== undefined) own.delete(e.seq);
    const stored = storedEvent({
      seq: e.seq,
      event: type,
      createdAt,
      connectionId: e.connectionId,
      connectionName: origin?.name ?? null,
      connectionNumber: origin?.number ?? null,
      data: JSON.parse(dataJson) as Record<string, unknown>,
      dataJson,
    });
    return mine === undefined ? { ...stored, remote: true } : stored;
  };

  /** Reads the feed to its end, telling the listeners; again if woken meanwhile. */
  const read = async () => {
    do {
      again = false;
      for (;;) {
        if (closed || !cursor) return;
        const { events, next } = await readEventFeed(db, cursor, { limit: batch });
        for (const e of events) {
          awaited.delete(e.seq);
          const stored = await storedOf(e);
          if (!closed) tell(listeners, stored);
        }
        cursor = next;
        if (events.length < batch) break;
      }
    } while (again);
    // Notified events the feed still holds back (an older transaction still runs somewhere): read again soon.
    const now = clock();
    for (const [seq, since] of awaited) if (now - since > 60_000) awaited.delete(seq); // gone (retention) or never ours
    if (awaited.size > 0 && !closed) {
      retry ??= setTimeout(() => {
        retry = undefined;
        pump();
      }, retryMs);
      retryMs = Math.min(retryMs * 2, pollMs);
    } else retryMs = 5;
  };

  const pump = () => {
    if (reading) {
      again = true;
      return;
    }
    reading = read()
      .catch((err) => log?.warn({ err }, "reading the event feed failed"))
      .finally(() => {
        reading = undefined;
        const waiting = [...readDone];
        readDone.clear();
        tell(waiting);
      });
  };

  /** The feed's current end: the last event no running transaction can precede. */
  const tail = async (): Promise<FeedCursor> => {
    const [row] = (await db`
      select tx_id::text as tx_text, seq from events
      where tx_id < pg_snapshot_xmin(pg_current_snapshot())
      order by events.tx_id desc, seq desc limit 1`) as { tx_text: string; seq: unknown }[];
    return row ? { txId: row.tx_text, seq: Number(row.seq) } : { txId: "0", seq: 0 };
  };

  const sink: PostgresEventSink = {
    emit() {
      throw new Error("synchronous emit is SQLite's; on PostgreSQL events are stored with emitIn(q, …)");
    },

    async emitIn(q, event, connectionId, data) {
      const now = Math.floor(clock());
      const dataJson = JSON.stringify(data);
      const typeCode = EVENT_TYPE_CODES[event];
      const at = new Date(now).toISOString();
      // One round trip: the connection's name and number now, the origin row that holds that pair (inserted when
      // none does), the event, a delivery per enabled webhook of the connection subscribed to it, the notification.
      const [row] = (await pgOf(q).execute(sql`
        with c as (
          select c.id, c.name, c.number,
            (select o.id from event_origins o
             where o.connection_id = c.id and o.name = c.name and o.number is not distinct from c.number
             order by o.id limit 1) as origin_id
          from connections c where c.id = ${connectionId}::bigint
        ), o as (
          insert into event_origins (connection_id, name, number)
          select id, name, number from c where origin_id is null
          returning id
        ), e as (
          insert into events (connection_id, type_code, data, origin_id, created_at)
          values (${connectionId}::bigint, ${typeCode}::int, ${Buffer.from(encodeData(dataJson))}::bytea,
            coalesce((select origin_id from c), (select id from o)), ${at}::timestamptz)
          returning seq
        ), d as (
          insert into webhook_deliveries (event_id, webhook_id, next_attempt_at, created_at)
          select e.seq, w.id, ${now}::bigint, ${at}::timestamptz from e, webhooks w
          where w.connection_id = ${connectionId}::bigint and w.enabled
            and (jsonb_array_length(w.events::jsonb) = 0 or w.events::jsonb @> jsonb_build_array(${event}::text))
          returning 1
        )
        select e.seq, (select name from c) as name, (select number from c) as number,
          pg_notify('chasqui_events', e.seq::text) as notified
        from e`)) as unknown as { seq: unknown; name: string | null; number: string | null }[];
      const seq = Number(row!.seq);
      // Marked ours until the feed shows it; a rolled-back seq is never shown and is forgotten with `awaited`'s age.
      own.set(seq, now);
      if (own.size > 100_000) for (const [s, t] of own) if (now - t > 60_000) own.delete(s);
      return storedEvent({
        seq,
        event,
        createdAt: now,
        connectionId,
        connectionName: row!.name ?? null,
        connectionNumber: row!.number ?? null,
        data,
        dataJson,
      });
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    wake() {
      tell(wakeListeners);
      // Every other node's dispatcher too (ours hears it again: a wake-up is idempotent).
      db.notify(WAKE_CHANNEL).catch((err) => log?.warn({ err }, "notifying a wake-up failed"));
    },

    onWake(listener) {
      wakeListeners.add(listener);
      return () => wakeListeners.delete(listener);
    },

    start() {
      started ??= begin();
      return started;
    },

    async drain(timeoutMs = 10_000) {
      await started;
      if (!cursor || closed) return;
      // The last event committed now, whether or not the feed may show it yet.
      const [last] = (await db`
        select tx_id::text as tx_text, seq from events order by events.tx_id desc, seq desc limit 1`) as {
        tx_text: string;
        seq: unknown;
      }[];
      if (!last) return;
      const target: FeedCursor = { txId: last.tx_text, seq: Number(last.seq) };
      const deadline = Date.now() + timeoutMs;
      while (!closed && cursor && before(cursor, target)) {
        if (Date.now() > deadline)
          throw new Error("the event feed is held back by a transaction still running");
        const read = new Promise<void>((resolve) => readDone.add(resolve));
        // Read again soon while the feed holds it back (the retry timer backs off up to pollMs).
        awaited.set(target.seq, awaited.get(target.seq) ?? clock());
        pump();
        await read;
      }
    },

    async close() {
      closed = true;
      if (poll) clearInterval(poll);
      if (retry) clearTimeout(retry);
      poll = retry = undefined;
      await started?.catch(() => {});
      started = undefined;
      await Promise.all(subscriptions.splice(0).map((s) => s.unlisten()));
      await reading;
      const waiting = [...readDone];
      readDone.clear();
      tell(waiting);
    },
  };

  async function begin() {
    closed = false;
    subscriptions.push(
      await db.listen(
        EVENTS_CHANNEL,
        (payload) => {
          const seq = Number(payload);
          if (Number.isSafeInteger(seq) && !awaited.has(seq)) awaited.set(seq, clock());
          pump();
        },
        // Initially and after a reconnect: what was committed while no one listened is in the feed.
        () => pump(),
      ),
      await db.listen(WAKE_CHANNEL, () => tell(wakeListeners)),
    );
    cursor = await tail();
    // This process's events committed before that read (a write racing the start): the cursor passed over them, so
    // they are told here, or never.
    const early = [...own.keys()];
    if (early.length > 0)
      for (const e of await readEventsUpTo(db, early, cursor)) {
        const stored = await storedOf(e);
        if (!closed) tell(listeners, stored);
      }
    poll = setInterval(pump, pollMs);
    poll.unref?.();
    pump();
  }

  return sink;
}
