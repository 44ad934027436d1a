import type { Db } from "../db/client";
import { EVENT_BODY_COLUMNS, EVENT_BODY_JOIN, payloadOf, type StoredEventRow } from "./event-codec";

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
 * (src/webhooks/event-codec.ts).
 */
export function createEventFeed(db: Db) {
  const sqlite = db.$client;
  const seqOf = sqlite.query<{ seq: number }, [string]>("SELECT seq FROM events WHERE id = ?");
  const latest = sqlite.query<{ seq: number | null }, []>("SELECT max(seq) AS seq FROM events");
  const toFeedRow = (r: StoredEventRow & { seq: number; id: string }): FeedRow => ({
    seq: r.seq,
    id: r.id,
    connectionId: r.connectionId,
    type: r.type,
    payload: payloadOf(r),
    createdAt: new Date(r.createdAt),
  });
  return {
    /** The `seq` of a stored event, or undefined when it is unknown or past retention. */
    seqOf(eventId: string): number | undefined {
      return seqOf.get(eventId)?.seq;
    },
    /** The newest `seq` stored (0 when none). */
    latestSeq(): number {
      return latest.get()?.seq ?? 0;
    },
    /** Up to `limit` events after `seq`, oldest first, of one connection and some types when given. */
    after(seq: number, f: { connectionId?: number; types?: readonly string[]; limit: number }): FeedRow[] {
      const where = ["e.seq > ?"];
      const params: (number | string)[] = [seq];
      if (f.connectionId !== undefined) {
        where.push("e.connection_id = ?");
        params.push(f.connectionId);
      }
      if (f.types && f.types.length > 0) {
        where.push(`e.type IN (${f.types.map(() => "?").join(", ")})`);
        params.push(...f.types);
      }
      params.push(f.limit);
      // bun:sqlite caches the statement per SQL text: one per filter shape.
      return sqlite
        .query<StoredEventRow & { seq: number; id: string }, (number | string)[]>(
          `SELECT e.seq AS seq, e.id AS id, ${EVENT_BODY_COLUMNS} FROM ${EVENT_BODY_JOIN}
           WHERE ${where.join(" AND ")} ORDER BY e.seq LIMIT ?`,
        )
        .all(...params)
        .map(toFeedRow);
    },
  };
}

export type EventFeed = ReturnType<typeof createEventFeed>;
