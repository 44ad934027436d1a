// The ticket list's statements, one named implementation per dialect (docs/CLUSTER.md §3(c)). SQLite runs the
// raw statements the synchronous service ran, text unchanged (bun:sqlite compiles each text once, and
// tests/db/query-plans.test.ts plans them): `json_each` id lists, ms integers against the timestamp columns,
// `+col` to keep an index out of a plan. PostgreSQL builds the same queries with drizzle's builders over
// src/db/pg/schema.ts (`= any`/`in` lists, `Date` cursors, `boolean` isGroup) and answers the same shapes —
// except the four statements every list request runs (pageKeys, count, wireRows, tags): raw text on the
// body's Bun.SQL client, as on SQLite, because building and mapping drizzle's builders cost several times
// running them (bench/postgres.bench.ts, docs/PERFORMANCE.md "PostgreSQL vs SQLite").
import type { SQL as BunSQL } from "bun";
import { and, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { alias } from "drizzle-orm/pg-core";
import type { PageAt } from "../../domain/paging";
import { messageMatch, messageTsQuery, searchWords } from "../../domain/search/fts-query";
import type { Db } from "../client";
import * as pg from "../pg/schema";
import type { Dialect, Query } from "../store";
import { contactMatchSql } from "./contacts";

export type TicketStatus = "pending" | "open" | "closed";

/** The ticket list's ORDER BY key: updatedAt (ms), id. */
export type TicketKey = readonly [number, number];

/**
 * A ticket filter: the list's filters, its tab, an agent's queues. `ids` = exactly these tickets (a search's
 * page); `byKey` = the rows are looked up by id (a search), so the tab's indexes stay out of the plan.
 */
export type TicketFilter = {
  id?: number;
  ids?: number[];
  byKey?: boolean;
  status?: TicketStatus;
  connectionId?: number;
  queueId?: number;
  tagId?: number;
  /** `mine` = assigned to `userId` and not closed; `queue` = pending and unassigned; `all` = every ticket. */
  view?: "mine" | "queue" | "all";
  userId?: number;
  /** Null or absent: every queue; else these queues, 0 meaning "no queue". */
  queues?: number[] | null;
};

/** One ticket with its contact, connection, queue and user, as SQLite stores them (ms dates, isGroup 0/1). */
export type TicketViewRow = {
  id: number;
  status: TicketStatus;
  contactId: number;
  connectionId: number;
  queueId: number | null;
  userId: number | null;
  unreadMessages: number;
  lastMessage: string;
  rating: number | null;
  ratedAt: number | null;
  createdAt: number;
  updatedAt: number;
  cNumber: string;
  cName: string;
  cEmail: string;
  cPic: string | null;
  cIsGroup: number;
  cLid: string | null;
  cCreatedAt: number;
  cUpdatedAt: number;
  wName: string;
  wNumber: string | null;
  qName: string | null;
  qColor: string | null;
  uName: string | null;
  uEmail: string | null;
};

/**
 * One ticket of a list page as the wire shows it, columns in the order of the wire's fields (see
 * `ticketListJson` in http/wire.ts): only what the list shows, as SQLite stores it (dates in ms, isGroup 0/1).
 */
export type TicketWireRow = [
  id: number,
  status: TicketStatus,
  lastMessage: string,
  unreadMessages: number,
  contactId: number,
  connectionId: number,
  queueId: number | null,
  userId: number | null,
  rating: number | null,
  ratedAt: number | null,
  createdAt: number,
  updatedAt: number,
  contactName: string,
  contactNumber: string,
  contactEmail: string,
  contactPic: string | null,
  contactIsGroup: number,
  connectionName: string,
  connectionNumber: string | null,
  queueName: string | null,
  queueColor: string | null,
  userName: string | null,
  userEmail: string | null,
];

export type TicketTagRow = { ticketId: number; id: number; name: string; color: string };

export type TicketSearchSqlFilter = {
  search: string;
  status?: string;
  connectionId?: number;
  queueId?: number;
  /** The tab and the agent's queues (`view`, `userId`, `queues`). */
  scope: Pick<TicketFilter, "view" | "userId" | "queues">;
  /** The newest this-many matching messages and this-many matching contacts (SEARCH_MAX_MATCHES). */
  maxMatches: number;
};

export type TicketSql = {
  /**
   * The tickets of `filter` with their joins. With `page`: limit + 1 rows of the page (in no promised order);
   * without: every match (`ids` in no promised order, else newest activity first).
   */
  views(q: Query, filter: TicketFilter, page?: PageAt<TicketKey>): Promise<TicketViewRow[]>;
  /** The tags of these tickets, in no promised order. */
  tags(q: Query, ticketIds: number[]): Promise<TicketTagRow[]>;
  /** How many tickets the filter matches (from ticket_counts when no tab or tag narrows it). */
  count(q: Query, filter: TicketFilter): Promise<number>;
  /** limit + 1 keys of a page, newest activity first, from the index that gives the order. */
  pageKeys(
    q: Query,
    filter: TicketFilter,
    page: PageAt<TicketKey>,
  ): Promise<{ id: number; updatedAt: number }[]>;
  /** These tickets (those that exist, in no promised order) in the list's wire columns. */
  wireRows(q: Query, ids: number[]): Promise<TicketWireRow[]>;
  /** Which of these tickets carry the tag. */
  tagged(q: Query, ids: number[], tagId: number): Promise<number[]>;
  /** The queue of a ticket; undefined when there is no such ticket. */
  queueOf(q: Query, id: number): Promise<{ queueId: number | null } | undefined>;
  /** The queues of the tickets that exist among `ids`. */
  queuesOf(q: Query, ids: number[]): Promise<{ id: number; queueId: number | null }[]>;
  /** The tickets a search finds (see domain/search/ticket-search.ts), in no promised order. */
  search(q: Query, filter: TicketSearchSqlFilter): Promise<{ id: number; updatedAt: number }[]>;
};

// ---------------------------------------------------------------------------------------------------- SQLite

const VIEW_SELECT = `select t.id, t.status, t.contact_id as contactId, t.connection_id as connectionId,
  t.queue_id as queueId, t.user_id as userId, t.unread_messages as unreadMessages, t.last_message as lastMessage,
  t.rating, t.rated_at as ratedAt, t.created_at as createdAt, t.updated_at as updatedAt,
  c.number as cNumber, c.name as cName, c.email as cEmail, c.profile_pic_url as cPic, c.is_group as cIsGroup,
  c.lid as cLid, c.created_at as cCreatedAt, c.updated_at as cUpdatedAt,
  w.name as wName, w.number as wNumber, q.name as qName, q.color as qColor, u.name as uName, u.email as uEmail
from tickets t
join contacts c on c.id = t.contact_id
join connections w on w.id = t.connection_id
left join queues q on q.id = t.queue_id
left join users u on u.id = t.user_id`;

/** The columns of `TicketWireRow` (both dialects), completed by each with its `where t.id in (…)`. */
const WIRE_ROWS = `select t.id, t.status, t.last_message, t.unread_messages, t.contact_id,
  t.connection_id, t.queue_id, t.user_id, t.rating, t.rated_at, t.created_at, t.updated_at,
  c.name, c.number, c.email, c.profile_pic_url, c.is_group, w.name, w.number, q.name, q.color, u.name, u.email
from tickets t
join contacts c on c.id = t.contact_id
join connections w on w.id = t.connection_id
left join queues q on q.id = t.queue_id
left join users u on u.id = t.user_id`;

/** The columns of `TicketWireRow` for these ticket ids (one `?` each). */
export const wireRowsSelect = (n: number) =>
  `${WIRE_ROWS}\nwhere t.id in (${Array.from({ length: n }, () => "?").join(",")})`;

const TAGS_SELECT = `select tt.ticket_id as ticketId, g.id, g.name, g.color
from ticket_tags tt join tags g on g.id = tt.tag_id
where tt.ticket_id in (select value from json_each(?))`;

type Args = (string | number)[];

/**
 * The one place a ticket filter becomes SQLite SQL, on alias `t`: the page query reads `tickets t`, the count
 * `ticket_counts t` (same column names; no agent is user_id 0 there, null in tickets). The tab conditions are
 * written exactly as the partial indexes tickets_mine_idx and tickets_unassigned_idx are, so SQLite uses them; the
 * agent's queue filter wraps queue_id in coalesce(), so it never displaces the index that gives the order. `byKey`
 * (a search's matches, looked up by id) puts `+` before the tab columns so no index on them competes with the ids.
 */
function whereOf(
  filter: TicketFilter,
  on: "tickets" | "ticket_counts" = "tickets",
): { where: string; args: Args } {
  const conds: string[] = [];
  const args: Args = [];
  const add = (cond: string, value: string | number | undefined) => {
    if (value === undefined) return;
    conds.push(cond);
    args.push(value);
  };
  add("t.id = ?", filter.id);
  add("t.id in (select value from json_each(?))", filter.ids && JSON.stringify(filter.ids));
  add("t.status = ?", filter.status);
  add("t.connection_id = ?", filter.connectionId);
  add("t.queue_id = ?", filter.queueId);
  add("exists (select 1 from ticket_tags tt where tt.ticket_id = t.id and tt.tag_id = ?)", filter.tagId);
  const col = (name: string) => `${filter.byKey ? "+" : ""}t.${name}`;
  if (filter.view === "mine") {
    add(`${col("user_id")} = ?`, filter.userId ?? 0);
    conds.push(`${col("status")} <> 'closed'`);
  } else if (filter.view === "queue")
    conds.push(`${col("status")} = 'pending' and ${col("user_id")} ${on === "tickets" ? "is null" : "= 0"}`);
  if (filter.queues)
    add("coalesce(t.queue_id, 0) in (select value from json_each(?))", JSON.stringify(filter.queues));
  return { where: conds.join(" and "), args };
}

/**
 * A tag's tickets as `t`, on both stores (`param`: the tag id's placeholder): its ticket_tags rows hold copies of the
 * list's columns under the tickets' names (SQLite migration 0022, PostgreSQL 0010), so the page is read from
 * ticket_tags_tag_updated_idx alone, in the list's order, whatever else filters it.
 */
const taggedTickets = (param: string) =>
  `(select ticket_id as id, updated_at, status, connection_id, queue_id, user_id from ticket_tags where tag_id = ${param}) t`;

/** The page's rows from the index alone: limit + 1 of them, the extra one tells whether more follow. */
function pageSelect(
  filter: TicketFilter,
  page: PageAt<TicketKey>,
  columns: string,
): { text: string; args: Args } {
  const tagged = filter.tagId !== undefined;
  const { where: cond, args } = whereOf(tagged ? { ...filter, tagId: undefined } : filter);
  if (tagged) args.unshift(filter.tagId!);
  const where = [cond, page.after ? "(t.updated_at, t.id) < (?, ?)" : ""].filter(Boolean).join(" and ");
  if (page.after) args.push(...page.after);
  args.push(page.limit + 1, page.after ? 0 : page.offset);
  return {
    text: `select ${columns} from ${tagged ? taggedTickets("?") : "tickets t"}${where ? ` where ${where}` : ""}
        order by t.updated_at desc, t.id desc limit ? offset ?`,
    args,
  };
}

const client = (q: Query) => (q as unknown as Db).$client;

const sqlite: TicketSql = {
  /**
   * `with page as (…)`: the ids of one page (limit + 1 rows) from the index alone — skipped rows cost an index
   * step, not five joins; keyset pages seek past the cursor's (updatedAt, id) in the same indexes as the
   * ORDER BY. Without a page, a few ids (a search's page) are looked up by key, not sorted by an index scan.
   */
  async views(q, filter, page) {
    let text: string;
    let args: Args;
    if (page) {
      const select = pageSelect(filter, page, "t.id");
      text = `with page as (${select.text}) ${VIEW_SELECT.replace("from tickets t", "from page p join tickets t on t.id = p.id")}`;
      args = select.args;
    } else {
      const { where, args: whereArgs } = whereOf(filter);
      text = `${VIEW_SELECT}${where ? ` where ${where}` : ""}${filter.ids ? "" : " order by t.updated_at desc, t.id desc"}`;
      args = whereArgs;
    }
    return client(q)
      .query<TicketViewRow, Args>(text)
      .all(...args);
  },

  async tags(q, ticketIds) {
    return client(q).query<TicketTagRow, [string]>(TAGS_SELECT).all(JSON.stringify(ticketIds));
  },

  /**
   * Summed from the trigger-maintained ticket_counts (O(groups), not O(matching tickets)), the tabs too (its
   * user_id: 0 = none); with a tag, from ticket_tag_counts, the same counters per tag.
   */
  async count(q, filter) {
    // ticket_counts (ticket_tag_counts for a tag) has the filter's columns under the same names (queue_id and
    // user_id 0 = none), so the list's own where clause applies to it.
    const tagged = filter.tagId !== undefined;
    const { where, args } = whereOf({ ...filter, tagId: undefined }, "ticket_counts");
    const conds = [tagged ? "t.tag_id = ?" : "", where].filter(Boolean).join(" and ");
    return (
      client(q)
        .query<{ n: number }, Args>(
          `select coalesce(sum(n), 0) as n from ${tagged ? "ticket_tag_counts" : "ticket_counts"} t${conds ? ` where ${conds}` : ""}`,
        )
        .get(...(tagged ? [filter.tagId!, ...args] : args))?.n ?? 0
    );
  },

  async pageKeys(q, filter, page) {
    const select = pageSelect(filter, page, "t.id, t.updated_at as updatedAt");
    return client(q)
      .query<{ id: number; updatedAt: number }, Args>(select.text)
      .all(...select.args);
  },

  async wireRows(q, ids) {
    return client(q)
      .query<TicketWireRow, number[]>(wireRowsSelect(ids.length))
      .values(...ids) as TicketWireRow[];
  },

  async tagged(q, ids, tagId) {
    return client(q)
      .query<{ id: number }, [string, number]>(
        "select ticket_id as id from ticket_tags where ticket_id in (select value from json_each(?)) and tag_id = ?",
      )
      .all(JSON.stringify(ids), tagId)
      .map((r) => r.id);
  },

  async queueOf(q, id) {
    return (
      client(q)
        .query<{ queueId: number | null }, [number]>("select queue_id as queueId from tickets where id = ?")
        .get(id) ?? undefined
    );
  },

  async queuesOf(q, ids) {
    return client(q)
      .query<{ id: number; queueId: number | null }, [string]>(
        "select id, queue_id as queueId from tickets where id in (select value from json_each(?))",
      )
      .all(JSON.stringify(ids));
  },

  /**
   * The matched ids drive (rowid lookups): the newest `maxMatches` messages of `messages_fts` and contacts of
   * the contact match; `+` keeps SQLite from walking a status or queue index instead.
   */
  async search(q, filter) {
    const limit = Math.max(1, Math.floor(filter.maxMatches));
    const mq = messageMatch(filter.search);
    const contactsHit = contactMatchSql.sqliteWhere(filter.search);
    if (mq === null && contactsHit === null) return [];
    const sources: string[] = [];
    const args: Args = [];
    if (mq !== null) {
      sources.push(
        `select m.ticket_id from messages m where m.pk in
           (select rowid from messages_fts where messages_fts match ? order by rowid desc limit ${limit})`,
      );
      args.push(mq);
    }
    if (contactsHit !== null) {
      sources.push(
        `select s.id from tickets s where s.contact_id in
           (select id from (select c.id from contacts c where ${contactsHit.where}) order by id desc limit ${limit})`,
      );
      args.push(...contactsHit.args);
    }
    const conds = [`t.id in (${sources.join(" union all ")})`];
    for (const [cond, value] of [
      ["+t.status = ?", filter.status],
      ["+t.connection_id = ?", filter.connectionId],
      ["+t.queue_id = ?", filter.queueId],
    ] as const) {
      if (value === undefined) continue;
      conds.push(cond);
      args.push(value);
    }
    const scope = whereOf({ ...filter.scope, byKey: true });
    if (scope.where) {
      conds.push(scope.where);
      args.push(...scope.args);
    }
    return client(q)
      .query<{ id: number; updatedAt: number }, Args>(
        `select t.id, t.updated_at as updatedAt from tickets t where ${conds.join(" and ")}`,
      )
      .all(...args);
  },
};

// ------------------------------------------------------------------------------------------------ PostgreSQL

type Pg = PgDatabase<PgQueryResultHKT>;
const pgOf = (q: Query) => q as unknown as Pg;
const ms = (d: Date) => d.getTime();
const msOrNull = (d: Date | null) => (d === null ? null : d.getTime());

/**
 * `whereOf`'s twin: the tab conditions written as the partial indexes tickets_mine_idx and
 * tickets_unassigned_idx are (`status <> 'closed'` a literal, so the planner can match the index predicate).
 */
function pgWhere(filter: TicketFilter): SQL | undefined {
  const t = pg.tickets;
  const conds: (SQL | undefined)[] = [];
  if (filter.id !== undefined) conds.push(eq(t.id, filter.id));
  if (filter.ids) conds.push(inArray(t.id, filter.ids));
  if (filter.status !== undefined) conds.push(eq(t.status, filter.status));
  if (filter.connectionId !== undefined) conds.push(eq(t.connectionId, filter.connectionId));
  if (filter.queueId !== undefined) conds.push(eq(t.queueId, filter.queueId));
  if (filter.tagId !== undefined)
    conds.push(
      sql`exists (select 1 from ${pg.ticketTags} where ${pg.ticketTags.ticketId} = ${t.id} and ${pg.ticketTags.tagId} = ${filter.tagId})`,
    );
  if (filter.view === "mine") {
    conds.push(eq(t.userId, filter.userId ?? 0));
    conds.push(sql`${t.status} <> 'closed'`);
  } else if (filter.view === "queue") conds.push(sql`${t.status} = 'pending' and ${t.userId} is null`);
  if (filter.queues) conds.push(inArray(sql`coalesce(${t.queueId}, 0)`, filter.queues));
  return conds.length > 0 ? and(...conds) : undefined;
}

/**
 * Past a keyset cursor, as a row value: PostgreSQL seeks the (updated_at, id) indexes to it. The equivalent
 * `updated_at < x or (updated_at = x and id < y)` is only a filter there: the scan started at the newest ticket
 * and read every row before the cursor (EXPLAIN ANALYZE at 5,000 tickets, a cursor mid-list: 2,506 rows removed by
 * the filter, 5.5 ms; as a row value 21 rows, 0.1 ms).
 */
const pgCursor = (after: TicketKey | undefined) => {
  if (!after) return undefined;
  const t = pg.tickets;
  return sql`(${t.updatedAt}, ${t.id}) < (${new Date(after[0]).toISOString()}::timestamptz, ${after[1]})`;
};

const pgQueue = alias(pg.queues, "q");
const pgUser = alias(pg.users, "u");

function pgViewSelect(db: Pg) {
  const t = pg.tickets;
  const c = pg.contacts;
  const w = pg.connections;
  return db
    .select({
      ticket: t,
      contact: c,
      wName: w.name,
      wNumber: w.number,
      qName: pgQueue.name,
      qColor: pgQueue.color,
      uName: pgUser.name,
      uEmail: pgUser.email,
    })
    .from(t)
    .innerJoin(c, eq(c.id, t.contactId))
    .innerJoin(w, eq(w.id, t.connectionId))
    .leftJoin(pgQueue, eq(pgQueue.id, t.queueId))
    .leftJoin(pgUser, eq(pgUser.id, t.userId));
}

type PgViewRow = Awaited<ReturnType<ReturnType<typeof pgViewSelect>["execute"]>>[number];

const pgViewRow = (r: PgViewRow): TicketViewRow => ({
  id: r.ticket.id,
  status: r.ticket.status as TicketStatus,
  contactId: r.ticket.contactId,
  connectionId: r.ticket.connectionId,
  queueId: r.ticket.queueId,
  userId: r.ticket.userId,
  unreadMessages: r.ticket.unreadMessages,
  lastMessage: r.ticket.lastMessage,
  rating: r.ticket.rating,
  ratedAt: msOrNull(r.ticket.ratedAt),
  createdAt: ms(r.ticket.createdAt),
  updatedAt: ms(r.ticket.updatedAt),
  cNumber: r.contact.number,
  cName: r.contact.name,
  cEmail: r.contact.email,
  cPic: r.contact.profilePicUrl,
  cIsGroup: r.contact.isGroup ? 1 : 0,
  cLid: r.contact.lid,
  cCreatedAt: ms(r.contact.createdAt),
  cUpdatedAt: ms(r.contact.updatedAt),
  wName: r.wName,
  wNumber: r.wNumber,
  qName: r.qName,
  qColor: r.qColor,
  uName: r.uName,
  uEmail: r.uEmail,
});

/**
 * The Bun.SQL client under a PostgreSQL body's drizzle object: the pool in a read, the transaction in a write
 * (drizzle's bun-sql session keeps it as `client`), for the raw statements below.
 */
const pgClient = (q: Query) => (q as unknown as { session: { client: BunSQL } }).session.client;

/** A bigint column (Bun.SQL reads int8 as a string) as a number; ids stay below 2^53 as on SQLite. */
const num = (v: unknown) => Number(v);
const numOrNull = (v: unknown) => (v === null ? null : Number(v));
const msOf = (v: unknown) => (v as Date).getTime();
const msOrNullOf = (v: unknown) => (v === null ? null : (v as Date).getTime());

/**
 * `pgWhere` as text with `$n` placeholders (appended to `args`), on alias `t` — `tickets t`, or `ticket_counts t`
 * for a count (same column names, queue_id and user_id 0 = none). The same conditions, written as the partial
 * indexes tickets_mine_idx and tickets_unassigned_idx are.
 */
function pgWhereText(
  filter: TicketFilter,
  args: unknown[],
  on: "tickets" | "ticket_counts" = "tickets",
): string {
  const conds: string[] = [];
  const param = (value: unknown) => {
    args.push(value);
    return `$${args.length}`;
  };
  const list = (values: readonly unknown[]) => values.map(param).join(", ");
  if (filter.id !== undefined) conds.push(`t.id = ${param(filter.id)}`);
  if (filter.ids) conds.push(filter.ids.length > 0 ? `t.id in (${list(filter.ids)})` : "false");
  if (filter.status !== undefined) conds.push(`t.status = ${param(filter.status)}`);
  if (filter.connectionId !== undefined) conds.push(`t.connection_id = ${param(filter.connectionId)}`);
  if (filter.queueId !== undefined) conds.push(`t.queue_id = ${param(filter.queueId)}`);
  if (filter.tagId !== undefined)
    conds.push(
      `exists (select 1 from ticket_tags tt where tt.ticket_id = t.id and tt.tag_id = ${param(filter.tagId)})`,
    );
  if (filter.view === "mine") {
    conds.push(`t.user_id = ${param(filter.userId ?? 0)}`);
    conds.push("t.status <> 'closed'");
  } else if (filter.view === "queue")
    conds.push(`t.status = 'pending' and t.user_id ${on === "tickets" ? "is null" : "= 0"}`);
  if (filter.queues)
    conds.push(filter.queues.length > 0 ? `coalesce(t.queue_id, 0) in (${list(filter.queues)})` : "false");
  return conds.join(" and ");
}

const postgres: TicketSql = {
  async views(q, filter, page) {
    // A tag's page: its keys from the tag's own index (pageKeys), then those tickets.
    if (page && filter.tagId !== undefined) {
      const keys = await postgres.pageKeys(q, filter, page);
      return keys.length > 0 ? postgres.views(q, { ids: keys.map((k) => k.id) }) : [];
    }
    const t = pg.tickets;
    const where = and(pgWhere(filter), pgCursor(page?.after));
    const query = pgViewSelect(pgOf(q)).where(where).orderBy(desc(t.updatedAt), desc(t.id)).$dynamic();
    if (page) query.limit(page.limit + 1).offset(page.after ? 0 : page.offset);
    return (await query).map(pgViewRow);
  },

  async tags(q, ticketIds) {
    if (ticketIds.length === 0) return [];
    const rows: [unknown, unknown, string, string][] = await pgClient(q)
      .unsafe(
        `select tt.ticket_id, g.id, g.name, g.color from ticket_tags tt join tags g on g.id = tt.tag_id
         where tt.ticket_id in (${ticketIds.map((_, k) => `$${k + 1}`).join(", ")})`,
        ticketIds,
      )
      .values();
    return rows.map(([ticketId, id, name, color]) => ({ ticketId: num(ticketId), id: num(id), name, color }));
  },

  async count(q, filter) {
    // ticket_counts (ticket_tag_counts for a tag) has the filter's columns under the same names (queue_id and
    // user_id 0 = none).
    const tagged = filter.tagId !== undefined;
    const args: unknown[] = tagged ? [filter.tagId] : [];
    const where = pgWhereText({ ...filter, tagId: undefined }, args, "ticket_counts");
    const conds = [tagged ? "t.tag_id = $1" : "", where].filter(Boolean).join(" and ");
    const [row] = await pgClient(q)
      .unsafe(
        `select coalesce(sum(t.n), 0) as n from ${tagged ? "ticket_tag_counts" : "ticket_counts"} t${conds ? ` where ${conds}` : ""}`,
        args,
      )
      .values();
    return Number(row?.[0] ?? 0);
  },

  async pageKeys(q, filter, page) {
    const args: unknown[] = [];
    // A tag's tickets from its own index, as on SQLite.
    const tagged = filter.tagId !== undefined;
    if (tagged) args.push(filter.tagId);
    const source = tagged ? taggedTickets("$1") : "tickets t";
    const conds = [pgWhereText(tagged ? { ...filter, tagId: undefined } : filter, args)];
    if (page.after) {
      args.push(new Date(page.after[0]).toISOString(), page.after[1]);
      const [at, id] = [`$${args.length - 1}::timestamptz`, `$${args.length}`];
      conds.push(`(t.updated_at, t.id) < (${at}, ${id})`); // a row value: see pgCursor
    }
    const where = conds.filter(Boolean).join(" and ");
    args.push(page.limit + 1, page.after ? 0 : page.offset);
    const rows: [unknown, unknown][] = await pgClient(q)
      .unsafe(
        `select t.id, t.updated_at from ${source}${where ? ` where ${where}` : ""}
         order by t.updated_at desc, t.id desc limit $${args.length - 1} offset $${args.length}`,
        args,
      )
      .values();
    return rows.map(([id, updatedAt]) => ({ id: num(id), updatedAt: msOf(updatedAt) }));
  },

  async wireRows(q, ids) {
    if (ids.length === 0) return [];
    const rows: unknown[][] = await pgClient(q)
      .unsafe(`${WIRE_ROWS} where t.id in (${ids.map((_, k) => `$${k + 1}`).join(", ")})`, ids)
      .values();
    return rows.map(
      (r) =>
        [
          num(r[0]),
          r[1] as TicketStatus,
          r[2] as string,
          r[3] as number,
          num(r[4]),
          num(r[5]),
          numOrNull(r[6]),
          numOrNull(r[7]),
          r[8] as number | null,
          msOrNullOf(r[9]),
          msOf(r[10]),
          msOf(r[11]),
          r[12] as string,
          r[13] as string,
          r[14] as string,
          r[15] as string | null,
          r[16] ? 1 : 0,
          r[17] as string,
          r[18] as string | null,
          r[19] as string | null,
          r[20] as string | null,
          r[21] as string | null,
          r[22] as string | null,
        ] satisfies TicketWireRow,
    );
  },

  async tagged(q, ids, tagId) {
    if (ids.length === 0) return [];
    const tt = pg.ticketTags;
    const rows = await pgOf(q)
      .select({ id: tt.ticketId })
      .from(tt)
      .where(and(inArray(tt.ticketId, ids), eq(tt.tagId, tagId)));
    return rows.map((r) => r.id);
  },

  async queueOf(q, id) {
    const [row] = await pgOf(q)
      .select({ queueId: pg.tickets.queueId })
      .from(pg.tickets)
      .where(eq(pg.tickets.id, id));
    return row;
  },

  async queuesOf(q, ids) {
    return pgOf(q)
      .select({ id: pg.tickets.id, queueId: pg.tickets.queueId })
      .from(pg.tickets)
      .where(inArray(pg.tickets.id, ids));
  },

  /**
   * The newest `maxMatches` matching messages (the tsvector index of messages_body_search_idx, as message
   * search reads it) and contacts (pg_trgm on the folded name and the number), then their tickets.
   */
  async search(q, filter) {
    const limit = Math.max(1, Math.floor(filter.maxMatches));
    const text = messageTsQuery(searchWords(filter.search));
    const contactsHit = contactMatchSql.postgresWhere(filter.search);
    if (text === null && contactsHit === null) return [];
    const sources: SQL[] = [];
    if (text !== null)
      sources.push(
        sql`select m.ticket_id from messages m where m.pk in (select pk from messages where to_tsvector('simple', chasqui_fold(body)) @@ to_tsquery('simple', chasqui_fold(${text})) order by pk desc limit ${limit})`,
      );
    if (contactsHit !== null)
      sources.push(
        sql`select s.id from tickets s where s.contact_id in (select c.id from contacts c where ${contactsHit} order by c.id desc limit ${limit})`,
      );
    const t = pg.tickets;
    const rows = await pgOf(q)
      .select({ id: t.id, updatedAt: t.updatedAt })
      .from(t)
      .where(
        and(
          sql`${t.id} in (${sql.join(sources, sql` union all `)})`,
          filter.status === undefined ? undefined : eq(t.status, filter.status as TicketStatus),
          filter.connectionId === undefined ? undefined : eq(t.connectionId, filter.connectionId),
          filter.queueId === undefined ? undefined : eq(t.queueId, filter.queueId),
          pgWhere(filter.scope),
        ),
      );
    return rows.map((r) => ({ id: r.id, updatedAt: ms(r.updatedAt) }));
  },
};

export const ticketSql: Record<Dialect, TicketSql> = { sqlite, postgres };
