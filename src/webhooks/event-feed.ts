import type { SQL } from "bun";
import {
  cursorAfterEvent,
  FEED_START,
  type FeedCursor,
  type FeedEvent,
  readEventFeed,
} from "../cluster/event-feed";
import type { Db } from "../db/client";
import { pgClientOf } from "../db/sql/webhooks";
import type { Store } from "../db/store";
import {
  EVENT_BODY_COLUMNS,
  EVENT_BODY_JOIN,
  eventTypeCode,
  parseEventId,
  readEvent,
  type StoredEventRow,
} from "./event-codec";

/** One stored event as the feed and the SSE streams see it: `payload` is the exact body webhooks get. */
export type FeedRow = {
  seq: number;
  id: string;
  connectionId: number | null;
  type: string;
  payload: string;
  createdAt: Date;
};

/**
 * The one reader of stored events in commit order (`seq`), shared by the catch-up feed and the SSE stream,
 * so both see the same events with the same filters. Bodies are rebuilt from the compact rows here
 * (src/webhooks/event-codec.ts). Only events up to `durableMark()` are shown: with the commit's fsync off the event
 * loop (DB_ASYNC_FSYNC) a committed event is announced once it is on disk (`SqliteStore.durableMark`).
 */
export function createEventFeed(db: Db, durableMark: () => number = () => Number.MAX_SAFE_INTEGER) {
  const sqlite = db.$client;
  // An id stored before migration 0013 is looked up as such first; any other is decoded (seq + creation time).
  const legacySeq = sqlite.query<{ seq: number }, [string]>("SELECT seq FROM events WHERE legacy_id = ?");
  const currentSeq = sqlite.query<{ seq: number }, [number, number]>(
    "SELECT seq FROM events WHERE seq = ? AND created_at = ? AND legacy_id IS NULL",
  );
  const latest = sqlite.query<{ seq: number | null }, []>("SELECT max(seq) AS seq FROM events");
  const toFeedRow = (r: StoredEventRow): FeedRow => {
    const e = readEvent(r);
    return { ...e, createdAt: new Date(e.createdAt) };
  };
  return {
    /** The `seq` of a stored event, or undefined when it is unknown or past retention. */
    seqOf(eventId: string): number | undefined {
      const legacy = legacySeq.get(eventId);
      if (legacy) return legacy.seq;
      const parsed = parseEventId(eventId);
      return parsed ? currentSeq.get(parsed.seq, parsed.createdAt)?.seq : undefined;
    },
    /** The newest `seq` stored and durable (0 when none). */
    latestSeq(): number {
      return Math.min(latest.get()?.seq ?? 0, durableMark());
    },
    /** Up to `limit` events after `seq`, oldest first, of one connection and some types when given. */
    after(seq: number, f: { connectionId?: number; types?: readonly string[]; limit: number }): FeedRow[] {
      const where = ["e.seq > ?", "e.seq <= ?"];
      const params: (number | string)[] = [seq, durableMark()];
      if (f.connectionId !== undefined) {
        where.push("e.connection_id = ?");
        params.push(f.connectionId);
      }
      if (f.types && f.types.length > 0) {
        const codes = f.types.map(eventTypeCode).filter((c) => c !== undefined);
        // Only names that are no event: nothing can match.
        if (codes.length === 0) return [];
        where.push(`e.type_code IN (${codes.map(() => "?").join(", ")})`);
        params.push(...codes);
      }
      params.push(f.limit);
      // bun:sqlite caches the statement per SQL text: one per filter shape.
      return sqlite
        .query<StoredEventRow, (number | string)[]>(
          `SELECT ${EVENT_BODY_COLUMNS} FROM ${EVENT_BODY_JOIN}
           WHERE ${where.join(" AND ")} ORDER BY e.seq LIMIT ?`,
        )
        .all(...params)
        .map(toFeedRow);
    },
  };
}

export type EventFeed = ReturnType<typeof createEventFeed>;

/**
 * The event feed on PostgreSQL (docs/CLUSTER.md §5.4): events in `(tx_id, seq)` order through `readEventFeed`, which
 * returns only rows no running transaction can still precede, so a reader never skips an event whose transaction
 * committed after a later seq's. The public id stays `eventIdOf(seq, createdAt)`; resuming after an id goes
 * through `cursorAfterEvent`. Reads run on the store's pool (never inside a write: its own transaction id would hold
 * the feed back). Origin rows (a connection's name and number when the event happened) never change once written:
 * they are kept in memory after the first read.
 */
export function createPgEventFeed(store: Store) {
  const origins = new Map<number, { name: string; number: string | null }>();
  const pool = <T>(fn: (sql: SQL) => Promise<T>) => store.read((q) => fn(pgClientOf(q)));

  const toRows = async (sql: SQL, events: FeedEvent[]): Promise<(FeedRow & { at: FeedCursor })[]> => {
    const missing = [
      ...new Set(events.map((e) => e.originId).filter((id): id is number => id !== null && !origins.has(id))),
    ];
    if (missing.length > 0) {
      const rows =
        (await sql`select id, name, number from event_origins where id = any(${missing}::bigint[])`) as {
          id: unknown;
          name: string;
          number: string | null;
        }[];
      for (const r of rows) origins.set(Number(r.id), { name: r.name, number: r.number });
    }
    return events.map((e) => {
      const origin = e.originId === null ? undefined : origins.get(e.originId);
      const read = readEvent({
        seq: e.seq,
        legacyId: e.legacyId,
        typeCode: e.typeCode,
        connectionId: e.connectionId,
        createdAt: e.createdAt.getTime(),
        data: e.data,
        originName: origin?.name ?? null,
        originNumber: origin?.number ?? null,
      });
      return { ...read, createdAt: e.createdAt, at: { txId: e.txId, seq: e.seq } };
    });
  };

  return {
    /** The `seq` of a stored event, or undefined when it is unknown or past retention. */
    seqOf: (eventId: string): Promise<number | undefined> =>
      pool(async (sql) => {
        const [legacy] = (await sql`select seq from events where legacy_id = ${eventId}`) as {
          seq: unknown;
        }[];
        if (legacy) return Number(legacy.seq);
        const parsed = parseEventId(eventId);
        if (!parsed) return undefined;
        const [row] = (await sql`select seq from events where seq = ${parsed.seq} and legacy_id is null
          and (extract(epoch from created_at) * 1000)::bigint = ${parsed.createdAt}`) as { seq: unknown }[];
        return row ? Number(row.seq) : undefined;
      }),
    /** The position just after the event `seq`, or undefined when it is gone. */
    cursorAfter: (seq: number) => pool((sql) => cursorAfterEvent(sql, seq)),
    /** The position after every event readable now (a new live reader starts here). */
    head: (): Promise<FeedCursor> =>
      pool(async (sql) => {
        const [row] = (await sql`select tx_id::text as tx_text, seq from events
          where tx_id < pg_snapshot_xmin(pg_current_snapshot()) order by tx_id desc, seq desc limit 1`) as {
          tx_text: string;
          seq: unknown;
        }[];
        return row ? { txId: row.tx_text, seq: Number(row.seq) } : FEED_START;
      }),
    /**
     * Up to `limit` events after `cursor` in feed order, of one connection and some types when given (types are
     * filtered here: `next` moves past what they leave out too).
     */
    after: (
      cursor: FeedCursor,
      f: { connectionId?: number; types?: readonly string[]; limit: number },
    ): Promise<{ rows: (FeedRow & { at: FeedCursor })[]; next: FeedCursor; full: boolean }> =>
      pool(async (sql) => {
        const { events, next } = await readEventFeed(sql, cursor, {
          limit: f.limit,
          ...(f.connectionId !== undefined ? { connectionId: f.connectionId } : {}),
        });
        const codes = f.types && f.types.length > 0 ? new Set(f.types.map(eventTypeCode)) : undefined;
        const kept = codes ? events.filter((e) => codes.has(e.typeCode)) : events;
        return { rows: await toRows(sql, kept), next, full: events.length >= f.limit };
      }),
  };
}

export type PgEventFeed = ReturnType<typeof createPgEventFeed>;

/** Feed order of two PostgreSQL cursors: negative when `a` comes first. */
export function compareCursors(a: FeedCursor, b: FeedCursor): number {
  const ta = BigInt(a.txId);
  const tb = BigInt(b.txId);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.seq - b.seq;
}
