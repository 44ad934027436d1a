import type { Db } from "../db/client";
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
