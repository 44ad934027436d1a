import { defineConfig } from "drizzle-kit";

// The PostgreSQL store's migrations (docs/CLUSTER.md): `bunx drizzle-kit generate --config drizzle.pg.config.ts`,
// then `bun scripts/gen-migrations.ts` embeds them like the SQLite ones (drizzle.config.ts).
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/pg/schema.ts",
  out: "./drizzle-pg",
});
