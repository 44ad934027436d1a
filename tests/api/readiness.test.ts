import { expect, test } from "bun:test";
import { createTestApp, type TestApp } from "../support/test-app";

/**
 * What a node on PostgreSQL adds to the body (STORE=postgres): its id and address, the PostgreSQL checks and the
 * areas not on PostgreSQL yet; nothing on SQLite.
 */
const postgresPart = (t: TestApp, migrations: "ok" | "pending" = "ok") =>
  t.postgres
    ? {
        postgres: {
          node: "test-node",
          address: "http://chasqui.test",
          database: "ok",
          migrations,
          notYet: expect.any(Array),
        },
      }
    : {};

test("ready: the store answers and migrations ran; connections not CONNECTED are listed", async () => {
  await using t = createTestApp();
  await t.sandbox();
  // A Baileys connection dials a closed port in tests: it stays OPENING.
  const phone = await t.post("/api/v1/connections", { name: "Soporte", driver: "baileys" });
  expect(phone.status).toBe(201);
  const r = await t.get("/health/ready", null);
  expect(r.status).toBe(200);
  expect(r.body).toEqual({
    ready: true,
    checks: { database: "ok", migrations: "ok", media: "ok" },
    media: { store: "local", error: null },
    connections: [{ id: phone.body.id, name: "Soporte", status: "OPENING" }],
    readFront: null,
    outbox: { pending: 0, oldestPendingAgeSeconds: 0, stuck: false, dispatcherRunning: false },
    ...postgresPart(t),
  });
});

test("an undelivered delivery older than OUTBOX_STUCK_AFTER_MS makes the outbox stuck, not the server unready", async () => {
  let now = Date.parse("2026-03-01T10:00:00Z");
  await using t = createTestApp({ OUTBOX_STUCK_AFTER_MS: "600000" }, { clock: () => now });
  const conn = await t.sandbox();
  // Stored and never sent: the dispatcher is not running and the receiver does not exist.
  await t.post(`/api/v1/connections/${conn.id}/webhooks`, { url: "https://receiver.example/hook" });
  await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595991000001", body: "hola" });
  const fresh = await t.get("/health/ready", null);
  expect(fresh.body.outbox.stuck).toBe(false);
  expect(fresh.body.outbox.pending).toBeGreaterThan(0);

  now += 11 * 60_000;
  const old = await t.get("/health/ready", null);
  expect(old.status).toBe(200);
  expect(old.body.outbox).toEqual({
    pending: fresh.body.outbox.pending,
    oldestPendingAgeSeconds: 660,
    stuck: true,
    dispatcherRunning: false,
  });
});

test("503 while a migration is missing, 200 again once it is applied", async () => {
  await using t = createTestApp();
  const sqlite = t.db.$client;
  const last = sqlite.query("SELECT * FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1").get() as {
    hash: string;
    created_at: number;
  };
  sqlite.query("DELETE FROM __drizzle_migrations WHERE created_at = ?").run(last.created_at);
  const pending = await t.get("/health/ready", null);
  expect(pending.status).toBe(503);
  expect(pending.body).toEqual({
    ready: false,
    checks: { database: "ok", migrations: "pending", media: "ok" },
    media: { store: "local", error: null },
    connections: [],
    readFront: null,
    outbox: null,
    ...postgresPart(t),
  });
  sqlite
    .query("INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)")
    .run(last.hash, last.created_at);
  expect((await t.get("/health/ready", null)).status).toBe(200);
  if (!t.postgres) return;
  // A node on PostgreSQL: the same for the cluster's database.
  const sql = t.postgres.sql;
  const [newest] = (await sql`select id, hash, created_at from drizzle.__drizzle_migrations
    order by created_at desc limit 1`) as { id: number; hash: string; created_at: string }[];
  await sql`delete from drizzle.__drizzle_migrations where id = ${newest!.id}`;
  const pgPending = await t.get("/health/ready", null);
  expect(pgPending.status).toBe(503);
  expect(pgPending.body).toMatchObject({
    ready: false,
    checks: { database: "ok", migrations: "pending" },
    connections: [],
    outbox: null,
    ...postgresPart(t, "pending"),
  });
  await sql`insert into drizzle.__drizzle_migrations (id, hash, created_at)
    values (${newest!.id}, ${newest!.hash}, ${newest!.created_at})`;
  expect((await t.get("/health/ready", null)).status).toBe(200);
});

test("503 when the store cannot answer; /health (liveness) still answers 200", async () => {
  const t = createTestApp();
  try {
    t.db.$client.close();
    const r = await t.get("/health/ready", null);
    expect(r.status).toBe(503);
    expect(r.body).toEqual({
      ready: false,
      checks: { database: "error", migrations: "unknown", media: "ok" },
      media: { store: "local", error: null },
      connections: [],
      readFront: null,
      outbox: null,
      ...postgresPart(t),
    });
    expect((await t.get("/health", null)).status).toBe(200);
  } finally {
    await t[Symbol.asyncDispose]().catch(() => {});
  }
});
