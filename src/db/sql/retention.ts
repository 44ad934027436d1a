// Retention's and Idempotency-Key pruning's raw SQL, one named implementation per dialect (docs/CLUSTER.md §3(c)).
// Every statement walks an index oldest first and stops after `limit` rows, so a batch costs the rows it touches,
// never the size of the table. SQLite: the statements the synchronous jobs ran, text unchanged (INDEXED BY, rowid,
// ms integers against the timestamp_ms columns, PRAGMAs; tests/db/query-plans.test.ts plans them), on the
// connection the store handed the body. PostgreSQL: the same rows through the same indexes (drizzle-pg/0000_init.sql),
// `timestamptz` cutoffs, counts from `returning`; it has no VACUUM step here: freeing dead rows is autovacuum's job.
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Db } from "../client";
import type { Dialect, Query } from "../store";

/** Times are epoch milliseconds; `limit` bounds the rows one call touches. */
export type RetentionSql = {
  /** Deletes delivered webhook deliveries delivered before `cutoff`, oldest first; how many went. */
  deleteDeliveredDeliveries(q: Query, cutoff: number, limit: number): Promise<number>;
  /** Deletes failed deliveries that failed for good (their last `next_attempt_at`) before `cutoff`. */
  deleteFailedDeliveries(q: Query, cutoff: number, limit: number): Promise<number>;
  /**
   * Deletes events below seq `before`, created before `cutoff`, that no delivery row needs, lowest seq first.
   * (created_at is checked too, so a clock that stepped back never deletes a newer event early.)
   */
  deleteEvents(q: Query, before: number, cutoff: number, limit: number): Promise<number>;
  /** The highest event seq, or 0 without events. */
  maxEventSeq(q: Query): Promise<number>;
  /** The first event at or after `seq` (a primary-key probe of the binary search over seq). */
  eventFrom(q: Query, seq: number): Promise<{ seq: number; createdAt: number } | undefined>;
  /** Messages that still hold a file and are older than `cutoff`, oldest first. */
  mediaBatch(q: Query, cutoff: number, limit: number): Promise<{ pk: number; file: string }[]>;
  /** Forgets the file of one message if it still holds `file`; true when it did. */
  expireMedia(q: Query, pk: number, file: string, now: number): Promise<boolean>;
  /** Inbound files that never arrived and are older than `cutoff` stop being retried; how many. */
  expirePendingMedia(q: Query, cutoff: number, limit: number, now: number): Promise<number>;
  /** Messages older than `cutoff`, oldest first, with their file and ticket. */
  messageBatch(
    q: Query,
    cutoff: number,
    limit: number,
  ): Promise<{ pk: number; file: string | null; ticketId: number }[]>;
  /** Deletes one message (its reactions go with it: ON DELETE CASCADE); true when it was still there. */
  deleteMessage(q: Query, pk: number): Promise<boolean>;
  /** A ticket left without messages must not keep the text of its last one. */
  clearLastMessage(q: Query, ticketId: number): Promise<void>;
  /** Deletes Idempotency-Keys created before `cutoff`, oldest first; how many went. */
  pruneIdempotencyKeys(q: Query, cutoff: number, limit: number): Promise<number>;
  /**
   * One bounded step returning free pages to the disk, in a write body: the pages it freed, or null when the
   * store has no such step (SQLite without auto_vacuum = INCREMENTAL; PostgreSQL, where autovacuum does it).
   */
  vacuumStep(q: Query, pages: number): Promise<number | null>;
};

const client = (q: Query) => (q as unknown as Db).$client;

type Params = Record<string, string | number | null>;
const changes = (q: Query, text: string, params: Params) =>
  client(q)
    .query<unknown, [Params]>(text)
    .run(params as never).changes;

const sqlite: RetentionSql = {
  async deleteDeliveredDeliveries(q, cutoff, limit) {
    return changes(
      q,
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries INDEXED BY deliveries_delivered_idx
         WHERE status = 'delivered' AND delivered_at < $cutoff ORDER BY delivered_at LIMIT $limit)`,
      { cutoff, limit },
    );
  },
  async deleteFailedDeliveries(q, cutoff, limit) {
    return changes(
      q,
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries INDEXED BY deliveries_due_idx
         WHERE status = 'failed' AND next_attempt_at < $cutoff ORDER BY next_attempt_at LIMIT $limit)`,
      { cutoff, limit },
    );
  },
  async deleteEvents(q, before, cutoff, limit) {
    return changes(
      q,
      `DELETE FROM events WHERE seq IN (
         SELECT seq FROM events
         WHERE seq < $before AND created_at < $cutoff
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.seq)
         ORDER BY seq LIMIT $limit)`,
      { before, cutoff, limit },
    );
  },
  async maxEventSeq(q) {
    return client(q).query<{ seq: number | null }, []>("SELECT max(seq) AS seq FROM events").get()?.seq ?? 0;
  },
  async eventFrom(q, seq) {
    return (
      client(q)
        .query<{ seq: number; createdAt: number }, [{ seq: number }]>(
          "SELECT seq, created_at AS createdAt FROM events WHERE seq >= $seq ORDER BY seq LIMIT 1",
        )
        .get({ seq }) ?? undefined
    );
  },
  async mediaBatch(q, cutoff, limit) {
    return client(q)
      .query<{ pk: number; file: string }, [{ cutoff: number; limit: number }]>(
        `SELECT pk, media_file AS file FROM messages INDEXED BY messages_media_created_idx
       WHERE media_file IS NOT NULL AND created_at < $cutoff ORDER BY created_at LIMIT $limit`,
      )
      .all({ cutoff, limit });
  },
  async expireMedia(q, pk, file, now) {
    return (
      changes(
        q,
        `UPDATE messages SET media_file = NULL, media_ref = NULL, media_expired = 1, updated_at = $now
       WHERE pk = $pk AND media_file = $file`,
        { pk, file, now },
      ) > 0
    );
  },
  async expirePendingMedia(q, cutoff, limit, now) {
    return changes(
      q,
      `UPDATE messages SET media_ref = NULL, media_expired = 1, updated_at = $now WHERE pk IN (
         SELECT pk FROM messages INDEXED BY messages_media_retry_idx
         WHERE media_ref IS NOT NULL AND media_file IS NULL AND created_at < $cutoff LIMIT $limit)`,
      { cutoff, limit, now },
    );
  },
  async messageBatch(q, cutoff, limit) {
    return client(q)
      .query<{ pk: number; file: string | null; ticketId: number }, [{ cutoff: number; limit: number }]>(
        `SELECT pk, media_file AS file, ticket_id AS ticketId FROM messages INDEXED BY messages_created_idx
       WHERE created_at < $cutoff ORDER BY created_at LIMIT $limit`,
      )
      .all({ cutoff, limit });
  },
  async deleteMessage(q, pk) {
    return changes(q, "DELETE FROM messages WHERE pk = $pk", { pk }) > 0;
  },
  async clearLastMessage(q, id) {
    changes(
      q,
      `UPDATE tickets SET last_message = '' WHERE id = $id AND last_message <> ''
         AND NOT EXISTS (SELECT 1 FROM messages WHERE ticket_id = $id)`,
      { id },
    );
  },
  async pruneIdempotencyKeys(q, cutoff, limit) {
    return client(q)
      .query<unknown, [number, number]>(
        `DELETE FROM idempotency_keys WHERE rowid IN (
       SELECT rowid FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
      )
      .run(cutoff, limit).changes;
  },
  async vacuumStep(q, pages) {
    const db = client(q);
    // A database created before auto_vacuum = INCREMENTAL keeps its mode until a VACUUM: nothing to step.
    if (db.query<{ auto_vacuum: number }, []>("PRAGMA auto_vacuum").get()?.auto_vacuum !== 2) return null;
    const freePages = db.query<{ freelist_count: number }, []>("PRAGMA freelist_count");
    const before = freePages.get()?.freelist_count ?? 0;
    if (before === 0) return 0;
    // Each step of the pragma frees one page; `all` runs it to the end. Moving pages loses nothing if a power
    // cut undoes it: the file only stays larger until the next pass.
    db.query(`PRAGMA incremental_vacuum(${pages})`).all();
    const after = freePages.get()?.freelist_count ?? 0;
    return Math.max(0, before - after);
  },
};

const pg = (q: Query) => q as unknown as PgDatabase<PgQueryResultHKT>;
const rows = async <T>(q: Query, statement: SQL) => (await pg(q).execute(statement)) as unknown as T[];
/** A `with d as (… returning 1) select count(*)` statement's count. */
const counted = async (q: Query, statement: SQL) =>
  Number((await rows<{ n: number | string }>(q, statement))[0]?.n ?? 0);
/** An epoch-ms instant bound against a `timestamptz(3)` column. */
const at = (ms: number) => sql`${new Date(ms).toISOString()}::timestamptz`;

const postgres: RetentionSql = {
  async deleteDeliveredDeliveries(q, cutoff, limit) {
    return counted(
      q,
      sql`with d as (delete from webhook_deliveries where id in (
            select id from webhook_deliveries where status = 'delivered' and delivered_at < ${at(cutoff)}
            order by delivered_at limit ${limit}) returning 1)
          select count(*)::int as n from d`,
    );
  },
  async deleteFailedDeliveries(q, cutoff, limit) {
    return counted(
      q,
      sql`with d as (delete from webhook_deliveries where id in (
            select id from webhook_deliveries where status = 'failed' and next_attempt_at < ${cutoff}
            order by next_attempt_at limit ${limit}) returning 1)
          select count(*)::int as n from d`,
    );
  },
  async deleteEvents(q, before, cutoff, limit) {
    return counted(
      q,
      sql`with d as (delete from events where seq in (
            select seq from events
            where seq < ${before} and created_at < ${at(cutoff)}
              and not exists (select 1 from webhook_deliveries d where d.event_id = events.seq)
            order by seq limit ${limit}) returning 1)
          select count(*)::int as n from d`,
    );
  },
  async maxEventSeq(q) {
    const [row] = await rows<{ seq: number | string | null }>(q, sql`select max(seq) as seq from events`);
    return Number(row?.seq ?? 0);
  },
  async eventFrom(q, seq) {
    const [row] = await rows<{ seq: number | string; createdAt: Date | string }>(
      q,
      sql`select seq, created_at as "createdAt" from events where seq >= ${seq} order by seq limit 1`,
    );
    return row ? { seq: Number(row.seq), createdAt: new Date(row.createdAt).getTime() } : undefined;
  },
  async mediaBatch(q, cutoff, limit) {
    const found = await rows<{ pk: number | string; file: string }>(
      q,
      sql`select pk, media_file as file from messages
          where media_file is not null and created_at < ${at(cutoff)} order by created_at limit ${limit}`,
    );
    return found.map((r) => ({ pk: Number(r.pk), file: r.file }));
  },
  async expireMedia(q, pk, file, now) {
    const done = await rows(
      q,
      sql`update messages set media_file = null, media_ref = null, media_expired = true, updated_at = ${at(now)}
          where pk = ${pk} and media_file = ${file} returning pk`,
    );
    return done.length > 0;
  },
  async expirePendingMedia(q, cutoff, limit, now) {
    return counted(
      q,
      sql`with u as (update messages set media_ref = null, media_expired = true, updated_at = ${at(now)}
            where pk in (select pk from messages
              where media_ref is not null and media_file is null and created_at < ${at(cutoff)} limit ${limit})
            returning 1)
          select count(*)::int as n from u`,
    );
  },
  async messageBatch(q, cutoff, limit) {
    const found = await rows<{ pk: number | string; file: string | null; ticketId: number | string }>(
      q,
      sql`select pk, media_file as file, ticket_id as "ticketId" from messages
          where created_at < ${at(cutoff)} order by created_at limit ${limit}`,
    );
    return found.map((r) => ({ pk: Number(r.pk), file: r.file, ticketId: Number(r.ticketId) }));
  },
  async deleteMessage(q, pk) {
    return (await rows(q, sql`delete from messages where pk = ${pk} returning pk`)).length > 0;
  },
  async clearLastMessage(q, id) {
    await pg(q).execute(
      sql`update tickets set last_message = '' where id = ${id} and last_message <> ''
          and not exists (select 1 from messages where ticket_id = ${id})`,
    );
  },
  async pruneIdempotencyKeys(q, cutoff, limit) {
    return counted(
      q,
      sql`with d as (delete from idempotency_keys where (principal, key) in (
            select principal, key from idempotency_keys where created_at < ${at(cutoff)}
            order by created_at limit ${limit}) returning 1)
          select count(*)::int as n from d`,
    );
  },
  // Dead rows are autovacuum's business on PostgreSQL (and its VACUUM cannot run inside a transaction anyway).
  async vacuumStep() {
    return null;
  },
};

export const retentionSql: Record<Dialect, RetentionSql> = { sqlite, postgres };
