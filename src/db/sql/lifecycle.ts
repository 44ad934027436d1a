// The message lifecycle's raw SQL, one named implementation per dialect (docs/CLUSTER.md §3(c)). SQLite: the
// statement the synchronous service ran, text unchanged (tests/db/query-plans.test.ts plans it), on the connection
// the store handed the body. PostgreSQL: the same rows by primary key with a builder over src/db/pg/schema.ts.
import { inArray } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Db } from "../client";
import * as pg from "../pg/schema";
import type { Dialect, Query } from "../store";

/** A reaction row as SQLite stores it (`fromMe` 0/1). */
export type ReactionRow = {
  messagePk: number;
  reactor: string;
  fromMe: number;
  name: string | null;
  emoji: string;
  timestamp: number;
};

export type LifecycleSql = {
  /** The reactions of these messages (a page's), in no particular order. */
  reactionsOf(q: Query, pks: number[]): Promise<ReactionRow[]>;
};

/** The SQLite statement on a connection. */
const sqliteReactionsOf = (db: Db, pks: number[]): ReactionRow[] =>
  db.$client
    .query<ReactionRow, [string]>(
      `select message_pk as messagePk, reactor, from_me as fromMe, name, emoji, timestamp from message_reactions
     where message_pk in (select value from json_each(?))`,
    )
    .all(JSON.stringify(pks));

const sqlite: LifecycleSql = {
  async reactionsOf(q, pks) {
    return sqliteReactionsOf(q as unknown as Db, pks);
  },
};

const postgres: LifecycleSql = {
  async reactionsOf(q, pks) {
    const t = pg.messageReactions;
    const rows = await (q as unknown as PgDatabase<PgQueryResultHKT>)
      .select({
        messagePk: t.messagePk,
        reactor: t.reactor,
        fromMe: t.fromMe,
        name: t.name,
        emoji: t.emoji,
        timestamp: t.timestamp,
      })
      .from(t)
      .where(inArray(t.messagePk, pks));
    return rows.map((r) => ({ ...r, messagePk: Number(r.messagePk), fromMe: r.fromMe ? 1 : 0 }));
  },
};

export const lifecycleSql: Record<Dialect, LifecycleSql> = { sqlite, postgres };
