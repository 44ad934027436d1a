import { expect } from "bun:test";
import { createHash } from "node:crypto";
import type { MigrationMeta } from "drizzle-orm/migrator";
import type { openDatabase } from "../../src/db/client";
import { embeddedMigrations } from "../../src/db/migrations.generated";

/** Applies the embedded migrations before `tag` the way `migrate` does, with drizzle's bookkeeping. */
export function migrateBefore(db: ReturnType<typeof openDatabase>, tag: string) {
  const upto = embeddedMigrations.findIndex((m) => m.tag === tag);
  expect(upto).toBeGreaterThan(0);
  const metas: MigrationMeta[] = embeddedMigrations.slice(0, upto).map((m) => ({
    sql: m.sql.split("--> statement-breakpoint"),
    bps: m.breakpoints,
    folderMillis: m.when,
    hash: createHash("sha256").update(m.sql).digest("hex"),
  }));
  const internal = db as unknown as {
    dialect: { migrate(m: MigrationMeta[], session: unknown, config: object): void };
    session: unknown;
  };
  internal.dialect.migrate(metas, internal.session, { migrationsFolder: "embedded" });
}
