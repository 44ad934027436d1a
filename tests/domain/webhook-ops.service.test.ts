// The webhook operations (delivery list, one delivery, retry, the catch-up feed) on both stores; the HTTP
// behaviour is tests/webhooks/operations.test.ts (SQLite, with a running dispatcher and a real receiver).
import { expect, test } from "bun:test";
import { pgClientOf } from "../../src/db/sql/webhooks";
import type { Dialect, Store } from "../../src/db/store";
import { encodeData, eventIdOf, eventTypeCode } from "../../src/webhooks/event-codec";
import { createWebhookOps } from "../../src/webhooks/webhook-ops.service";
import { domainDeps } from "../support/domain-deps";
import { describeStores, openTestStore } from "../support/stores";

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { code?: string }) => e.code,
  );

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);

/** A connection, two webhooks and `n` message events, each with a delivery to both webhooks (ids 2i-1, 2i). */
async function fixture(store: Store, n: number) {
  const { connections, webhooks, events, eventOrigins, webhookDeliveries } = store.t;
  return store.write(async (q) => {
    await q
      .insert(connections)
      .values({ id: 1, name: "Principal", number: "595981234567", driver: "sandbox" });
    await q.insert(webhooks).values([
      { id: 1, connectionId: 1, url: "http://r.test/1", secret: "s1" },
      { id: 2, connectionId: 1, url: "http://r.test/2", secret: "s2" },
    ]);
    const [origin] = await q
      .insert(eventOrigins)
      .values({ connectionId: 1, name: "Principal", number: "595981234567" })
      .returning({ id: eventOrigins.id });
    const stored: { id: string; seq: number; body: string }[] = [];
    for (let i = 1; i <= n; i++) {
      const dataJson = JSON.stringify({ messageId: `M${i}`, body: `hola ${i}` });
      const createdAt = T0 + i * 1000;
      const [e] = await q
        .insert(events)
        .values({
          connectionId: 1,
          typeCode: eventTypeCode(i % 2 ? "message_received" : "message_sent")!,
          data: Buffer.from(encodeData(dataJson)),
          originId: origin!.id,
          createdAt: new Date(createdAt),
        })
        .returning({ seq: events.seq });
      for (const webhookId of [1, 2])
        await q.insert(webhookDeliveries).values({
          eventId: e!.seq,
          webhookId,
          nextAttemptAt: createdAt,
          createdAt: new Date(createdAt),
        });
      stored.push({
        id: eventIdOf(e!.seq, createdAt),
        seq: e!.seq,
        body: `{"event":"${i % 2 ? "message_received" : "message_sent"}","timestamp":"${new Date(createdAt).toISOString()}","connectionId":1,"connectionName":"Principal","connectionNumber":"595981234567","data":${dataJson}}`,
      });
    }
    return stored;
  });
}

async function setup(dialect: Dialect) {
  const s = await openTestStore(dialect);
  const d = domainDeps(s, () => T0 + 99_000);
  const events = d.deps.events;
  let wakes = 0;
  events.onWake(() => wakes++);
  const ops = createWebhookOps({
    store: s.store,
    db: s.db,
    events,
    timeoutMs: 1000,
    clock: () => T0 + 99_000,
  });
  return {
    s,
    ops,
    wakes: () => wakes,
    settled: d.settled,
    async [Symbol.asyncDispose]() {
      d[Symbol.dispose]();
      await s[Symbol.asyncDispose]();
    },
  };
}

describeStores("webhook operations", (dialect) => {
  test("lists deliveries newest first with the event's wire id, filters, offset and keyset pages, counts", async () => {
    await using t = await setup(dialect);
    const stored = await fixture(t.s.store, 3);
    const all = await t.ops.listDeliveries({ page: 1, limit: 4 });
    expect(all.count).toBe(6);
    expect(all.hasMore).toBe(true);
    expect(all.deliveries.map((d) => [d.id, d.eventId, d.webhookId, d.event, d.status])).toEqual([
      [6, stored[2]!.id, 2, "message_received", "pending"],
      [5, stored[2]!.id, 1, "message_received", "pending"],
      [4, stored[1]!.id, 2, "message_sent", "pending"],
      [3, stored[1]!.id, 1, "message_sent", "pending"],
    ]);
    expect(all.deliveries[0]!.nextAttemptAt).toBe(new Date(T0 + 3000).toISOString());
    expect(all.deliveries[0]!.createdAt).toBe(new Date(T0 + 3000).toISOString());
    const next = await t.ops.listDeliveries({ page: 1, limit: 4, after: [3] });
    expect(next.deliveries.map((d) => d.id)).toEqual([2, 1]);
    expect((await t.ops.listDeliveries({ page: 2, limit: 4 })).deliveries.map((d) => d.id)).toEqual([2, 1]);
    const hook2 = await t.ops.listDeliveries({ page: 1, limit: 10, webhookId: 2, event: "message_received" });
    expect([hook2.count, hook2.deliveries.map((d) => d.id)]).toEqual([2, [6, 2]]);
    expect((await t.ops.listDeliveries({ page: 1, limit: 10, status: "failed" })).count).toBe(0);
    expect((await t.ops.listDeliveries({ page: 1, limit: 10, connectionId: 2 })).count).toBe(0);
  }, 60_000);

  test("one delivery carries its event's exact body; unknown is ERR_DELIVERY_NOT_FOUND", async () => {
    await using t = await setup(dialect);
    const stored = await fixture(t.s.store, 2);
    const d = await t.ops.getDelivery(3);
    expect(d.eventId).toBe(stored[1]!.id);
    expect(JSON.stringify(d.payload)).toBe(stored[1]!.body);
    expect(await rejection(t.ops.getDelivery(99))).toBe("ERR_DELIVERY_NOT_FOUND");
  }, 60_000);

  test("retry puts a settled delivery back for a fresh series, refuses one being sent, wakes this node and (PostgreSQL) every node", async () => {
    await using t = await setup(dialect);
    await fixture(t.s.store, 1);
    const { webhookDeliveries } = t.s.store.t;
    const { eq } = await import("drizzle-orm");
    await t.s.store.write((q) =>
      q
        .update(webhookDeliveries)
        .set({ status: "failed", attempts: 4, lastError: "receiver answered 500", lastStatusCode: 500 })
        .where(eq(webhookDeliveries.id, 1)),
    );
    await t.s.store.write((q) =>
      q
        .update(webhookDeliveries)
        .set({ status: "delivering", attempts: 1, leaseToken: "tok", lockedUntil: T0 + 60_000 })
        .where(eq(webhookDeliveries.id, 2)),
    );
    // Let the sink's LISTEN be in place, so that the count below is what the retries caused.
    await t.settled();
    let notified = 0;
    const unlisten =
      dialect === "postgres"
        ? await t.s.store.read(async (q) => pgClientOf(q).listen("chasqui_wake", () => notified++))
        : undefined;
    try {
      const retried = await t.ops.retry(1);
      expect([retried.status, retried.attempts, retried.nextAttemptAt]).toEqual([
        "pending",
        0,
        new Date(T0 + 99_000).toISOString(),
      ]);
      // Told at once here (and, on PostgreSQL, again when this node hears its own chasqui_wake).
      expect(t.wakes()).toBeGreaterThanOrEqual(1);
      const wakes = t.wakes();
      expect(await rejection(t.ops.retry(2))).toBe("ERR_CONFLICT");
      expect(await rejection(t.ops.retry(99))).toBe("ERR_DELIVERY_NOT_FOUND");
      if (dialect === "sqlite") expect(t.wakes()).toBe(wakes);
      const [row2] = await t.s.store.read((q) =>
        q.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, 2)),
      );
      expect([row2!.status, row2!.leaseToken]).toEqual(["delivering", "tok"]);
      if (unlisten) {
        const end = Date.now() + 10_000;
        while (notified === 0 && Date.now() < end) await Bun.sleep(5);
        expect(notified).toBe(1);
      }
    } finally {
      await unlisten?.unlisten();
    }
  }, 60_000);

  test("the catch-up feed pages events in order after an event id, per connection; an unknown id is ERR_NOT_FOUND", async () => {
    await using t = await setup(dialect);
    const stored = await fixture(t.s.store, 5);
    const first = await t.ops.listEvents({ limit: 2 });
    expect(first.events.map((e) => e.id)).toEqual([stored[0]!.id, stored[1]!.id]);
    expect(first.hasMore).toBe(true);
    expect(JSON.stringify(first.events[0]!.payload)).toBe(stored[0]!.body);
    expect(first.events[1]!.createdAt).toBe(new Date(T0 + 2000).toISOString());
    const rest = await t.ops.listEvents({ limit: 10, after: first.nextAfter! });
    expect(rest.events.map((e) => e.id)).toEqual(stored.slice(2).map((s) => s.id));
    expect([rest.hasMore, rest.nextAfter]).toEqual([false, stored[4]!.id]);
    const end = await t.ops.listEvents({ limit: 10, after: stored[4]!.id });
    expect([end.events, end.nextAfter]).toEqual([[], stored[4]!.id]);
    expect((await t.ops.listEvents({ limit: 10, connectionId: 2 })).events).toEqual([]);
    expect(await rejection(t.ops.listEvents({ limit: 10, after: "evt_0000000000000000000099" }))).toBe(
      "ERR_NOT_FOUND",
    );
  }, 60_000);
});
