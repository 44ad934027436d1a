// The contact list's statements and the contact search, one named implementation per dialect (docs/CLUSTER.md
// §3(c)). SQLite runs the raw statements the synchronous service ran, text unchanged (tests/db/query-plans.test.ts
// plans them): the trigram FTS5 table `contacts_fts`, `json_each` id lists, the trigger-kept `row_counts`.
// PostgreSQL reads the pg_trgm indexes on `chasqui_fold(name)` and `number` (drizzle-pg/0000_init.sql) with
// drizzle's builders, and answers the same shapes.
import { and, asc, count, eq, type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { PageAt } from "../../domain/paging";
import { contactMatch, likeContains } from "../../domain/search/fts-query";
import type { Db } from "../client";
import * as pg from "../pg/schema";
import type { contacts } from "../schema";
import type { Dialect, Query } from "../store";

export type Contact = typeof contacts.$inferSelect;

/** The contact list's ORDER BY key: name, id. */
export type ContactKey = readonly [string, number];

/**
 * PostgreSQL: the contacts after a keyset position `(name, id)`, in the lists' order; none when there is none. A
 * row value, so the scan seeks contacts_name_idx to the cursor (`name > x or (name = x and id > y)` is only a
 * filter: the scan read every contact before the cursor).
 */
const afterKey = (after: ContactKey | undefined) =>
  after ? sql`(${pg.contacts.name}, ${pg.contacts.id}) > (${after[0]}, ${after[1]})` : undefined;

export type ContactSql = {
  /** Every contact (the trigger-kept row count). */
  count(q: Query): Promise<number>;
  /** limit + 1 contacts by name from an offset or past a keyset cursor's (name, id), in that order. */
  page(q: Query, page: PageAt<ContactKey>): Promise<Contact[]>;
  /**
   * The contacts a search matches (name or number, no regard to case or diacritics): how many, and limit + 1 of
   * their ids by name from an offset or past a cursor. Null when the text has nothing to search for.
   */
  searchCount(q: Query, search: string): Promise<number | null>;
  searchPage(q: Query, search: string, page: PageAt<ContactKey>): Promise<number[] | null>;
};

// ---------------------------------------------------------------------------------------------------- SQLite

type ContactRow = {
  id: number;
  number: string;
  name: string;
  email: string;
  pic: string | null;
  isGroup: number;
  lid: string | null;
  createdAt: number;
  updatedAt: number;
};

const contactOfRow = (r: ContactRow): Contact => ({
  id: r.id,
  number: r.number,
  name: r.name,
  email: r.email,
  profilePicUrl: r.pic,
  isGroup: r.isGroup === 1,
  lid: r.lid,
  createdAt: new Date(r.createdAt),
  updatedAt: new Date(r.updatedAt),
});

const client = (q: Query) => (q as unknown as Db).$client;

/**
 * A search as a where clause on `contacts c` (SQLite): words of three characters or more through the trigram
 * index `contacts_fts`, shorter ones with LIKE on the rows the long ones found (or on every contact).
 */
function sqliteWhere(search: string): { where: string; args: string[] } | null {
  const m = contactMatch(search);
  if (!m) return null;
  const conds: string[] = [];
  const args: string[] = [];
  if (m.match !== null) {
    conds.push("c.id in (select rowid from contacts_fts where contacts_fts match ?)");
    args.push(m.match);
  }
  for (const word of m.shortWords) {
    conds.push("(c.name like ? escape '\\' or c.number like ? escape '\\')");
    args.push(likeContains(word), likeContains(word));
  }
  return { where: conds.join(" and "), args };
}

const sqlite: ContactSql = {
  async count(q) {
    return (
      client(q).query<{ n: number }, []>("select n from row_counts where name = 'contacts'").get()?.n ?? 0
    );
  },

  async page(q, page) {
    const db = client(q);
    if (page.after)
      // A keyset page in one statement: the seek in contacts_name_idx gives the order, each row by its rowid.
      return db
        .query<ContactRow, [string, number, number]>(
          `select id, number, name, email, profile_pic_url as pic, is_group as isGroup, lid, created_at as createdAt,
        updated_at as updatedAt from contacts where (name, id) > (?, ?) order by name, id limit ?`,
        )
        .all(page.after[0], page.after[1], page.limit + 1)
        .map(contactOfRow);
    // An offset page skips its rows in the index alone, then reads only the page's rows.
    const ids = db
      .query<{ id: number }, [number, number]>("select id from contacts order by name, id limit ? offset ?")
      .all(page.limit + 1, page.offset)
      .map((r) => r.id);
    const byId = new Map(
      db
        .query<ContactRow, [string]>(
          `select id, number, name, email, profile_pic_url as pic, is_group as isGroup, lid, created_at as createdAt,
        updated_at as updatedAt from contacts where id in (select value from json_each(?))`,
        )
        .all(JSON.stringify(ids))
        .map((r) => [r.id, contactOfRow(r)]),
    );
    return ids.map((id) => byId.get(id)).filter((c): c is Contact => c !== undefined);
  },

  async searchCount(q, search) {
    const m = sqliteWhere(search);
    if (!m) return null;
    return (
      client(q)
        .query<{ n: number }, string[]>(`select count(*) as n from contacts c where ${m.where}`)
        .get(...m.args)?.n ?? 0
    );
  },

  async searchPage(q, search, page) {
    const m = sqliteWhere(search);
    if (!m) return null;
    return client(q)
      .query<{ id: number }, (string | number)[]>(
        `select c.id from contacts c where ${m.where}${page.after ? " and (c.name, c.id) > (?, ?)" : ""} order by c.name, c.id limit ? offset ?`,
      )
      .all(...m.args, ...(page.after ?? []), page.limit + 1, page.after ? 0 : page.offset)
      .map((r) => r.id);
  },
};

// ------------------------------------------------------------------------------------------------ PostgreSQL

type Pg = PgDatabase<PgQueryResultHKT>;
const pgOf = (q: Query) => q as unknown as Pg;

/**
 * A search as a condition on `contacts` (PostgreSQL): every word a substring of the folded name
 * (`contacts_name_search_idx`) or of the number (`contacts_number_search_idx`); a phone number typed with
 * spaces, dashes or `+` is one substring of digits, of the number only — as on SQLite.
 */
function postgresWhere(search: string, table: "c" | "contacts" = "c"): SQL | null {
  const m = contactMatch(search);
  if (!m) return null;
  const name = sql.raw(`${table}.name`);
  const number = sql.raw(`${table}.number`);
  const digits = m.match?.startsWith("number : ") ? search.replace(/\D/g, "") : null;
  if (digits !== null) return sql`${number} like ${likeContains(digits)} escape '\\'`;
  // The words `contactMatch` took: all of them, or the digits of a short phone number.
  const words = m.match === null ? m.shortWords : search.trim().split(/\s+/).filter(Boolean).slice(0, 16);
  return sql.join(
    words.map(
      (w) =>
        sql`(chasqui_fold(${name}) like chasqui_fold(${likeContains(w)}) escape '\\' or ${number} like ${likeContains(w)} escape '\\')`,
    ),
    sql` and `,
  );
}

const postgres: ContactSql = {
  async count(q) {
    const [row] = await pgOf(q)
      .select({ n: pg.rowCounts.n })
      .from(pg.rowCounts)
      .where(eq(pg.rowCounts.name, "contacts"));
    return Number(row?.n ?? 0);
  },

  async page(q, page) {
    const c = pg.contacts;
    return pgOf(q)
      .select()
      .from(c)
      .where(afterKey(page.after))
      .orderBy(asc(c.name), asc(c.id))
      .limit(page.limit + 1)
      .offset(page.after ? 0 : page.offset);
  },

  async searchCount(q, search) {
    const where = postgresWhere(search, "contacts");
    if (!where) return null;
    const [row] = await pgOf(q).select({ n: count() }).from(pg.contacts).where(where);
    return Number(row?.n ?? 0);
  },

  async searchPage(q, search, page) {
    const where = postgresWhere(search, "contacts");
    if (!where) return null;
    const c = pg.contacts;
    const rows = await pgOf(q)
      .select({ id: c.id })
      .from(c)
      .where(and(where, afterKey(page.after)))
      .orderBy(asc(c.name), asc(c.id))
      .limit(page.limit + 1)
      .offset(page.after ? 0 : page.offset);
    return rows.map((r) => r.id);
  },
};

export const contactSql: Record<Dialect, ContactSql> = { sqlite, postgres };

/** The contact match as a condition on `contacts c`, for the ticket search of each dialect. */
export const contactMatchSql = { sqliteWhere, postgresWhere: (search: string) => postgresWhere(search, "c") };
