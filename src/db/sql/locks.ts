// Locks a write body takes where a check-then-write must not interleave with another node's (docs/CLUSTER.md §3).
// SQLite has one writer: a body already runs alone, so these do nothing there. PostgreSQL runs bodies concurrently
// in READ COMMITTED, where two bodies that each read "no default connection" both write one; a transaction-level
// advisory lock makes the second wait for the first's commit, and its next statement then sees the first's rows.
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Dialect, Query } from "../store";

/** The advisory lock keys Chasqui takes (`pg_advisory_xact_lock(CHASQUI, key)`), one per rule they protect. */
const CHASQUI = 0x63686173; // "chas"
const LOCKS = {
  /** At most one connection is the default: create, update of `isDefault`, delete. */
  defaultConnection: 1,
} as const;

/** Holds `name`'s lock until the body's transaction ends (PostgreSQL); nothing on SQLite. */
export async function lockFor(q: Query, dialect: Dialect, name: keyof typeof LOCKS): Promise<void> {
  if (dialect !== "postgres") return;
  await (q as unknown as PgDatabase<PgQueryResultHKT>).execute(
    sql`select pg_advisory_xact_lock(${CHASQUI}::int, ${LOCKS[name]}::int)`,
  );
}
