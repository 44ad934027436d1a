import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { storedEvents } from "../support/events";
import { waitFor } from "../support/test-app";
import { addHook, deliveries, inbound, setupApp, statusCounts, storedEventIds } from "./helpers";
import { ok, startReceiver } from "./receiver";

/** The dispatcher in its own thread (a Bun Worker on its own SQLite connection), as `serve` runs it. */
describe("dispatcher thread", () => {
  test("delivers every event signed, byte for byte as stored, in creation order (window 1), and readiness sees it running", async () => {
    await using r = startReceiver();
    const { t, conn } = await setupApp({ WEBHOOK_WINDOW: "1" }, { thread: true });
    await using _t = t;
    expect(t.dispatcher.running).toBe(true);
    const hook = await addHook(t, conn.id, r.url);
    for (let i = 0; i < 10; i++) await inbound(t, conn.id, `m${i}`);
    const expected = (await storedEventIds(t, conn.id)).slice(-30);
    await waitFor(() => r.requests.length >= 30, { message: "30 deliveries", timeoutMs: 10_000 });
    expect(r.requests.map((q) => q.id)).toEqual(expected);
    const stored = new Map((await storedEvents(t)).map((e) => [e.id, e.payload]));
    for (const q of r.requests) {
      r.verify(q, hook.secret);
      expect(q.body).toBe(stored.get(q.id)!);
    }
    await waitFor(async () => (await statusCounts(t)).delivered === 30, {
      message: "results stored by the thread",
    });
    const ready = await t.get("/health/ready", null);
    expect(ready.body.outbox.dispatcherRunning).toBe(true);
  });

  test("retries with backoff, counts outcomes in /metrics, and a 410 disables the webhook", async () => {
    await using r = startReceiver((q) =>
      q.event === "ticket_created" ? ok(410) : q.attempt < 2 ? ok(500) : ok(),
    );
    const { t, conn } = await setupApp({}, { thread: true });
    await using _t = t;
    const hook = await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await waitFor(async () => (await deliveries(t))[0]?.status === "delivered", {
      message: "delivered on retry",
    });
    expect((await deliveries(t))[0]).toMatchObject({ attempts: 2, lastStatusCode: 200 });
    await waitFor(
      async () => {
        const m = await (await t.request("/metrics")).text();
        // On PostgreSQL every series also carries node="<NODE_ID>".
        return /chasqui_webhook_deliveries_total\{outcome="delivered"(,node="[^"]+")?\} 1/.test(m) &&
          /chasqui_webhook_deliveries_total\{outcome="retry"(,node="[^"]+")?\} 1/.test(m)
          ? m
          : undefined;
      },
      { message: "outcomes counted from the thread's results" },
    );

    // A 410 from another webhook disables it; the first keeps working.
    const gone = await addHook(t, conn.id, r.url, { events: ["ticket_created"] });
    await inbound(t, conn.id);
    await waitFor(
      async () => {
        const hooks = (await t.get(`/api/v1/connections/${conn.id}/webhooks`)).body as {
          id: number;
          enabled: boolean;
        }[];
        return hooks.find((h) => h.id === gone.id)?.enabled === false;
      },
      { message: "410 disables the webhook" },
    );
    await waitFor(async () => (await deliveries(t, "status=delivered")).length === 2);
    expect(hook.id).not.toBe(gone.id);
  });

  test("with a window > 1 up to that many requests are in flight, never two of one chat", async () => {
    await using r = startReceiver(() => "hang");
    const { t, conn } = await setupApp(
      { WEBHOOK_WINDOW: "4", WEBHOOK_TIMEOUT_MS: "60000" },
      { thread: true },
    );
    await using _t = t;
    await addHook(t, conn.id, r.url);
    // Five new chats, three events each (contact_created, ticket_created, message_received), none answered.
    for (let i = 0; i < 5; i++) await inbound(t, conn.id, `chat ${i}`);
    await waitFor(() => r.requests.length >= 4, { message: "four requests in flight", timeoutMs: 10_000 });
    const first = r.requests
      .slice(0, 4)
      .map((q) => JSON.parse(q.body) as { event: string; data: { id: number } });
    // Each chat's first event, from four different chats: the next event of a chat waits for its first.
    expect(first.map((p) => p.event)).toEqual(Array(4).fill("contact_created"));
    expect(new Set(first.map((p) => p.data.id)).size).toBe(4);
    await t.dispatcher.stop(100);
  });

  test("with a window > 1 a healthy receiver sees each chat's events in creation order", async () => {
    await using r = startReceiver();
    const { t, conn } = await setupApp({ WEBHOOK_WINDOW: "8" }, { thread: true });
    await using _t = t;
    await addHook(t, conn.id, r.url);
    const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => inbound(t, conn.id, `m${i}`)));
    // A second message in every chat, so each chat has four events.
    await Promise.all(
      sent.map(async (s) => {
        const number = (await t.get(`/api/v1/tickets/${s.ticketId}`)).body.contact.number as string;
        await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number, body: "otra" });
      }),
    );
    const stored = (await storedEvents(t, { connectionId: conn.id })).filter(
      (e) => e.type !== "connection_update",
    );
    await waitFor(() => r.requests.length >= stored.length, { message: "all delivered", timeoutMs: 15_000 });
    const chatOf = (payload: string) => {
      const d = JSON.parse(payload).data as { id?: number; contact?: { id: number } };
      return d.contact?.id ?? d.id;
    };
    const byChat = (ids: { id: string; payload: string }[]) => {
      const m = new Map<number | undefined, string[]>();
      for (const e of ids) m.set(chatOf(e.payload), [...(m.get(chatOf(e.payload)) ?? []), e.id]);
      return m;
    };
    const arrived = byChat(r.requests.map((q) => ({ id: q.id, payload: q.body })));
    expect(arrived).toEqual(byChat(stored));
  });

  test("SQLite: results that find the write lock taken by another connection are stored once it is free, each sent once", async () => {
    // SQLite's one write lock; on PostgreSQL writers do not lock each other out (row locks: tests/cluster/claims).
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let answered = 0;
    await using r = startReceiver(
      () =>
        gate.then(() => {
          answered++;
          return ok();
        }) as unknown as Response,
    );
    const { t, conn } = await setupApp({}, { thread: true, store: "sqlite" });
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await inbound(t, conn.id);
    // Two chats: both requests are in flight at once (window 8).
    await waitFor(() => r.requests.length === 2, { message: "both requests in flight" });
    // Another connection (a backup, the CLI) holds the write lock while the answers come back.
    const other = new Database(t.db.$client.filename);
    try {
      // The thread takes the lock for its own short writes (lease heartbeats) while requests are in flight:
      // wait for it rather than fail at once (the default busy timeout is 0).
      other.exec("PRAGMA busy_timeout = 5000");
      other.exec("BEGIN IMMEDIATE");
      release!();
      await waitFor(() => answered === 2, { message: "receiver answered both" });
      const during = other.query("select status from webhook_deliveries order by id").all();
      expect(during).toEqual([{ status: "delivering" }, { status: "delivering" }]);
      other.exec("ROLLBACK");
    } finally {
      other.close();
      // Never leave the receiver's answers pending (its stop would wait for them), even if a step above failed.
      release!();
    }
    await waitFor(async () => (await statusCounts(t)).delivered === 2, {
      message: "results stored after the lock was freed",
    });
    expect(r.requests.map((q) => q.attempt)).toEqual([1, 1]);
    expect((await deliveries(t)).map((d) => d.attempts)).toEqual([1, 1]);
  });

  test("stop releases what the thread holds back to pending, and a restart delivers it", async () => {
    await using r = startReceiver(() => "hang");
    const { t, conn } = await setupApp(
      { WEBHOOK_TIMEOUT_MS: "60000", WEBHOOK_WINDOW: "1" },
      { thread: true },
    );
    await using _t = t;
    await addHook(t, conn.id, r.url, { events: ["message_received"] });
    await inbound(t, conn.id);
    await inbound(t, conn.id);
    await waitFor(() => r.requests.length === 1);
    await t.dispatcher.stop(200);
    expect(t.dispatcher.running).toBe(false);
    const rows = await t.rows(
      "select status, attempts, lease_token as token from webhook_deliveries order by id",
    );
    expect(rows).toEqual([
      { status: "pending", attempts: 1, token: null },
      { status: "pending", attempts: 0, token: null },
    ]);
  });
});
