// The webhook dispatcher on PostgreSQL with several "nodes" (each a dispatcher with its own Bun.SQL pool) sharing
// one outbox, delivering to a real HTTP receiver on 127.0.0.1. Events are written as the PostgreSQL event sink
// writes them (tests/support/pg-events.ts). Expired claims are made by moving `locked_until` into the past (database time), never by waiting.
import { describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { createLogger } from "../../src/logger";
import { createPgDispatchStore } from "../../src/webhooks/dispatch-store";
import { createDispatcher } from "../../src/webhooks/dispatcher";
import { createThreadedDispatcher } from "../../src/webhooks/dispatcher-thread";
import { pgWakeups } from "../../src/webhooks/pg-wakeups";
import { createReceiverPolicy } from "../../src/webhooks/receiver-policy";
import { pgOutbox, storeEvent } from "../support/pg-events";
import { createMigratedDatabase, type TestDatabase } from "../support/postgres";
import { startReceiver } from "../webhooks/receiver";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const logger = createLogger("silent");
const receivers = createReceiverPolicy({ allowPrivate: true, allowedHosts: [], lookupTimeoutMs: 1000 });

async function until(what: string, cond: () => boolean | Promise<boolean>, deadlineMs = 30_000) {
  const end = Date.now() + deadlineMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** A node: its own pool, a dispatcher over the PostgreSQL store, woken by the channels. */
function node(
  db: TestDatabase,
  name: string,
  opts: { pollIntervalMs?: number; leaseMs?: number; window?: number } = {},
) {
  const sql = new SQL({ url: db.url, max: 3 });
  const leaseMs = opts.leaseMs ?? 30_000;
  const dispatcher = createDispatcher({
    store: createPgDispatchStore(sql, { leaseMs, batchSize: 5, clock: Date.now, holder: name }),
    events: pgWakeups(sql),
    logger,
    receivers,
    timeoutMs: 10_000,
    maxAttempts: 5,
    retryBaseMs: 20,
    concurrency: 4,
    window: opts.window ?? 1,
    leaseMs,
    pollIntervalMs: opts.pollIntervalMs ?? 600_000,
    stopGraceMs: 5_000,
  });
  return {
    sql,
    dispatcher,
    async [Symbol.asyncDispose]() {
      await dispatcher.stop();
      await sql.close();
    },
  };
}

const setup = (db: TestDatabase, urls: string[]) => pgOutbox(db.sql, urls, SECRET);

const deliveries = async (db: TestDatabase) =>
  (await db.sql`select id::int as id, status, attempts from webhook_deliveries order by id`) as {
    id: number;
    status: string;
    attempts: number;
  }[];

describe("webhook dispatcher on PostgreSQL, several nodes", () => {
  test("two nodes deliver every delivery exactly once, with stable event ids, valid signatures and each webhook's events in order", async () => {
    await using db = await createMigratedDatabase();
    await using r1 = startReceiver();
    await using r2 = startReceiver();
    await setup(db, [r1.url, r2.url]);
    await using a = node(db, "node-a");
    await using b = node(db, "node-b");
    a.dispatcher.start();
    b.dispatcher.start();
    const written: { id: string; body: string }[] = [];
    // Written through both nodes' pools, several chats.
    for (let i = 0; i < 30; i++) written.push(await storeEvent(i % 2 ? a.sql : b.sql, 1 + (i % 3), i));
    await until("60 deliveries", async () => (await deliveries(db)).every((d) => d.status === "delivered"));
    for (const r of [r1, r2]) {
      expect(r.requests.map((q) => q.id)).toEqual(written.map((w) => w.id));
      for (const [i, q] of r.requests.entries()) {
        expect(q.body).toBe(written[i]!.body);
        expect(() => r.verify(q, SECRET)).not.toThrow();
      }
    }
    expect((await deliveries(db)).map((d) => d.attempts)).toEqual(Array(60).fill(1));
  }, 60_000);

  test("a node that dies mid-delivery (no release, no heartbeat) has its claim taken over by the other once the lease ran out", async () => {
    await using db = await createMigratedDatabase();
    let hang = true;
    await using r = startReceiver(() => (hang ? "hang" : new Response("ok")));
    await setup(db, [r.url]);
    await using b = node(db, "node-b");
    const a = node(db, "node-a");
    a.dispatcher.start();
    const event = await storeEvent(a.sql, 1, 1);
    await until("node a's request", () => r.requests.length === 1);
    // Node a dies: its database connections go first, so nothing it does afterwards is stored.
    await a.sql.close();
    await a.dispatcher.stop(0);
    hang = false;
    expect((await deliveries(db))[0]!.status).toBe("delivering");
    b.dispatcher.start();
    // Not b's while a's lease holds: b's first pass finds nothing due (the row is leased, the lane a's) and b
    // sleeps until the lease's expiry, 30 s away.
    await until("b's pass", async () => {
      const [row] = (await db.sql`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and query ilike 'listen%'`) as { n: number }[];
      return row!.n > 0;
    });
    expect(r.requests).toHaveLength(1);
    expect((await deliveries(db))[0]!.attempts).toBe(1);
    // The lease and the lane run out (database time); a retry or any wake-up lets b take it.
    await db.sql`update webhook_deliveries set locked_until = (extract(epoch from now()) * 1000)::bigint - 1`;
    await db.sql`update webhook_lanes set locked_until = (extract(epoch from now()) * 1000)::bigint - 1`;
    await db.sql`select pg_notify('chasqui_wake', '')`;
    await until("b's delivery", async () => (await deliveries(db))[0]!.status === "delivered");
    expect(r.requests.map((q) => q.id)).toEqual([event.id, event.id]);
    expect(r.requests[1]!.body).toBe(event.body);
    expect((await deliveries(db))[0]!.attempts).toBe(2);
  }, 60_000);

  test("an event written through one node's connection wakes the other node's dispatcher (no poll)", async () => {
    await using db = await createMigratedDatabase();
    await using r = startReceiver();
    await setup(db, [r.url]);
    await using writer = node(db, "node-a");
    await using b = node(db, "node-b");
    b.dispatcher.start();
    // b listens (its LISTEN was the last statement of a session); from now on only a notification can wake it
    // within this test (its poll is 10 minutes away, its first pass found nothing).
    await until("b's LISTEN", async () => {
      const [row] = (await db.sql`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and query ilike 'listen%'`) as { n: number }[];
      return row!.n > 0;
    });
    const event = await storeEvent(writer.sql, 1, 1);
    await until("the delivery", () => r.requests.length === 1);
    expect(r.requests[0]!.id).toBe(event.id);
  }, 60_000);

  test("the dispatcher thread on PostgreSQL (its own pool from the URL) delivers what another node wrote", async () => {
    await using db = await createMigratedDatabase();
    await using r = startReceiver();
    await setup(db, [r.url]);
    const settled: number[] = [];
    const local = { subscribe: () => () => {}, onWake: () => () => {} };
    const threaded = createThreadedDispatcher({
      events: local,
      logger,
      settings: {
        databasePath: "",
        databaseUrl: db.url,
        logLevel: "silent",
        logFormat: "json",
        timeoutMs: 10_000,
        maxAttempts: 5,
        retryBaseMs: 20,
        concurrency: 4,
        window: 8,
        leaseMs: 30_000,
        allowPrivate: true,
        allowedHosts: [],
      },
    });
    threaded.onSettled((s) => settled.push(s.id));
    threaded.start();
    try {
      const events: string[] = [];
      for (let i = 0; i < 5; i++) events.push((await storeEvent(db.sql, 1, i)).id);
      await until("5 deliveries", async () => (await deliveries(db)).every((d) => d.status === "delivered"));
      expect(r.requests.map((q) => q.id)).toEqual(events);
      await until("the settled reports", () => settled.length === 5);
    } finally {
      await threaded.stop();
    }
  }, 60_000);
});
