import { and, asc, eq, gt, inArray, max, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { events } from "../db/schema";

export type FeedRow = typeof events.$inferSelect;

/**
 * The one reader of stored events in commit order (`seq`), shared by the catch-up feed and the SSE stream,
 * so both see the same events with the same filters.
 */
export function createEventFeed(db: Db) {
  return {
    /** The `seq` of a stored event, or undefined when it is unknown or past retention. */
    seqOf(eventId: string): number | undefined {
      return db.select({ seq: events.seq }).from(events).where(eq(events.id, eventId)).get()?.seq;
    },
    /** The newest `seq` stored (0 when none). */
    latestSeq(): number {
      return (
        db
          .select({ seq: max(events.seq) })
          .from(events)
          .get()?.seq ?? 0
      );
    },
    /** Up to `limit` events after `seq`, oldest first, of one connection and some types when given. */
    after(seq: number, f: { connectionId?: number; types?: readonly string[]; limit: number }): FeedRow[] {
      const where: SQL[] = [gt(events.seq, seq)];
      if (f.connectionId !== undefined) where.push(eq(events.connectionId, f.connectionId));
      if (f.types && f.types.length > 0) where.push(inArray(events.type, [...f.types]));
      return db
        .select()
        .from(events)
        .where(and(...where))
        .orderBy(asc(events.seq))
        .limit(f.limit)
        .all();
    },
  };
}

export type EventFeed = ReturnType<typeof createEventFeed>;
