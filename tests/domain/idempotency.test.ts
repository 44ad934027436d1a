// The Idempotency-Key store on both stores; the HTTP behaviour (middleware, sends, crashes) is
// tests/api/idempotency*.test.ts (SQLite).
import { describe, expect, test } from "bun:test";
import { asc } from "drizzle-orm";
import { nodeLiveness, nodeOwner } from "../../src/cluster/node-owner";
import { createIdempotencyStore, IDEMPOTENCY_TTL_MS } from "../../src/domain/idempotency";
import { describeStores, openTestStore, type TestStore } from "../support/stores";

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { code?: string; message?: string }) => ({ code: e.code, message: e.message }),
  );

const STILL_RUNNING = {
  code: "ERR_IDEMPOTENCY_KEY_REUSED",
  message: "A request with this Idempotency-Key is still in progress",
};
const OTHER_REQUEST = {
  code: "ERR_IDEMPOTENCY_KEY_REUSED",
  message: "This Idempotency-Key was already used with a different request",
};
const UNKNOWN = "ERR_IDEMPOTENCY_OUTCOME_UNKNOWN";

const rows = (s: TestStore) =>
  s.store.read(async (q) => {
    const k = s.store.t.idempotencyKeys;
    const found = await q.select().from(k).orderBy(asc(k.principal), asc(k.key));
    return found.map((r) => ({
      principal: r.principal,
      key: r.key,
      state: r.state,
      statusCode: r.statusCode,
      createdAt: r.createdAt.getTime(),
    }));
  });

describeStores("Idempotency-Key store", (dialect) => {
  test("reserve, replay the completed answer, refuse another body, free a failed key, abandon after a send", async () => {
    await using s = await openTestStore(dialect);
    let now = 1_700_000_000_000;
    const keys = createIdempotencyStore(s.store, () => now);

    expect(await keys.reserve(1, "order-1", "hash-a")).toBeNull();
    expect(await rows(s)).toEqual([
      { principal: 1, key: "order-1", state: "in_progress", statusCode: null, createdAt: now },
    ]);
    // Same request while it runs here, or another body under the key: 409.
    expect(await rejection(keys.reserve(1, "order-1", "hash-a"))).toEqual(STILL_RUNNING);
    expect(await rejection(keys.reserve(1, "order-1", "hash-b"))).toEqual(OTHER_REQUEST);
    // Keys are per principal.
    expect(await keys.reserve(2, "order-1", "hash-b")).toBeNull();

    await keys.completeAfter(1, "order-1", { statusCode: 201, responseBody: '{"id":7}' });
    now += 1000;
    expect(await keys.reserve(1, "order-1", "hash-a")).toEqual({ statusCode: 201, responseBody: '{"id":7}' });
    expect(await rejection(keys.reserve(1, "order-1", "hash-b"))).toEqual(OTHER_REQUEST);

    // Failed before anything left: the key is free again, for any body.
    await keys.release(2, "order-1");
    expect(await keys.reserve(2, "order-1", "hash-c")).toBeNull();
    // Failed after a message left: nobody may send under it again.
    await keys.abandon(2, "order-1");
    expect((await rejection(keys.reserve(2, "order-1", "hash-c")))?.code).toBe(UNKNOWN);
    // Release and abandon only touch a key this process holds in progress.
    await keys.release(1, "order-1");
    await keys.release(2, "order-1");
    expect((await rows(s)).map((r) => [r.principal, r.state])).toEqual([
      [1, "completed"],
      [2, "outcome_unknown"],
    ]);
  });

  test("a key left in progress by another process (a restart) is of unknown outcome, never sent again", async () => {
    await using s = await openTestStore(dialect);
    const now = 1_700_000_000_000;
    const before = createIdempotencyStore(s.store, () => now);
    expect(await before.reserve(1, "k", "h")).toBeNull();
    const after = createIdempotencyStore(s.store, () => now + 1000);
    expect((await rejection(after.reserve(1, "k", "h")))?.code).toBe(UNKNOWN);
    // Its completion and release are the old process's: the new one cannot settle the key.
    await after.completeAfter(1, "k", { statusCode: 201, responseBody: "{}" });
    await after.release(1, "k");
    expect((await rows(s)).map((r) => r.state)).toEqual(["in_progress"]);
  });

  test("requests racing with one key: exactly one is reserved, the others get 409", async () => {
    await using s = await openTestStore(dialect);
    const keys = createIdempotencyStore(s.store, () => 1_700_000_000_000);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => rejection(keys.reserve(1, "race", "h"))),
    );
    expect(outcomes.filter((o) => o === null).length).toBe(1);
    expect(outcomes.filter((o) => o !== null)).toEqual(Array(5).fill(STILL_RUNNING));

    // Two processes (two nodes on PostgreSQL) racing: one runs; the other, seeing a key held by another
    // owner, refuses to send (the documented outcome-unknown answer).
    const a = createIdempotencyStore(s.store, () => 1_700_000_000_000);
    const b = createIdempotencyStore(s.store, () => 1_700_000_000_000);
    const pair = await Promise.all([
      rejection(a.reserve(1, "pair", "h")),
      rejection(b.reserve(1, "pair", "h")),
    ]);
    expect(pair.filter((o) => o === null).length).toBe(1);
    expect(pair.find((o) => o !== null)?.code).toBe(UNKNOWN);
    expect((await rows(s)).map((r) => [r.key, r.state])).toEqual([
      ["pair", "in_progress"],
      ["race", "in_progress"],
    ]);
  });

  test("past 24 h a key can be used again, by one of two racing requests", async () => {
    await using s = await openTestStore(dialect);
    let now = 1_700_000_000_000;
    const keys = createIdempotencyStore(s.store, () => now);
    expect(await keys.reserve(1, "k", "old")).toBeNull();
    await keys.completeAfter(1, "k", { statusCode: 201, responseBody: "{}" });
    now += IDEMPOTENCY_TTL_MS;
    // At exactly 24 h it still answers.
    expect(await keys.reserve(1, "k", "old")).toEqual({ statusCode: 201, responseBody: "{}" });
    now += 1;
    const outcomes = await Promise.all([
      rejection(keys.reserve(1, "k", "new")),
      rejection(keys.reserve(1, "k", "new")),
      rejection(keys.reserve(1, "k", "other")),
    ]);
    expect(outcomes.filter((o) => o === null).length).toBe(1);
    const winner = outcomes.indexOf(null);
    const losers = outcomes.filter((o) => o !== null).map((o) => o?.code);
    expect(losers).toEqual(["ERR_IDEMPOTENCY_KEY_REUSED", "ERR_IDEMPOTENCY_KEY_REUSED"]);
    expect(await rows(s)).toEqual([
      { principal: 1, key: "k", state: "in_progress", statusCode: null, createdAt: now },
    ]);
    // The new reservation belongs to the winner's body.
    const body = winner === 2 ? "other" : "new";
    expect(await rejection(keys.reserve(1, "k", body))).toEqual(STILL_RUNNING);
  });

  test("prune deletes every key past 24 h in batches, in any state, and keeps the newer ones", async () => {
    await using s = await openTestStore(dialect);
    const now = 1_700_000_000_000;
    const k = s.store.t.idempotencyKeys;
    const old = now - IDEMPOTENCY_TTL_MS - 1;
    const states = ["in_progress", "completed", "outcome_unknown"] as const;
    await s.store.write(async (q) => {
      // 1 234 expired keys: three batches of 500, the last one short.
      for (let start = 0; start < 1234; start += 400) {
        await q.insert(k).values(
          Array.from({ length: Math.min(400, 1234 - start) }, (_, i) => ({
            principal: (start + i) % 3,
            key: `old-${start + i}`,
            requestHash: "h",
            state: states[(start + i) % 3]!,
            createdAt: new Date(old - (start + i)),
          })),
        );
      }
      await q.insert(k).values([
        { principal: 0, key: "edge", requestHash: "h", createdAt: new Date(now - IDEMPOTENCY_TTL_MS) },
        { principal: 1, key: "new", requestHash: "h", createdAt: new Date(now) },
      ]);
    });
    const keys = createIdempotencyStore(s.store, () => now);
    expect(await keys.prune()).toBe(1234);
    expect((await rows(s)).map((r) => r.key)).toEqual(["edge", "new"]);
    expect(await keys.prune()).toBe(0);
  });
});

describe("Idempotency-Key store across nodes (PostgreSQL)", () => {
  test("a key in flight on another live node is still in progress; after that node died or restarted its outcome is unknown", async () => {
    await using s = await openTestStore("postgres");
    const sql = s.sql!;
    const register = (id: string) =>
      sql`insert into nodes (id) values (${id})
          on conflict (id) do update set started_at = clock_timestamp(), heartbeat_at = clock_timestamp()`;
    await register("node-a");
    await register("node-b");
    const isLive = nodeLiveness(sql, 30_000);
    const now = 1_700_000_000_000;
    const a = createIdempotencyStore(s.store, () => now, { self: await nodeOwner(sql, "node-a"), isLive });
    const b = createIdempotencyStore(s.store, () => now, { self: await nodeOwner(sql, "node-b"), isLive });
    expect(await a.reserve(1, "k", "h")).toBeNull();
    // Node A is sending: B must neither send again nor call it lost.
    expect(await rejection(b.reserve(1, "k", "h"))).toEqual(STILL_RUNNING);
    expect(await rejection(a.reserve(1, "k", "h"))).toEqual(STILL_RUNNING);

    // Node A restarts under the same id: what its previous run left in flight is of unknown outcome.
    await register("node-a");
    expect((await rejection(b.reserve(1, "k", "h")))?.code).toBe(UNKNOWN);

    // A node whose heartbeat is stale is gone too.
    const a2 = createIdempotencyStore(s.store, () => now, { self: await nodeOwner(sql, "node-a"), isLive });
    expect(await a2.reserve(1, "k2", "h")).toBeNull();
    expect(await rejection(b.reserve(1, "k2", "h"))).toEqual(STILL_RUNNING);
    await sql`update nodes set heartbeat_at = now() - interval '1 minute' where id = 'node-a'`;
    expect((await rejection(b.reserve(1, "k2", "h")))?.code).toBe(UNKNOWN);
    // An owner that is no node at all (a single-process UUID) is never live.
    expect(await isLive("2f1c4c2e-8a51-4c39-9d5e-3b0b8c6e1a77")).toBe(false);
  });
});
