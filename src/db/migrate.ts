import type { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import type { MigrationMeta } from "drizzle-orm/migrator";
import type { Db } from "./client";
import { embeddedMigrations } from "./migrations.generated";

const MIGRATIONS_TABLE = "__drizzle_migrations";

/** A database this binary must not touch: a newer Chasqui applied migrations it does not know. */
export class NewerDatabaseError extends Error {}

/** Applies the migrations embedded at build time, with drizzle's own bookkeeping table. */
export function migrate(db: Db): void {
  // Refuses a database a newer Chasqui migrated (assertNotNewer), before anything is applied.
  const applying = pendingMigrations(db.$client).length;
  const metas: MigrationMeta[] = embeddedMigrations.map((m) => ({
    sql: m.sql.split("--> statement-breakpoint"),
    bps: m.breakpoints,
    folderMillis: m.when,
    hash: createHash("sha256").update(m.sql).digest("hex"),
  }));
  // drizzle's dialect.migrate is what its file-based migrator calls after reading the folder.
  const internal = db as unknown as {
    dialect: { migrate(m: MigrationMeta[], session: unknown, config: object): void };
    session: unknown;
  };
  internal.dialect.migrate(metas, internal.session, { migrationsFolder: "embedded" });
  if (applying > 0) restoreStatistics(db.$client);
}

/**
 * A migration that rebuilds an index drops that index's planner statistics (`sqlite_stat1`, written by ANALYZE or
 * `PRAGMA optimize`). A database without statistics is planned on SQLite's defaults, which our queries are written
 * (and EXPLAIN-tested) for; but one whose tables were measured and whose rebuilt indexes were not mixes the two, and
 * the planner can trust a guess over a measure: after the list indexes were rebuilt, a page's 21 tickets by id were
 * looked up by walking every ticket of their connection (10 ms instead of 0.1). So after migrating, each measured
 * table with an unmeasured index is measured again (`analysis_limit` keeps it to a sample: milliseconds, not a scan).
 */
export function restoreStatistics(sqlite: Database): void {
  const measured = sqlite
    .query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
    .get();
  if (!measured) return;
  const tables = sqlite
    .query<{ tbl: string }, []>(
      `SELECT DISTINCT m.tbl_name AS tbl FROM sqlite_master m
       WHERE m.type = 'index' AND m.tbl_name IN (SELECT tbl FROM sqlite_stat1)
         AND m.name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL)`,
    )
    .all();
  if (tables.length === 0) return;
  const limit = sqlite.query<{ analysis_limit: number }, []>("PRAGMA analysis_limit").get()!.analysis_limit;
  sqlite.exec("PRAGMA analysis_limit = 1000");
  try {
    for (const { tbl } of tables) sqlite.exec(`ANALYZE "${tbl.replaceAll('"', '""')}"`);
  } finally {
    sqlite.exec(`PRAGMA analysis_limit = ${limit}`);
  }
}

type AppliedRow = { hash: string; created_at: number };

function appliedRows(sqlite: Database): AppliedRow[] {
  const table = sqlite
    .query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(MIGRATIONS_TABLE);
  if (!table) return [];
  return sqlite
    .query(`SELECT hash, created_at FROM ${MIGRATIONS_TABLE} ORDER BY created_at`)
    .all() as AppliedRow[];
}

/**
 * drizzle applies every embedded migration newer than the last row's `created_at` and silently ignores
 * rows it does not know, so an older binary would run on a newer schema. A row is identified by its
 * `created_at` (the migration's folder timestamp), not its hash: that stays stable if a migration's text
 * is ever re-formatted.
 */
export function assertNotNewer(sqlite: Database): void {
  const known = new Set(embeddedMigrations.map((m) => m.when));
  const unknown = appliedRows(sqlite).filter((r) => !known.has(Number(r.created_at)));
  if (unknown.length === 0) return;
  const newest = new Date(Number(unknown[unknown.length - 1]!.created_at)).toISOString();
  throw new NewerDatabaseError(
    `this database was migrated by a newer Chasqui (${unknown.length} migration${unknown.length === 1 ? "" : "s"} this version does not know, the newest from ${newest}); use that version or restore a backup`,
  );
}

/** The embedded migrations `migrate` would apply now, oldest first, without applying them. */
export function pendingMigrations(sqlite: Database | undefined): { tag: string; when: number }[] {
  if (sqlite) assertNotNewer(sqlite);
  const last = sqlite ? appliedRows(sqlite).at(-1) : undefined;
  const lastWhen = last ? Number(last.created_at) : -1;
  return embeddedMigrations.filter((m) => m.when > lastWhen).map(({ tag, when }) => ({ tag, when }));
}

/** True when the file holds drizzle's migrations table, i.e. it was created by Chasqui. */
export function isChasquiDatabase(sqlite: Database): boolean {
  return appliedRows(sqlite).length > 0;
}
