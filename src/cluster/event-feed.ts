/**
 * The event feed on PostgreSQL (docs/CLUSTER.md §5.4). `events.seq` comes from a sequence, taken at insert: a
 * transaction holding seq 10 may commit after one holding 11, and a reader that moved past 11 would never
 * see 10. So the feed orders by the inserting transaction's id (`events.tx_id`, `pg_current_xact_id()` by
 * default) and returns only rows whose transaction is older than every transaction still running
 * (`tx_id < pg_snapshot_xmin(pg_current_snapshot())`): every such transaction has ended, so no row can appear
 * behind the cursor `(tx_id, seq)` later. Rows of one transaction share its id and keep their seq order.
 *
 * The price: a write transaction that stays open (anywhere on the server — transaction ids are cluster-wide)
 * holds the feed back until it ends. Keep write transactions short (the store's rule already: no network I/O
 * inside one). A reader must not run inside a transaction that has written (its own id would hold it back).
 *
 * SQLite needs none of this: one writer, commit order = seq order.
 */
import type { SQL } from "bun";

/** A position in the feed: after the event `seq` of transaction `txId` (xid8 as decimal text). */
export type FeedCursor = { txId: string; seq: number };

/** Before every event. */
export const FEED_START: FeedCursor = { txId: "0", seq: 0 };

export type FeedEvent = {
  seq: number;
  txId: string;
  connectionId: number | null;
  typeCode: number;
  data: Buffer;
  originId: number | null;
  createdAt: Date;
  /** The id of an event stored before compact ids (copied from SQLite), or null: then `eventIdOf(seq, createdAt)`. */
  legacyId: string | null;
};

type Row = {
  seq: unknown;
  /** Not `tx_id`: ORDER BY takes an output column's name before a table column's, and text sorts "1000" before "999". */
  tx_text: string;
  connection_id: unknown;
  type_code: number;
  data: Buffer | Uint8Array;
  origin_id: unknown;
  created_at: Date;
  legacy_id: string | null;
};

const toEvent = (r: Row): FeedEvent => ({
  seq: Number(r.seq),
  txId: r.tx_text,
  connectionId: r.connection_id === null ? null : Number(r.connection_id),
  typeCode: r.type_code,
  data: Buffer.from(r.data),
  originId: r.origin_id === null ? null : Number(r.origin_id),
  createdAt: r.created_at,
  legacyId: r.legacy_id,
});

/**
 * Up to `limit` events after `after` that no running transaction can still precede, in `(tx_id, seq)` order,
 * optionally of one connection; `next` is the cursor to read from next time (unchanged when nothing came).
 */
export async function readEventFeed(
  sql: SQL,
  after: FeedCursor,
  options: { limit: number; connectionId?: number },
): Promise<{ events: FeedEvent[]; next: FeedCursor }> {
  const connection = options.connectionId ?? null;
  const rows = (await sql`
    select seq, tx_id::text as tx_text, connection_id, type_code, data, origin_id, created_at, legacy_id from events
    where (tx_id, seq) > (${after.txId}::xid8, ${after.seq}::bigint)
      and tx_id < pg_snapshot_xmin(pg_current_snapshot())
      and (${connection}::bigint is null or connection_id = ${connection}::bigint)
    order by events.tx_id, seq
    limit ${options.limit}`) as Row[];
  const events = rows.map(toEvent);
  const last = events.at(-1);
  return { events, next: last ? { txId: last.txId, seq: last.seq } : after };
}

/** The events among `seqs` at or before `upTo`, in feed order (a sink's own events its start cursor passed over). */
export async function readEventsUpTo(sql: SQL, seqs: number[], upTo: FeedCursor): Promise<FeedEvent[]> {
  const rows = (await sql`
    select seq, tx_id::text as tx_text, connection_id, type_code, data, origin_id, created_at, legacy_id from events
    where seq = any(${seqs}::bigint[]) and (tx_id, seq) <= (${upTo.txId}::xid8, ${upTo.seq}::bigint)
    order by events.tx_id, seq`) as Row[];
  return rows.map(toEvent);
}

/**
 * The cursor just after the event `seq` (what the API's `after=<event id>` resumes from), or undefined when that
 * event is gone (retention): the caller then starts from the oldest event it still has.
 */
export async function cursorAfterEvent(sql: SQL, seq: number): Promise<FeedCursor | undefined> {
  const [row] = (await sql`select tx_id::text as tx_id from events where seq = ${seq}`) as {
    tx_id: string;
  }[];
  return row ? { txId: row.tx_id, seq } : undefined;
}
