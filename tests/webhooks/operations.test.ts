import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../support/test-app";
import { addHook, deliveries, inbound, setupApp, statusCounts, storedEventIds } from "./helpers";
import { ok, startReceiver } from "./receiver";

describe("GET /api/v1/webhooks/deliveries", () => {
  test("filters by connection, webhook, status and event, newest first, with page and limit", async () => {
    await using good = startReceiver();
    await using bad = startReceiver(() => ok(500));
    const { t, conn } = await setupApp({ WEBHOOK_MAX_ATTEMPTS: "1" });
    await using _t = t;
    const other = await t.sandbox("Ventas", "595982345678");
    const g = await addHook(t, conn.id, good.url);
    const b = await addHook(t, conn.id, bad.url, { events: ["ticket_created"] });
    await addHook(t, other.id, good.url);
    await inbound(t, conn.id);
    await inbound(t, other.id);
    await waitFor(async () => {
      const c = await statusCounts(t);
      return c.delivered === 6 && c.failed === 1;
    });

    expect((await deliveries(t)).map((d) => d.id)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect((await deliveries(t, `connectionId=${conn.id}`)).length).toBe(4);
    expect((await deliveries(t, `webhookId=${b.id}`)).map((d) => d.event)).toEqual(["ticket_created"]);
    expect((await deliveries(t, "status=failed")).map((d) => d.webhookId)).toEqual([b.id]);
    expect((await deliveries(t, `event=message_received&webhookId=${g.id}`)).length).toBe(1);
    const page = await t.get("/api/v1/webhooks/deliveries?page=2&limit=3");
    expect(page.body).toMatchObject({ count: 7, hasMore: true, page: 2, limit: 3 });
    expect(page.body.deliveries.map((d: { id: number }) => d.id)).toEqual([4, 3, 2]);
  });

  test("rejects an unknown status with 400 and needs an admin token", async () => {
    const { t } = await setupApp({}, { start: false });
    await using _t = t;
    expect((await t.get("/api/v1/webhooks/deliveries?status=lost")).body.error).toBe("ERR_VALIDATION");
    expect((await t.get("/api/v1/webhooks/deliveries", await t.apiToken())).status).toBe(403);
    expect((await t.get("/api/v1/webhooks/deliveries", null)).status).toBe(401);
  });
});

describe("GET /api/v1/webhooks/deliveries/:id and retry", () => {
  test("shows one delivery with the exact payload delivered", async () => {
    await using r = startReceiver();
    const { t, conn } = await setupApp();
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["ticket_created"] });
    const sent = await inbound(t, conn.id);
    await waitFor(async () => (await statusCounts(t)).delivered === 1);
    const [d] = await deliveries(t);
    const one = await t.get(`/api/v1/webhooks/deliveries/${d!.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      id: d!.id,
      status: "delivered",
      attempts: 1,
      eventId: r.requests[0]!.id,
    });
    expect(one.body.payload).toEqual(JSON.parse(r.requests[0]!.body));
    expect(one.body.payload.data.ticketId).toBe(sent.ticketId);
  });

  test("answers 404 ERR_DELIVERY_NOT_FOUND for an unknown delivery, to show and to retry", async () => {
    const { t } = await setupApp({}, { start: false });
    await using _t = t;
    expect((await t.get("/api/v1/webhooks/deliveries/999")).body).toEqual({
      error: "ERR_DELIVERY_NOT_FOUND",
      message: "Delivery not found",
    });
    expect((await t.post("/api/v1/webhooks/deliveries/999/retry")).status).toBe(404);
    expect((await t.post("/api/v1/webhooks/deliveries/1/retry", undefined, await t.apiToken())).status).toBe(
      403,
    );
  });

  test("retrying a delivered delivery sends the same webhook-id and body again", async () => {
    await using r = startReceiver();
    const { t, conn } = await setupApp();
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await waitFor(async () => (await statusCounts(t)).delivered === 1);
    const [d] = await deliveries(t);
    const res = await t.post(`/api/v1/webhooks/deliveries/${d!.id}/retry`);
    expect(res.status).toBe(200);
    await waitFor(() => r.requests.length === 2);
    expect(r.requests[1]!.id).toBe(r.requests[0]!.id);
    expect(r.requests[1]!.body).toBe(r.requests[0]!.body);
    await waitFor(async () => (await deliveries(t))[0]?.status === "delivered");
  });

  test("retrying a failed delivery gives it a fresh series of attempts", async () => {
    let healthy = false;
    await using r = startReceiver(() => (healthy ? ok() : ok(500)));
    const { t, conn } = await setupApp({ WEBHOOK_MAX_ATTEMPTS: "2" });
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await waitFor(async () => (await statusCounts(t)).failed === 1);
    healthy = true;
    const [d] = await deliveries(t);
    expect((await t.post(`/api/v1/webhooks/deliveries/${d!.id}/retry`)).body).toMatchObject({
      status: "pending",
      attempts: 0,
    });
    await waitFor(async () => (await deliveries(t))[0]?.status === "delivered");
    expect((await deliveries(t))[0]).toMatchObject({ attempts: 1, lastStatusCode: 200, lastError: null });
    expect(new Set(r.requests.map((q) => q.id)).size).toBe(1);
  });
});

describe("POST /api/v1/connections/:id/webhooks/:webhookId/test", () => {
  test("sends a signed ping now and returns the receiver's status", async () => {
    await using r = startReceiver();
    const { t, conn } = await setupApp({}, { start: false });
    await using _t = t;
    const hook = await addHook(t, conn.id, r.url);
    const res = await t.post(`/api/v1/connections/${conn.id}/webhooks/${hook.id}/test`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ webhookId: hook.id, delivered: true, statusCode: 200, error: null });
    expect(r.requests).toHaveLength(1);
    const q = r.requests[0]!;
    expect(q.event).toBe("ping");
    expect(q.id).toBe(res.body.eventId);
    expect(r.verify(q, hook.secret)).toMatchObject({
      event: "ping",
      connectionId: conn.id,
      connectionName: "WhatsApp Principal",
      data: { webhookId: hook.id },
    });
    expect(await statusCounts(t)).toEqual({});
  });

  test("reports a failing receiver without retrying it", async () => {
    await using r = startReceiver(() => ok(502));
    const { t, conn } = await setupApp();
    await using _t = t;
    const hook = await addHook(t, conn.id, r.url);
    const res = await t.post(`/api/v1/connections/${conn.id}/webhooks/${hook.id}/test`);
    expect(res.body).toMatchObject({ delivered: false, statusCode: 502, error: "receiver answered 502" });
    expect(r.requests).toHaveLength(1);
  });

  test("answers 404 for an unknown webhook or connection", async () => {
    const { t, conn } = await setupApp({}, { start: false });
    await using _t = t;
    expect((await t.post(`/api/v1/connections/${conn.id}/webhooks/99/test`)).body.error).toBe(
      "ERR_WEBHOOK_NOT_FOUND",
    );
    expect((await t.post("/api/v1/connections/99/webhooks/1/test")).body.error).toBe(
      "ERR_CONNECTION_NOT_FOUND",
    );
  });
});

describe("GET /api/v1/events (catch-up feed)", () => {
  test("lists stored events in order after a given event, page by page, per connection", async () => {
    const { t, conn } = await setupApp({}, { start: false });
    await using _t = t;
    const other = await t.sandbox("Ventas", "595982345678");
    await inbound(t, conn.id);
    await inbound(t, other.id);
    const all = await storedEventIds(t);

    const first = await t.get("/api/v1/events?limit=2", await t.apiToken());
    expect(first.status).toBe(200);
    expect(first.body.events.map((e: { id: string }) => e.id)).toEqual(all.slice(0, 2));
    expect(first.body.hasMore).toBe(true);
    const rest = await t.get(`/api/v1/events?after=${first.body.nextAfter}&limit=100`);
    expect(rest.body.events.map((e: { id: string }) => e.id)).toEqual(all.slice(2));
    expect(rest.body.hasMore).toBe(false);

    const mine = await t.get(`/api/v1/events?connectionId=${conn.id}`);
    expect(mine.body.events.map((e: { id: string }) => e.id)).toEqual(await storedEventIds(t, conn.id));
    const msg = mine.body.events.find((e: { event: string }) => e.event === "message_received");
    expect(msg.payload).toMatchObject({ event: "message_received", connectionId: conn.id });
  });

  test("answers 404 for an unknown event id and 400 for something that is not an event id", async () => {
    const { t } = await setupApp({}, { start: false });
    await using _t = t;
    expect((await t.get("/api/v1/events?after=evt_00000000000000000000ff")).status).toBe(404);
    expect((await t.get("/api/v1/events?after=12")).body.error).toBe("ERR_VALIDATION");
    expect((await t.get("/api/v1/events", null)).status).toBe(401);
  });
});

describe("ingest atomicity", () => {
  test("a transaction that fails after emitting leaves neither the state change nor the outbox rows", async () => {
    await using r = startReceiver();
    const { t, conn } = await setupApp();
    await using _t = t;
    await addHook(t, conn.id, r.url);
    const before = { events: (await storedEventIds(t)).length, rows: await statusCounts(t) };
    await expect(
      t.domainStore.write(async (q) => {
        await q.insert(t.domainStore.t.contacts).values({ number: "595990000001", name: "Fantasma" });
        await t.events.emitIn(q, "contact_created", conn.id, {
          id: 1,
          name: "Fantasma",
          number: "595990000001",
        });
        throw new Error("crash between the business insert and the commit");
      }),
    ).rejects.toThrow("crash between");
    expect(await t.rows("select id from contacts")).toEqual([]);
    expect((await storedEventIds(t)).length).toBe(before.events);
    expect(await statusCounts(t)).toEqual(before.rows);
    // The wake-up queued by emit finds nothing to send.
    await inbound(t, conn.id);
    await waitFor(() => r.requests.length === 3);
    expect(r.requests.map((q) => q.event)).toEqual(["contact_created", "ticket_created", "message_received"]);
  });

  test("no transaction callback in src is async (drizzle on bun:sqlite would commit at its first await)", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts") && /transaction\(\s*async/.test(readFileSync(p, "utf8")))
          offenders.push(p);
      }
    };
    walk(join(import.meta.dir, "../../src"));
    expect(offenders).toEqual([]);
  });
});
