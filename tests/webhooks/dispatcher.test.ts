import { describe, expect, test } from "bun:test";
import { EVENT_TYPE_CODES } from "../../src/webhooks/event-codec";
import { storedEvents } from "../support/events";
import { waitFor } from "../support/test-app";
import { addHook, deliveries, inbound, setupApp, statusCounts, storedEventIds } from "./helpers";
import { ok, startReceiver, startResetServer } from "./receiver";

describe("delivery to a healthy receiver", () => {
  test("every event of the connection arrives once with the documented headers and a valid signature", async () => {
    await using r = startReceiver();
    const { t, conn } = await setupApp();
    await using _t = t;
    const hook = await addHook(t, conn.id, r.url);
    expect(hook.secret).toMatch(/^whsec_/);
    await inbound(t, conn.id, "Hola, necesito información");
    const ids = (await storedEventIds(t)).slice(-3);
    await waitFor(() => r.requests.length === 3, { message: "3 deliveries" });

    expect(r.requests.map((q) => q.id)).toEqual(ids);
    expect(r.requests.map((q) => q.event)).toEqual(["contact_created", "ticket_created", "message_received"]);
    for (const q of r.requests) {
      expect(q.contentType).toBe("application/json");
      expect(q.connectionId).toBe(String(conn.id));
      expect(q.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      const payload = r.verify(q, hook.secret) as {
        event: string;
        connectionId: number;
        connectionName: string;
      };
      expect(payload).toMatchObject({
        event: q.event,
        connectionId: conn.id,
        connectionName: "WhatsApp Principal",
      });
      const stored = (await storedEvents(t)).find((e) => e.id === q.id);
      expect(q.body).toBe(stored!.payload);
    }
    await waitFor(async () => (await deliveries(t)).every((d) => d.status === "delivered"));
    const listed = await deliveries(t);
    expect(listed.map((d) => ({ status: d.status, attempts: d.attempts, code: d.lastStatusCode }))).toEqual(
      Array(3).fill({ status: "delivered", attempts: 1, code: 200 }),
    );
    expect(
      listed.every((d) => d.deliveredAt !== null && d.nextAttemptAt === null && d.lastError === null),
    ).toBe(true);
  });

  test("a webhook subscribed to some events only gets those, and a disabled webhook gets no rows", async () => {
    await using r = startReceiver();
    await using off = startReceiver();
    const { t, conn } = await setupApp();
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await addHook(t, conn.id, off.url, { enabled: false });
    const settled: string[] = [];
    t.dispatcher.onSettled((s) => settled.push(s.kind));
    await inbound(t, conn.id);
    // Not the receiver's count: it logs the request before its answer reaches the dispatcher, which
    // stores the result after that, so the row may still read `delivering`. Wait for the stored result.
    await waitFor(() => settled.length === 1);
    expect(settled).toEqual(["delivered"]);
    expect(r.requests.map((q) => q.event)).toEqual(["message_received"]);
    expect(await statusCounts(t)).toEqual({ delivered: 1 });
    expect(off.requests).toHaveLength(0);
  });

  test("with WEBHOOK_WINDOW=1 a healthy receiver sees one webhook's events in the order they were created", async () => {
    await using r = startReceiver();
    const { t, conn } = await setupApp({ WEBHOOK_CONCURRENCY: "8", WEBHOOK_WINDOW: "1" });
    await using _t = t;
    await addHook(t, conn.id, r.url);
    await Promise.all(Array.from({ length: 60 }, (_, i) => inbound(t, conn.id, `m${i}`)));
    const expected = (await storedEventIds(t, conn.id)).slice(-180);
    await waitFor(() => r.requests.length >= 180, { message: "180 deliveries", timeoutMs: 10_000 });
    expect(r.requests.map((q) => q.id)).toEqual(expected);
  });

  test("a commit wakes the dispatcher at once instead of waiting for the poll", async () => {
    await using r = startReceiver();
    const { t, conn } = await setupApp();
    await using _t = t;
    await addHook(t, conn.id, r.url);
    // Let the first pass finish so only a wake-up (not the initial pass) can pick up the next events.
    await inbound(t, conn.id);
    await waitFor(() => r.requests.length === 3);
    const before = Date.now();
    await inbound(t, conn.id);
    await waitFor(() => r.requests.length === 6, {
      timeoutMs: 900,
      message: "delivered before the 1 s poll",
    });
    expect(Date.now() - before).toBeLessThan(900);
  });
});

describe("failed attempts", () => {
  test("a 500 is retried with the same webhook-id, body and a fresh valid signature until it succeeds", async () => {
    await using r = startReceiver((q) => (q.attempt < 3 ? ok(500) : ok(204)));
    const { t, conn } = await setupApp();
    await using _t = t;
    const hook = await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await waitFor(() => r.requests.length === 3);
    const [a, b, c] = r.requests;
    expect(new Set([a!.id, b!.id, c!.id]).size).toBe(1);
    expect(new Set([a!.body, b!.body, c!.body]).size).toBe(1);
    for (const q of r.requests) r.verify(q, hook.secret);
    await waitFor(async () => (await deliveries(t))[0]?.status === "delivered");
    expect((await deliveries(t))[0]).toMatchObject({ status: "delivered", attempts: 3, lastStatusCode: 204 });
  });

  test("after WEBHOOK_MAX_ATTEMPTS failures the delivery is failed, kept and listable, and nothing more is sent", async () => {
    await using r = startReceiver(() => ok(503));
    const { t, conn } = await setupApp({ WEBHOOK_MAX_ATTEMPTS: "3" });
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await waitFor(async () => (await deliveries(t, "status=failed")).length === 1);
    const [d] = await deliveries(t, "status=failed");
    expect(d).toMatchObject({
      status: "failed",
      attempts: 3,
      lastStatusCode: 503,
      lastError: "receiver answered 503",
      nextAttemptAt: null,
    });
    expect(r.requests).toHaveLength(3);
  });

  test("a receiver that hangs past WEBHOOK_TIMEOUT_MS counts as a failed attempt and is retried", async () => {
    await using r = startReceiver((q) => (q.attempt === 1 ? "hang" : ok()));
    const { t, conn } = await setupApp({ WEBHOOK_TIMEOUT_MS: "150" });
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await waitFor(async () => (await deliveries(t))[0]?.status === "delivered");
    const [d] = await deliveries(t);
    // Usually 2 attempts; on a loaded machine a healthy answer can also miss 150 ms and count as one more.
    expect(r.requests.length).toBeGreaterThanOrEqual(2);
    expect(d).toMatchObject({ attempts: r.requests.length, lastStatusCode: 200, lastError: null });
  });

  test("a connection reset is a failed attempt with the error recorded", async () => {
    using reset = startResetServer();
    const { t, conn } = await setupApp({ WEBHOOK_MAX_ATTEMPTS: "2" });
    await using _t = t;
    await addHook(t, conn.id, reset.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await waitFor(async () => (await deliveries(t, "status=failed")).length === 1);
    const [d] = await deliveries(t);
    expect(d).toMatchObject({ status: "failed", attempts: 2, lastStatusCode: null });
    expect(d!.lastError).toBeString();
    expect(reset.connections).toBeGreaterThanOrEqual(2);
  });

  test("a 301 is a failure and the redirect target never gets a request", async () => {
    await using target = startReceiver();
    await using r = startReceiver(
      () => new Response(null, { status: 301, headers: { location: target.url } }),
    );
    const { t, conn } = await setupApp({ WEBHOOK_MAX_ATTEMPTS: "2" });
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await waitFor(async () => (await deliveries(t, "status=failed")).length === 1);
    expect((await deliveries(t))[0]).toMatchObject({
      lastStatusCode: 301,
      lastError: "redirect 301 not followed",
    });
    expect(r.requests).toHaveLength(2);
    expect(target.requests).toHaveLength(0);
  });

  test("a 410 disables the webhook with a visible reason and stops all further attempts", async () => {
    await using r = startReceiver(() => ok(410));
    const { t, conn } = await setupApp();
    await using _t = t;
    const hook = await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await waitFor(async () => (await deliveries(t, "status=failed")).length === 1);
    const listed = await t.get(`/api/v1/connections/${conn.id}/webhooks`);
    expect(listed.body[0]).toMatchObject({
      id: hook.id,
      enabled: false,
      disabledReason: expect.stringContaining("410"),
    });
    expect((await deliveries(t))[0]).toMatchObject({ attempts: 1, lastStatusCode: 410 });
    await inbound(t, conn.id);
    expect(await deliveries(t)).toHaveLength(1);
    expect(r.requests).toHaveLength(1);
  });

  test("a 429 with Retry-After is retried no sooner than asked, and a manual retry sends it now", async () => {
    // A fresh Response each time: Bun sends a reused Response's headers only the first time.
    let limited = true;
    await using r = startReceiver(() => (limited ? ok(429, { "retry-after": "120" }) : ok(200)));
    const { t, conn } = await setupApp();
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    const sentAt = Date.now();
    await inbound(t, conn.id);
    await waitFor(async () => (await deliveries(t))[0]?.lastStatusCode === 429);
    const [d] = await deliveries(t);
    expect(d).toMatchObject({ status: "pending", attempts: 1 });
    expect(Date.parse(d!.nextAttemptAt!)).toBeGreaterThanOrEqual(sentAt + 120_000);

    limited = false;
    const retried = await t.post(`/api/v1/webhooks/deliveries/${d!.id}/retry`);
    expect(retried.status).toBe(200);
    await waitFor(() => r.requests.length === 2);
    expect(r.requests[1]!.id).toBe(r.requests[0]!.id);
    await waitFor(async () => (await deliveries(t))[0]?.status === "delivered");
  });

  test("a 503 with an HTTP-date Retry-After is honoured too", async () => {
    await using r = startReceiver(() =>
      ok(503, { "retry-after": new Date(Date.now() + 60_000).toUTCString() }),
    );
    const { t, conn } = await setupApp();
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await waitFor(async () => (await deliveries(t))[0]?.lastStatusCode === 503);
    const [d] = await deliveries(t);
    expect(Date.parse(d!.nextAttemptAt!)).toBeGreaterThan(Date.now() + 50_000);
  });
});

describe("leases", () => {
  test("a finishing update whose lease was taken by another worker changes nothing", async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await using r = startReceiver(() => gate.then(() => ok()) as unknown as Response);
    const { t, conn } = await setupApp();
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await waitFor(() => r.requests.length === 1);
    // Another process reclaimed the row after our lease expired: it now holds a different token.
    await t.rows(
      "update webhook_deliveries set lease_token = 'other-worker', locked_until = ?",
      Date.now() + 60_000,
    );
    const settled: string[] = [];
    t.dispatcher.onSettled((s) => settled.push(s.kind));
    release!();
    await waitFor(() => t.dispatcher.inFlight === 0);
    await t.dispatcher.flush();
    const rows = await t.rows("select status, lease_token, delivered_at from webhook_deliveries");
    expect(rows).toEqual([{ status: "delivering", lease_token: "other-worker", delivered_at: null }]);
    expect(settled).toEqual([]);
  });

  test("at start, rows left delivering by a crashed process with an expired lease are sent again", async () => {
    await using r = startReceiver();
    const { t, conn } = await setupApp({}, { start: false });
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await t.rows(
      "update webhook_deliveries set status = 'delivering', attempts = 1, lease_token = 'dead', locked_until = ?",
      Date.now() - 1,
    );
    t.dispatcher.start();
    await waitFor(() => r.requests.length === 1);
    await waitFor(async () => (await deliveries(t))[0]?.status === "delivered");
    expect((await deliveries(t))[0]!.attempts).toBe(2);
  });

  test("stop waits for a delivery in flight, then releases what is still unfinished back to pending", async () => {
    await using r = startReceiver(() => "hang");
    // One request in flight: the second delivery waits for the first.
    const { t, conn } = await setupApp({ WEBHOOK_TIMEOUT_MS: "60000", WEBHOOK_WINDOW: "1" });
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await inbound(t, conn.id);
    await waitFor(() => r.requests.length === 1);
    expect(await statusCounts(t)).toEqual({ delivering: 1, pending: 1 });
    const started = Date.now();
    await t.dispatcher.stop(200);
    expect(Date.now() - started).toBeLessThan(2000);
    const rows = await t.rows(
      "select status, attempts, lease_token as token from webhook_deliveries order by id",
    );
    // The aborted request keeps its counted attempt and its lease is released; the other was never claimed.
    expect(rows).toEqual([
      { status: "pending", attempts: 1, token: null },
      { status: "pending", attempts: 0, token: null },
    ]);
  });

  test("stop lets a delivery that answers within the grace period finish as delivered", async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await using r = startReceiver(() => gate.then(() => ok()) as unknown as Response);
    const { t, conn } = await setupApp();
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await waitFor(() => r.requests.length === 1);
    const stopping = t.dispatcher.stop(5000);
    release!();
    await stopping;
    expect(await statusCounts(t)).toEqual({ delivered: 1 });
  });
});

describe("retention", () => {
  test("delivered and failed rows and their events are pruned after WEBHOOK_RETENTION_DAYS, events no delivery needs after EVENT_RETENTION_HOURS; an event with an open delivery is kept", async () => {
    let now = Date.now();
    await using r = startReceiver((q) => (q.event === "ticket_created" ? ok(500) : ok()));
    const { t, conn } = await setupApp(
      { WEBHOOK_MAX_ATTEMPTS: "1", WEBHOOK_RETENTION_DAYS: "7" },
      { clock: () => now },
    );
    await using _t = t;
    await addHook(t, conn.id, r.url);
    const first = await inbound(t, conn.id);
    await waitFor(async () => {
      const c = await statusCounts(t);
      return c.delivered === 2 && c.failed === 1;
    });
    // With the dispatcher stopped, the next message's delivery stays pending however old it gets.
    await t.dispatcher.stop();
    await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: (await t.get(`/api/v1/tickets/${first.ticketId}`)).body.contact.number,
      body: "otra vez",
    });
    expect(await statusCounts(t)).toEqual({ delivered: 2, failed: 1, pending: 1 });
    const hour = 60 * 60 * 1000;
    now += 23 * hour;
    expect(await t.retention.pruneWebhookHistory()).toEqual({ deliveries: 0, events: 0 });
    // Events no delivery needs (stored before the webhook existed) go after EVENT_RETENTION_HOURS (24 by default).
    const unneeded = (
      await t.rows<{ n: number }>(
        "select count(*) as n from events e where not exists (select 1 from webhook_deliveries d where d.event_id = e.seq)",
      )
    )[0]!.n;
    expect(unneeded).toBeGreaterThan(0);
    now += 6 * 24 * hour - 23 * hour;
    expect(await t.retention.pruneWebhookHistory()).toEqual({ deliveries: 0, events: unneeded });
    now += 2 * 24 * hour;
    const stored = (await t.rows<{ n: number }>("select count(*) as n from events"))[0]!.n;
    expect(await t.retention.pruneWebhookHistory()).toEqual({ deliveries: 3, events: stored - 1 });
    expect(await statusCounts(t)).toEqual({ pending: 1 });
    const left = await t.rows("select type_code as type from events order by seq");
    expect(left).toEqual([{ type: EVENT_TYPE_CODES.message_received }]);
  });
});
