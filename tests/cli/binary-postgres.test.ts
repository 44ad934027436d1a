// The compiled binary with DATABASE_URL: the PostgreSQL migrations are embedded in it (src/db/pg/migrations.generated.ts),
// so an empty database is migrated by the binary alone, with no drizzle-pg/ folder anywhere near it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embeddedMigrations } from "../../src/db/pg/migrations.generated";
import { compiledBinary } from "../support/binary";
import { startChild } from "../support/child-server";
import { createTestDatabase, testCluster } from "../support/postgres";

const work = mkdtempSync(join(tmpdir(), "chasqui-bin-pg-"));
let binary = "";

beforeAll(async () => {
  [binary] = await Promise.all([compiledBinary(), testCluster()]);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

test("the binary migrates an empty PostgreSQL from its embedded migrations and reports it ready", async () => {
  await using db = await createTestDatabase();
  const child = await startChild(
    [binary, "serve"],
    {
      DATA_DIR: join(work, "data"),
      API_TOKEN: "binary-pg-admin-token-0123456789",
      DATABASE_URL: db.url,
      NODE_ID: "bin-node",
    },
    30_000,
  );
  try {
    const ready = await fetch(`${child.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { postgres: unknown }).postgres).toMatchObject({
      node: "bin-node",
      database: "ok",
      migrations: "ok",
    });
    const [row] = await db.sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    expect(row.n).toBe(embeddedMigrations.length);
  } finally {
    child.proc.kill("SIGTERM");
    expect(await child.proc.exited).toBe(0);
  }
}, 90_000);
