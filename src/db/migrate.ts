import { createHash } from "node:crypto";
import type { MigrationMeta } from "drizzle-orm/migrator";
import type { Db } from "./client";
import { embeddedMigrations } from "./migrations.generated";

/** Applies the migrations embedded at build time, with drizzle's own bookkeeping table. */
export function migrate(db: Db): void {
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
}
