// Claims of shared work on the real test PostgreSQL, each simulated node with its own Bun.SQL client. Expired
// claims are made by moving `locked_until` into the past (database time), never by waiting.
import { describe, expect, test } from "bun:test";
import { SQL } from "bun";
import {
  claimDeliveries,
  claimQueuedSends,
  extendClaims,
  markQueuedSent,
  releaseLane,
  releaseQueuedSend,
  settleDelivery,
} from "../../src/cluster/claims";
import { createNodeLeases, LeaseLost } from "../../src/cluster/leases";
import { createMigratedDatabase, type TestDatabase } from "../support/postgres";

const LEASE_MS = 30_000;

async function client(db: TestDatabase): Promise<SQL & AsyncDisposable> {
  const sql = new SQL({ url: db.url, max: 3 });
  return Object.assign(sql, { [Symbol.asyncDispose]: () => sql.close() });
}

/** A connection with `hooks` webhooks and `perHook` pending deliveries each (ids in creation order). */
async function outbox(db: TestDatabase, hooks: number, perHook: number): Promise<void> {
  await db.sql`insert into connections (id, name, driver) values (1, 'c1', 'sandbox')`;
  for (let h = 1; h <= hooks; h++)
    await db.sql`insert into webhooks (id, connection_id, url, secret) values (${h}, 1, ${`http://r/${h}`}, 's')`;
  for (let i = 0; i < perHook; i++) {
    for (let h = 1; h <= hooks; h++) {
      const { seq } = (
        (await db.sql`insert into events (connection_id, type_code, data)
          values (1, 1, ${Buffer.from(`e${h}-${i}`)}) returning seq`) as { seq: unknown }[]
      )[0]!;
      await db.sql`insert into webhook_deliveries (event_id, webhook_id, next_attempt_at)
        values (${seq}, ${h}, (extract(epoch from now()) * 1000)::bigint - 1000)`;
    }
  }
}

const delivery = async (db: TestDatabase, id: number) =>
  (
    (await db.sql`select status, attempts, lease_token, last_status_code from webhook_deliveries where id = ${id}`) as {
      status: string;
      attempts: number;
      lease_token: string | null;
      last_status_code: number | null;
    }[]
  )[0]!;

describe("webhook outbox claims on PostgreSQL", () => {
  test("two dispatchers claiming at once never hold one delivery together, and each webhook's deliveries go out in creation order", async () => {
    await using db = await createMigratedDatabase();
    await outbox(db, 3, 12);
    await using a = await client(db);
    await using b = await client(db);
    const holders = [
      { name: "node-a", sql: a },
      { name: "node-b", sql: b },
    ];
    const claimedBy = new Map<number, string>();
    const deliveredOrder = new Map<number, number[]>();
    const inFlight = new Map<number, string>(); // webhook → holder with rows out
    const worker = async (h: (typeof holders)[number]) => {
      for (let idle = 0; idle < 3; ) {
        let progressed = false;
        for (const webhookId of [1, 2, 3]) {
          const claim = await claimDeliveries(h.sql, {
            webhookId,
            holder: h.name,
            leaseMs: LEASE_MS,
            limit: 4,
          });
          if (!claim) continue;
          progressed = true;
          const other = inFlight.get(webhookId);
          if (other && other !== h.name)
            throw new Error(`webhook ${webhookId} held by ${other} and ${h.name}`);
          inFlight.set(webhookId, h.name);
          for (const row of claim.rows) {
            if (claimedBy.has(row.id)) throw new Error(`delivery ${row.id} claimed twice`);
            claimedBy.set(row.id, h.name);
          }
          for (const row of claim.rows) {
            // One request in flight per webhook: the next row starts once this one is settled.
            expect(
              await settleDelivery(h.sql, row.id, claim.token, { kind: "delivered", statusCode: 200 }),
            ).toBe(true);
            deliveredOrder.set(webhookId, [...(deliveredOrder.get(webhookId) ?? []), row.id]);
          }
          inFlight.delete(webhookId);
          await releaseLane(h.sql, webhookId, h.name);
        }
        idle = progressed ? 0 : idle + 1;
      }
    };
    await Promise.all(holders.map(worker));

    const rows =
      (await db.sql`select id::int as id, webhook_id::int as w, status, attempts from webhook_deliveries
                               order by id`) as { id: number; w: number; status: string; attempts: number }[];
    expect(rows).toHaveLength(36);
    expect(rows.every((r) => r.status === "delivered" && r.attempts === 1)).toBe(true);
    expect(claimedBy.size).toBe(36);
    for (const w of [1, 2, 3]) {
      const ids = rows.filter((r) => r.w === w).map((r) => r.id);
      expect(deliveredOrder.get(w)).toEqual(ids);
    }
  }, 60_000);

  test("a webhook's lane is one holder's while it has rows out: the other claims nothing of it, even rows due later; after the release it may", async () => {
    await using db = await createMigratedDatabase();
    await outbox(db, 1, 3);
    await using a = await client(db);
    await using b = await client(db);
    const first = (await claimDeliveries(a, { webhookId: 1, holder: "a", leaseMs: LEASE_MS, limit: 1 }))!;
    expect(first.rows.map((r) => r.id)).toEqual([1]);
    expect(
      await claimDeliveries(b, { webhookId: 1, holder: "b", leaseMs: LEASE_MS, limit: 10 }),
    ).toBeUndefined();
    // The holder itself may claim more while the first is out (a window > 1).
    const more = (await claimDeliveries(a, { webhookId: 1, holder: "a", leaseMs: LEASE_MS, limit: 1 }))!;
    expect(more.rows.map((r) => r.id)).toEqual([2]);
    await settleDelivery(a, 1, first.token, { kind: "delivered", statusCode: 200 });
    await settleDelivery(a, 2, more.token, { kind: "release", unsent: true });
    expect(await delivery(db, 2)).toEqual({
      status: "pending",
      attempts: 0,
      lease_token: null,
      last_status_code: null,
    });
    expect(await releaseLane(a, 1, "a")).toBe(true);
    const next = (await claimDeliveries(b, { webhookId: 1, holder: "b", leaseMs: LEASE_MS, limit: 10 }))!;
    expect(next.rows.map((r) => r.id)).toEqual([2, 3]);
    // A disabled webhook has nothing due.
    await db.sql`update webhooks set enabled = false where id = 1`;
    await releaseLane(b, 1, "b");
    await settleDelivery(b, 2, next.token, { kind: "release", unsent: true });
    expect(
      await claimDeliveries(a, { webhookId: 1, holder: "a", leaseMs: LEASE_MS, limit: 10 }),
    ).toBeUndefined();
  }, 60_000);

  test("an expired claim is claimed again with the attempt counted; the stale token settles nothing, the new one does", async () => {
    await using db = await createMigratedDatabase();
    await outbox(db, 1, 1);
    await using a = await client(db);
    await using b = await client(db);
    const stale = (await claimDeliveries(a, { webhookId: 1, holder: "a", leaseMs: LEASE_MS, limit: 5 }))!;
    expect(stale.rows).toEqual([{ id: 1, eventId: 1, attempts: 1 }]);
    // Node a froze: its heartbeat stopped, the lane and the row's lease run out in database time.
    await db.sql`update webhook_deliveries set locked_until = (extract(epoch from now()) * 1000)::bigint - 1`;
    await db.sql`update webhook_lanes set locked_until = (extract(epoch from now()) * 1000)::bigint - 1`;
    const fresh = (await claimDeliveries(b, { webhookId: 1, holder: "b", leaseMs: LEASE_MS, limit: 5 }))!;
    expect(fresh.rows).toEqual([{ id: 1, eventId: 1, attempts: 2 }]);
    expect(fresh.token).not.toBe(stale.token);

    // a wakes up: its heartbeat extends nothing of b's, its result is dropped.
    await extendClaims(a, { holder: "a", tokens: [stale.token], leaseMs: LEASE_MS });
    expect(await settleDelivery(a, 1, stale.token, { kind: "failed", statusCode: 500, error: "late" })).toBe(
      false,
    );
    expect(await delivery(db, 1)).toEqual({
      status: "delivering",
      attempts: 2,
      lease_token: fresh.token,
      last_status_code: null,
    });
    expect(
      await claimDeliveries(a, { webhookId: 1, holder: "a", leaseMs: LEASE_MS, limit: 5 }),
    ).toBeUndefined();
    expect(
      await settleDelivery(b, 1, fresh.token, {
        kind: "retry",
        nextAttemptAt: Date.now() + 60_000,
        statusCode: 503,
        error: "receiver answered 503",
      }),
    ).toBe(true);
    expect(await delivery(db, 1)).toEqual({
      status: "pending",
      attempts: 2,
      lease_token: null,
      last_status_code: 503,
    });
    // Not due yet (its retry is a minute away).
    expect(
      await claimDeliveries(b, { webhookId: 1, holder: "b", leaseMs: LEASE_MS, limit: 5 }),
    ).toBeUndefined();
  }, 60_000);

  test("the heartbeat keeps a holder's lane and rows together while it beats, and revives neither once they ran out", async () => {
    await using db = await createMigratedDatabase();
    await outbox(db, 1, 1);
    await using a = await client(db);
    await using b = await client(db);
    const claim = (await claimDeliveries(a, { webhookId: 1, holder: "a", leaseMs: LEASE_MS, limit: 5 }))!;
    // Both leases about to run out (one second left, database time); the heartbeat extends them together.
    await db.sql`update webhook_deliveries set locked_until = (extract(epoch from now()) * 1000)::bigint + 1000`;
    await db.sql`update webhook_lanes set locked_until = (extract(epoch from now()) * 1000)::bigint + 1000`;
    await extendClaims(a, { holder: "a", tokens: [claim.token], leaseMs: LEASE_MS });
    const { row, lane } = (
      (await db.sql`select
        (select locked_until from webhook_deliveries where id = 1) - (extract(epoch from now()) * 1000)::bigint > 20000 as row,
        (select locked_until from webhook_lanes where webhook_id = 1) - (extract(epoch from now()) * 1000)::bigint > 20000 as lane`) as {
        row: boolean;
        lane: boolean;
      }[]
    )[0]!;
    expect([row, lane]).toEqual([true, true]);
    expect(
      await claimDeliveries(b, { webhookId: 1, holder: "b", leaseMs: LEASE_MS, limit: 5 }),
    ).toBeUndefined();
    // Once both ran out, a late heartbeat revives neither: the lane is free and the row due for someone else.
    await db.sql`update webhook_deliveries set locked_until = (extract(epoch from now()) * 1000)::bigint - 1`;
    await db.sql`update webhook_lanes set locked_until = (extract(epoch from now()) * 1000)::bigint - 1`;
    await extendClaims(a, { holder: "a", tokens: [claim.token], leaseMs: LEASE_MS });
    const taken = (await claimDeliveries(b, { webhookId: 1, holder: "b", leaseMs: LEASE_MS, limit: 5 }))!;
    expect(taken.rows.map((r) => [r.id, r.attempts])).toEqual([[1, 2]]);
  }, 60_000);
});

describe("queued-send claims on PostgreSQL", () => {
  /** A connection with `n` queued messages due now (pk 1..n), one not due for an hour. */
  async function queue(db: TestDatabase, n: number) {
    await db.sql`insert into connections (id, name, driver) values (1, 'c1', 'sandbox')`;
    await db.sql`insert into contacts (id, number, name) values (1, '595991000001', 'Ana')`;
    await db.sql`insert into tickets (id, status, contact_id, connection_id) values (1, 'open', 1, 1)`;
    for (let i = 1; i <= n; i++)
      await db.sql`insert into messages (pk, id, connection_id, ticket_id, body, from_me, timestamp, status, send_at)
        values (${i}, ${`3EB0${i}`}, 1, 1, ${`m${i}`}, true, 0, 'queued', (extract(epoch from now()) * 1000)::bigint - ${n - i})`;
    await db.sql`insert into messages (pk, id, connection_id, ticket_id, body, from_me, timestamp, status, send_at)
      values (1000, '3EB0LATER', 1, 1, 'later', true, 0, 'queued', (extract(epoch from now()) * 1000)::bigint + 3600000)`;
  }
  const status = async (db: TestDatabase) =>
    (
      (await db.sql`select pk::int as pk, status, attempts from messages order by pk`) as {
        pk: number;
        status: string;
        attempts: number;
      }[]
    ).map((r) => `${r.pk}:${r.status}:${r.attempts}`);

  test("only the lease holder claims; concurrent claimers of the holder never take one message twice; oldest due first", async () => {
    await using db = await createMigratedDatabase();
    await queue(db, 12);
    await using a = await client(db);
    await using b = await client(db);
    const leasesA = createNodeLeases(a, { nodeId: "a", ttlMs: 15_000 });
    const leasesB = createNodeLeases(b, { nodeId: "b", ttlMs: 15_000 });
    const lease = (await leasesA.acquire(1))!;
    await expect(
      claimQueuedSends(b, { connectionId: 1, nodeId: "b", token: lease.token }, 5),
    ).rejects.toBeInstanceOf(LeaseLost);
    expect(await leasesB.acquire(1)).toBeUndefined();

    // Four claimers of the owner at once (two pools), one message each, until nothing is due.
    const got: number[][] = [[], [], [], []];
    await Promise.all(
      got.map(async (mine, i) => {
        for (;;) {
          const rows = await claimQueuedSends(i % 2 ? a : b, lease, 1);
          if (rows.length === 0) return;
          mine.push(...rows.map((r) => r.pk));
        }
      }),
    );
    const all = got.flat().sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // Oldest first, per claimer.
    for (const mine of got) expect(mine).toEqual([...mine].sort((x, y) => x - y));
    expect((await status(db)).filter((s) => s.endsWith(":sending:1"))).toHaveLength(12);
    expect((await status(db)).at(-1)).toBe("1000:queued:0");
  }, 60_000);

  test("after a handover the old owner can neither store a send nor release it; the new owner re-claims it (same WhatsApp id) and stores it", async () => {
    await using db = await createMigratedDatabase();
    await queue(db, 2);
    await using a = await client(db);
    await using b = await client(db);
    const leasesA = createNodeLeases(a, { nodeId: "a", ttlMs: 15_000 });
    const leasesB = createNodeLeases(b, { nodeId: "b", ttlMs: 15_000 });
    const old = (await leasesA.acquire(1))!;
    const claimed = await claimQueuedSends(a, old, 10);
    expect(claimed.map((r) => [r.pk, r.id, r.attempts, r.reclaimed])).toEqual([
      [1, "3EB01", 1, false],
      [2, "3EB02", 1, false],
    ]);
    expect(await markQueuedSent(a, old, 1, { sentAt: Date.now(), timestamp: 1, remoteKey: null })).toBe(true);

    await db.sql`update connection_leases set expires_at = now() - interval '1 second'`;
    const current = (await leasesB.acquire(1))!;
    await expect(
      markQueuedSent(a, old, 2, { sentAt: Date.now(), timestamp: 1, remoteKey: null }),
    ).rejects.toBeInstanceOf(LeaseLost);
    await expect(releaseQueuedSend(a, old, 2, { error: null, undoAttempt: true })).rejects.toBeInstanceOf(
      LeaseLost,
    );
    expect(await status(db)).toEqual(["1:sent:1", "2:sending:1", "1000:queued:0"]);

    expect(await claimQueuedSends(b, current, 10)).toEqual([]); // only queued rows without retake
    const again = await claimQueuedSends(b, current, 10, { retake: true });
    expect(again.map((r) => [r.pk, r.id, r.attempts, r.reclaimed])).toEqual([[2, "3EB02", 2, true]]);
    expect(
      await releaseQueuedSend(b, current, 2, {
        error: { code: "ERR_WAPP_NOT_CONNECTED", reason: "down" },
        undoAttempt: false,
      }),
    ).toBe(true);
    const { error } = (
      (await db.sql`select error::text as error from messages where pk = 2`) as { error: string }[]
    )[0]!;
    expect(JSON.parse(error)).toEqual({ code: "ERR_WAPP_NOT_CONNECTED", reason: "down" });
    const [back] = await claimQueuedSends(b, current, 10, { retake: true });
    expect(back!.attempts).toBe(3);
    expect(await markQueuedSent(b, current, 2, { sentAt: Date.now(), timestamp: 2, remoteKey: "k" })).toBe(
      true,
    );
    expect(await markQueuedSent(b, current, 2, { sentAt: Date.now(), timestamp: 2, remoteKey: "k" })).toBe(
      false,
    );
    expect(await status(db)).toEqual(["1:sent:1", "2:sent:3", "1000:queued:0"]);
  }, 60_000);
});
