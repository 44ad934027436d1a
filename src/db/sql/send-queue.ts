// The queued-send worker's statements, one named implementation per dialect (docs/CLUSTER.md §3(c), §5.2).
//
// SQLite: the statements the synchronous worker ran, text unchanged (tests/db/query-plans.test.ts plans them), on
// the connection the store handed the body. One process runs one worker per connection, so a claim is a plain
// `update … where status in ('queued', 'sending')`: the worker retakes its own `sending` rows on every pass (a claim
// left by a crash, a send kept for another try).
//
// PostgreSQL: several nodes may run a worker for the same connection (a lease handover, or two nodes that both
// believe they hold the socket for a moment), so a claim is `for update skip locked` (claimers skip each other's
// rows instead of waiting) and lasts `leaseMs` of database time from the row's `updated_at`, which every claim,
// renewal and "keep trying" sets to `now()`: a `sending` row is due again only when its claim expired (its node
// died or stalled), or for the claimer that still holds it under that exact stamp (a send kept for another try).
// The worker renews the claims of a batch while it sends it. No claim token column: `updated_at` is the stamp, so
// the messages table stays the same on both stores.
import type { Database } from "bun:sqlite";
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Db } from "../client";
import type { Dialect, Query } from "../store";

/** A `sending` row this worker still holds, and the stamp (`updated_at`, ms) its claim or last try left on it. */
export type HeldClaim = { pk: number; stamp: number };

export type ClaimOptions = {
  /** PostgreSQL: how long a claim lasts without renewal. */
  leaseMs: number;
  /** PostgreSQL: `sending` rows this worker may take again before their claim expires. */
  held: HeldClaim[];
};

export type SendError = { code: string; reason: string };

export type SendQueueSql = {
  /** Due messages of a connection, oldest due first (`send_at`, `pk`), that this worker may claim. */
  next(q: Query, connectionId: number, now: number, limit: number, opts: ClaimOptions): Promise<number[]>;
  /** Queued messages (never a claimed one) whose `expires_at` passed, oldest due first, up to 100. */
  expired(q: Query, connectionId: number, now: number): Promise<number[]>;
  /** Claims these messages (`sending`, attempt counted); the pks claimed, with the stamp of each claim. */
  claim(q: Query, pks: number[], now: number, opts: ClaimOptions): Promise<HeldClaim[]>;
  /** Extends the claims of messages still `sending` (PostgreSQL; SQLite claims do not expire). */
  renew(q: Query, pks: number[]): Promise<void>;
  /** A claimed message went out: `sent`; false when it was no longer `sending`. */
  sent(
    q: Query,
    pk: number,
    s: { now: number; timestamp: number; remoteKey: string | null },
  ): Promise<boolean>;
  /** A claimed message did not leave: back to `queued` with the reason. */
  release(q: Query, pk: number, error: SendError, now: number): Promise<void>;
  /** A claimed message never tried (the rest of a batch): back to `queued`, the attempt given back. */
  unclaim(q: Query, pk: number, now: number): Promise<void>;
  /** A claimed message that may have left stays claimed with the reason; the new stamp of its claim. */
  keepTrying(q: Query, pk: number, error: SendError, now: number): Promise<number>;
  /** `failed` with the reason: any queued or claimed message, or (`onlyQueued`) a queued one only. */
  fail(q: Query, pk: number, error: SendError, now: number, onlyQueued: boolean): Promise<boolean>;
  /** The connection's last sent message: when, and to which ticket (pacing between chats). */
  lastSent(q: Query, connectionId: number): Promise<{ sentAt: number; ticketId: number } | undefined>;
  /** How many messages the connection sent after `since` (the daily cap). */
  sentSince(q: Query, connectionId: number, since: number): Promise<number>;
};

const client = (q: Query): Database => (q as unknown as Db).$client;

const sqlite: SendQueueSql = {
  async next(q, connectionId, now, limit) {
    return client(q)
      .query<{ pk: number }, [number, number, number]>(
        `select pk from messages where connection_id = ? and status in ('queued', 'sending') and send_at <= ?
       order by send_at, pk limit ?`,
      )
      .all(connectionId, now, limit)
      .map((r) => r.pk);
  },
  async expired(q, connectionId, now) {
    // Only messages nobody handed to WhatsApp yet expire (`status <> 'sending'`); the `in` keeps the
    // statement on the partial queue index, whose condition SQLite must see implied.
    return client(q)
      .query<{ pk: number }, [number, number, number]>(
        `select pk from messages where connection_id = ? and status in ('queued', 'sending') and send_at <= ?
       and status <> 'sending' and expires_at <= ? order by send_at, pk limit 100`,
      )
      .all(connectionId, now, now)
      .map((r) => r.pk);
  },
  async claim(q, pks, now) {
    const stmt = client(q).query<{ pk: number }, [number, number]>(
      `update messages set status = 'sending', attempts = attempts + 1, updated_at = ?
       where pk = ? and status in ('queued', 'sending') returning pk`,
    );
    return pks.filter((pk) => stmt.get(now, pk)).map((pk) => ({ pk, stamp: now }));
  },
  async renew() {},
  async sent(q, pk, s) {
    return !!client(q)
      .query<{ pk: number }, [number, number, string | null, number, number]>(
        `update messages set status = 'sent', sent_at = ?, timestamp = ?, remote_key = coalesce(?, remote_key),
       error = null, updated_at = ? where pk = ? and status = 'sending' returning pk`,
      )
      .get(s.now, s.timestamp, s.remoteKey, s.now, pk);
  },
  async release(q, pk, error, now) {
    client(q)
      .query<unknown, [string, number, number]>(
        `update messages set status = 'queued', error = ?, updated_at = ? where pk = ? and status = 'sending'`,
      )
      .run(JSON.stringify(error), now, pk);
  },
  async unclaim(q, pk, now) {
    client(q)
      .query<unknown, [number, number]>(
        `update messages set status = 'queued', attempts = attempts - 1, updated_at = ? where pk = ?
       and status = 'sending'`,
      )
      .run(now, pk);
  },
  async keepTrying(q, pk, error, now) {
    client(q)
      .query<unknown, [string, number, number]>("update messages set error = ?, updated_at = ? where pk = ?")
      .run(JSON.stringify(error), now, pk);
    return now;
  },
  async fail(q, pk, error, now, onlyQueued) {
    const text = onlyQueued
      ? `update messages set status = 'failed', error = ?, updated_at = ? where pk = ? and status = 'queued'
       returning pk`
      : `update messages set status = 'failed', error = ?, updated_at = ? where pk = ?
       and status in ('queued', 'sending') returning pk`;
    return !!client(q)
      .query<{ pk: number }, [string, number, number]>(text)
      .get(JSON.stringify(error), now, pk);
  },
  async lastSent(q, connectionId) {
    return (
      client(q)
        .query<{ sentAt: number; ticketId: number }, [number]>(
          `select sent_at as sentAt, ticket_id as ticketId from messages
       where connection_id = ? and sent_at is not null order by sent_at desc limit 1`,
        )
        .get(connectionId) ?? undefined
    );
  },
  async sentSince(q, connectionId, since) {
    return (
      client(q)
        .query<{ n: number }, [number, number]>(
          "select count(*) as n from messages where connection_id = ? and sent_at is not null and sent_at > ?",
        )
        .get(connectionId, since)?.n ?? 0
    );
  },
};

const pg = (q: Query) => q as unknown as PgDatabase<PgQueryResultHKT>;
const rows = async <T>(q: Query, statement: SQL): Promise<T[]> =>
  (await pg(q).execute(statement)) as unknown as T[];
const list = (values: number[]) =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );
const ms = (d: Date | string) => new Date(d).getTime();

/**
 * Which due rows this worker may take: queued ones, `sending` ones whose claim expired in database time, and the
 * `sending` rows it holds itself under the stamp it left on them. (Literal statuses keep the partial queue index.)
 */
const claimable = (opts: ClaimOptions): SQL => {
  const own = opts.held.map(
    (h) => sql` or (m.pk = ${h.pk} and m.updated_at = ${new Date(h.stamp).toISOString()}::timestamptz)`,
  );
  return sql`(m.status = 'queued' or (m.status = 'sending'
    and (m.updated_at <= now() - ${opts.leaseMs}::int * interval '1 millisecond'${sql.join(own)})))`;
};

const postgres: SendQueueSql = {
  async next(q, connectionId, now, limit, opts) {
    const found = await rows<{ pk: number | string }>(
      q,
      sql`select m.pk from messages m
          where m.connection_id = ${connectionId} and m.status in ('queued', 'sending') and m.send_at <= ${now}
            and ${claimable(opts)}
          order by m.send_at, m.pk limit ${limit}`,
    );
    return found.map((r) => Number(r.pk));
  },
  async expired(q, connectionId, now) {
    const found = await rows<{ pk: number | string }>(
      q,
      sql`select pk from messages where connection_id = ${connectionId} and status in ('queued', 'sending')
            and send_at <= ${now} and status = 'queued' and expires_at <= ${now}
          order by send_at, pk limit 100`,
    );
    return found.map((r) => Number(r.pk));
  },
  async claim(q, pks, now, opts) {
    if (pks.length === 0) return [];
    // Rows another claimer holds locked at this instant are skipped, not waited for; a row it claimed and
    // committed is no longer claimable (its stamp is fresh). Still due and still the worker's to take, checked again.
    const found = await rows<{ pk: number | string; stamp: Date | string }>(
      q,
      sql`with due as (
            select m.pk from messages m
            where m.pk in (${list(pks)}) and m.status in ('queued', 'sending') and m.send_at <= ${now}
              and ${claimable(opts)}
            for update skip locked)
          update messages m set status = 'sending', attempts = m.attempts + 1, updated_at = now()
          from due where m.pk = due.pk
          returning m.pk, m.updated_at as stamp`,
    );
    return found
      .map((r) => ({ pk: Number(r.pk), stamp: ms(r.stamp) }))
      .sort((a, b) => pks.indexOf(a.pk) - pks.indexOf(b.pk));
  },
  async renew(q, pks) {
    if (pks.length === 0) return;
    await pg(q).execute(
      sql`update messages set updated_at = now() where pk in (${list(pks)}) and status = 'sending'`,
    );
  },
  async sent(q, pk, s) {
    const done = await rows(
      q,
      sql`update messages set status = 'sent', sent_at = ${s.now}, timestamp = ${s.timestamp},
            remote_key = coalesce(${s.remoteKey}::text, remote_key), error = null, updated_at = now()
          where pk = ${pk} and status = 'sending' returning 1 as ok`,
    );
    return done.length > 0;
  },
  async release(q, pk, error) {
    await pg(q).execute(
      sql`update messages set status = 'queued', error = ${JSON.stringify(error)}::json, updated_at = now()
          where pk = ${pk} and status = 'sending'`,
    );
  },
  async unclaim(q, pk) {
    await pg(q).execute(
      sql`update messages set status = 'queued', attempts = attempts - 1, updated_at = now()
          where pk = ${pk} and status = 'sending'`,
    );
  },
  async keepTrying(q, pk, error) {
    const [row] = await rows<{ stamp: Date | string }>(
      q,
      sql`update messages set error = ${JSON.stringify(error)}::json, updated_at = now() where pk = ${pk}
          returning updated_at as stamp`,
    );
    return row ? ms(row.stamp) : 0;
  },
  async fail(q, pk, error, _now, onlyQueued) {
    const statuses = onlyQueued ? sql`('queued')` : sql`('queued', 'sending')`;
    const done = await rows(
      q,
      sql`update messages set status = 'failed', error = ${JSON.stringify(error)}::json, updated_at = now()
          where pk = ${pk} and status in ${statuses} returning 1 as ok`,
    );
    return done.length > 0;
  },
  async lastSent(q, connectionId) {
    const [row] = await rows<{ sentAt: number | string; ticketId: number | string }>(
      q,
      sql`select sent_at as "sentAt", ticket_id as "ticketId" from messages
          where connection_id = ${connectionId} and sent_at is not null order by sent_at desc limit 1`,
    );
    return row ? { sentAt: Number(row.sentAt), ticketId: Number(row.ticketId) } : undefined;
  },
  async sentSince(q, connectionId, since) {
    const [row] = await rows<{ n: number | string }>(
      q,
      sql`select count(*) as n from messages
          where connection_id = ${connectionId} and sent_at is not null and sent_at > ${since}`,
    );
    return Number(row?.n ?? 0);
  },
};

export const sendQueueSql: Record<Dialect, SendQueueSql> = { sqlite, postgres };
