// The PostgreSQL store's migrations (drizzle-pg/, embedded at build time like the SQLite ones), applied with
// drizzle's own bookkeeping table (drizzle.__drizzle_migrations). Several nodes may start at once on one
// database: a session advisory lock makes them migrate one after the other.
import { createHash } from "node:crypto";
import type { ReservedSQL, SQL } from "bun";
import { drizzle } from "drizzle-orm/bun-sql";
import type { MigrationMeta } from "drizzle-orm/migrator";
import { NewerDatabaseError } from "../migrate";
import { embeddedMigrations } from "./migrations.generated";

/** pg_advisory_lock key of the migration lock: "chasqui" in ASCII, a constant every node agrees on. */
const MIGRATION_LOCK_KEY = 0x63686173717569n;

/** Applies the embedded PostgreSQL migrations that this database lacks. */
export async function migratePostgres(client: SQL): Promise<void> {
  // The advisory lock belongs to a session: hold one connection of the pool for lock, migrate and unlock.
  const conn: ReservedSQL = await client.reserve();
  try {
    await conn`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await assertNotNewerPostgres(conn);
      const metas: MigrationMeta[] = embeddedMigrations.map((m) => ({
        sql: m.sql.split("--> statement-breakpoint"),
        bps: m.breakpoints,
        folderMillis: m.when,
        hash: createHash("sha256").update(m.sql).digest("hex"),
      }));
      const db = drizzle({ client: conn as unknown as SQL });
      // drizzle's dialect.migrate is what its file-based migrator calls after reading the folder.
      const internal = db as unknown as {
        dialect: { migrate(m: MigrationMeta[], session: unknown, config: object): Promise<void> };
        session: unknown;
      };
      await internal.dialect.migrate(metas, internal.session, { migrationsFolder: "embedded" });
    } finally {
      await conn`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    conn.release();
  }
}

/** Like the SQLite store: refuse a database migrated by a newer Chasqui (rows identified by created_at). */
async function assertNotNewerPostgres(conn: ReservedSQL): Promise<void> {
  const [table] = await conn`select to_regclass('drizzle.__drizzle_migrations') is not null as present`;
  if (!table?.present) return;
  const rows: { created_at: string }[] = await conn`
    select created_at::text as created_at from drizzle.__drizzle_migrations m order by m.created_at`;
  const known = new Set(embeddedMigrations.map((m) => m.when));
  const unknown = rows.filter((r) => !known.has(Number(r.created_at)));
  if (unknown.length === 0) return;
  const newest = new Date(Number(unknown[unknown.length - 1]!.created_at)).toISOString();
  throw new NewerDatabaseError(
    `this database was migrated by a newer Chasqui (${unknown.length} migration${unknown.length === 1 ? "" : "s"} this version does not know, the newest from ${newest}); use that version or restore a backup`,
  );
}
