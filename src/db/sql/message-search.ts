// Message search's raw SQL, one named implementation per dialect (docs/CLUSTER.md §3(c)): SQLite reads its
// FTS5 table `messages_fts`, PostgreSQL the expression index `messages_body_search_idx`
// (drizzle-pg/0000_init.sql). Both take the same words (`searchWords`) and answer the same page: the pks of the
// matching messages, newest first, and how many match in all.
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { messageMatchOf, messageTsQuery } from "../../domain/search/fts-query";
import type { Db } from "../client";
import type { Dialect, Query } from "../store";

export type MessageSearchFilter = {
  /** At least one word (`searchWords`); the last one is a prefix. */
  words: string[];
  limit: number;
  offset: number;
  ticketId?: number;
  /** An agent's queues (0 = no queue): only messages of tickets in them. Null or absent: every ticket. */
  queues?: number[] | null;
};

export type MessageSearchPage = { total: number; pks: number[] };

export type MessageSearchSql = (q: Query, filter: MessageSearchFilter) => Promise<MessageSearchPage>;

/**
 * SQLite: the statements the synchronous service ran (tests/db/query-plans.test.ts checks their plans), on the
 * connection the store handed the body (its reader for `store.read`).
 */
const sqlite: MessageSearchSql = async (q, filter) => {
  const client = (q as unknown as Db).$client;
  const match = messageMatchOf(filter.words);
  if (match === null) return { total: 0, pks: [] };
  const page = [filter.limit, filter.offset];
  if (filter.ticketId !== undefined) {
    // One ticket: its messages come from the (ticket_id, created_at) index, each probed in the match set.
    const where = "m.ticket_id = ? and m.pk in (select rowid from messages_fts where messages_fts match ?)";
    const args = [filter.ticketId, match];
    const total =
      client
        .query<{ n: number }, (string | number)[]>(`select count(*) as n from messages m where ${where}`)
        .get(...args)?.n ?? 0;
    const pks = client
      .query<{ pk: number }, (string | number)[]>(
        `select m.pk from messages m where ${where} order by m.created_at desc, m.pk desc limit ? offset ?`,
      )
      .all(...args, ...page)
      .map((r) => r.pk);
    return { total, pks };
  }
  if (filter.queues) {
    // An agent: the matches (newest first) joined to their ticket, kept when it is in the agent's queues.
    const from = `from messages_fts f join messages m on m.pk = f.rowid join tickets t on t.id = m.ticket_id
        where messages_fts match ? and coalesce(t.queue_id, 0) in (select value from json_each(?))`;
    const args = [match, JSON.stringify(filter.queues)];
    const total = client.query<{ n: number }, string[]>(`select count(*) as n ${from}`).get(...args)?.n ?? 0;
    const pks = client
      .query<{ pk: number }, (string | number)[]>(
        `select f.rowid as pk ${from} order by f.rowid desc limit ? offset ?`,
      )
      .all(...args, ...page)
      .map((r) => r.pk);
    return { total, pks };
  }
  const total =
    client
      .query<{ n: number }, [string]>("select count(*) as n from messages_fts where messages_fts match ?")
      .get(match)?.n ?? 0;
  const pks = client
    .query<{ pk: number }, (string | number)[]>(
      "select rowid as pk from messages_fts where messages_fts match ? order by rowid desc limit ? offset ?",
    )
    .all(match, ...page)
    .map((r) => r.pk);
  return { total, pks };
};

/**
 * PostgreSQL: `to_tsvector('simple', chasqui_fold(body))` is the indexed expression; the query text is folded
 * the same way (lower case, no diacritics) before `to_tsquery` parses it. Newest first is `pk desc` (the
 * insertion order, as FTS5's rowid), or `created_at desc, pk desc` inside one ticket, as on SQLite.
 */
const postgres: MessageSearchSql = async (q, filter) => {
  const db = q as unknown as PgDatabase<PgQueryResultHKT>;
  const statements = postgresMessageSearch(filter);
  if (statements === null) return { total: 0, pks: [] };
  const counted = (await db.execute(statements.count)) as unknown as { n: number }[];
  const rows = (await db.execute(statements.page)) as unknown as { pk: number | string | bigint }[];
  return { total: Number(counted[0]?.n ?? 0), pks: rows.map((r) => Number(r.pk)) };
};

/** The PostgreSQL statements of a search (the count and the page), or null when nothing can match. */
export function postgresMessageSearch(filter: MessageSearchFilter): { count: SQL; page: SQL } | null {
  const text = messageTsQuery(filter.words);
  if (text === null || filter.queues?.length === 0) return null;
  const matches = sql`to_tsvector('simple', chasqui_fold(m.body)) @@ to_tsquery('simple', chasqui_fold(${text}))`;
  const scope =
    filter.ticketId !== undefined
      ? sql` and m.ticket_id = ${filter.ticketId}`
      : filter.queues
        ? sql` and exists (select 1 from tickets t where t.id = m.ticket_id and coalesce(t.queue_id, 0) in (${sql.join(
            filter.queues.map((id) => sql`${id}`),
            sql`, `,
          )}))`
        : sql``;
  const order = filter.ticketId !== undefined ? sql`m.created_at desc, m.pk desc` : sql`m.pk desc`;
  return {
    count: sql`select count(*)::int as n from messages m where ${matches}${scope}`,
    page: sql`select m.pk from messages m where ${matches}${scope} order by ${order} limit ${filter.limit} offset ${filter.offset}`,
  };
}

export const messageSearchSql: Record<Dialect, MessageSearchSql> = { sqlite, postgres };
