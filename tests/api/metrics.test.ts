import { describe, expect, test } from "bun:test";
import type { GatewayEvents, GatewayFactory } from "../../src/whatsapp/gateway";
import { createSandboxGateway } from "../../src/whatsapp/sandbox/sandbox-gateway";
import { parseMetrics } from "../support/prometheus";
import { createTestApp, type TestApp, waitFor } from "../support/test-app";

const METRICS_TOKEN = "metrics-scraper-secret-0123456789";

const scrape = async (t: TestApp, token: string | null = METRICS_TOKEN) => {
  const res = await t.request("/metrics", { token });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
  return parseMetrics(await res.text());
};

describe("GET /metrics", () => {
  test("counts messages in and out by connection, and each request under its route template", async () => {
    await using t = createTestApp({ METRICS_TOKEN });
    const conn = await t.sandbox();
    const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: "595991000001",
      body: "hola",
      name: "Juan",
    });
    expect(inbound.status).toBe(201);
    const sent = await t.post(`/api/v1/tickets/${inbound.body.ticketId}/messages`, { body: "buenas" });
    expect(sent.status).toBe(201);
    await t.get(`/api/v1/tickets/${inbound.body.ticketId}`);

    const m = await waitFor(async () => {
      const m = await scrape(t);
      return m.value("chasqui_messages_total", { connection: String(conn.id), direction: "out" }) ? m : null;
    });
    const connection = String(conn.id);
    expect({
      in: m.value("chasqui_messages_total", { connection, direction: "in" }),
      out: m.value("chasqui_messages_total", { connection, direction: "out" }),
      ticketReads: m.value("chasqui_http_requests_total", {
        method: "GET",
        route: "/api/v1/tickets/:ticketId",
        status: "200",
      }),
      sends: m.value("chasqui_http_requests_total", {
        method: "POST",
        route: "/api/v1/tickets/:ticketId/messages",
        status: "201",
      }),
      connected: m.value("chasqui_connections", { status: "CONNECTED" }),
      info: m.value("chasqui_connection_info", { connection, name: "Principal", driver: "sandbox" }),
    }).toEqual({ in: 1, out: 1, ticketReads: 1, sends: 1, connected: 1, info: 1 });
    // Labels carry the template, never the raw path.
    const routes = m.family("chasqui_http_requests_total")!.metrics.map((s) => s.labels!.route!);
    expect(routes.filter((r) => /\/\d+(\/|$)/.test(r))).toEqual([]);
    const latency = m.histogram("chasqui_http_request_duration_seconds", {
      method: "GET",
      route: "/api/v1/tickets/:ticketId",
    });
    expect(latency?.count).toBe(1);
    expect(latency?.buckets["+Inf"]).toBe(1);
    // The commit queue stored the inbound message and the send (SQLite's group commit: on PostgreSQL every write is
    // a transaction of the pool, and the local file's writer has nothing to commit).
    if (!t.postgres) {
      expect(m.histogram("chasqui_db_commit_batch_size")!.count).toBeGreaterThan(0);
      expect(m.histogram("chasqui_db_commit_duration_seconds")!.count).toBeGreaterThan(0);
    }

    // Counters only move up: one more inbound message, one more under `in`.
    await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595991000001", body: "otra" });
    await waitFor(
      async () => (await scrape(t)).value("chasqui_messages_total", { connection, direction: "in" }) === 2,
    );
  });

  test("counts failed sends by error code", async () => {
    await using t = createTestApp({ METRICS_TOKEN });
    await t.sandbox();
    const refused = await t.post("/api/v1/send", { number: "12", body: "hola" });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const code = refused.body.error as string;
    const m = await scrape(t);
    expect(m.value("chasqui_sends_failed_total", { code })).toBe(1);
  });

  test("a delivery to a local receiver shows in the outcome counter, the lag histogram and the queue", async () => {
    await using t = createTestApp({ METRICS_TOKEN, WEBHOOK_ALLOW_PRIVATE: "true" });
    const received: string[] = [];
    using receiver = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (req) => {
        received.push(await req.text());
        return new Response("ok");
      },
    });
    const conn = await t.sandbox();
    const hook = await t.post(`/api/v1/connections/${conn.id}/webhooks`, {
      url: `http://127.0.0.1:${receiver.port}/hook`,
      events: ["message_received"],
    });
    expect(hook.status).toBe(201);
    await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595991000001", body: "hola" });
    // Stored, not yet sent: the dispatcher is not running.
    const before = await scrape(t);
    expect(before.value("chasqui_webhook_queue_depth", { status: "pending" })).toBe(1);

    t.dispatcher.start();
    const m = await waitFor(async () => {
      const m = await scrape(t);
      // The lag is observed once the delivery's times are read back (on PostgreSQL a round trip after the outcome).
      return m.value("chasqui_webhook_deliveries_total", { outcome: "delivered" }) === 1 &&
        m.histogram("chasqui_webhook_delivery_lag_seconds")?.count
        ? m
        : null;
    });
    expect(received.length).toBe(1);
    expect({
      lagCount: m.histogram("chasqui_webhook_delivery_lag_seconds")?.count,
      pending: m.value("chasqui_webhook_queue_depth", { status: "pending" }),
      delivering: m.value("chasqui_webhook_queue_depth", { status: "delivering" }),
      oldest: m.value("chasqui_webhook_oldest_pending_age_seconds"),
    }).toEqual({ lagCount: 1, pending: 0, delivering: 0, oldest: 0 });
    // The lag is the row's own: from its creation to its delivery, as stored.
    const [row] = await t.rows<{ created_at: unknown; delivered_at: unknown }>(
      "select created_at, delivered_at from webhook_deliveries",
    );
    // SQLite keeps ms; PostgreSQL a timestamp.
    const ms = (v: unknown) => (typeof v === "number" ? v : new Date(v as string | Date).getTime());
    expect(m.histogram("chasqui_webhook_delivery_lag_seconds")!.sum).toBeCloseTo(
      (ms(row!.delivered_at) - ms(row!.created_at)) / 1000,
      6,
    );
  });

  test("reports the process, the event loop, the store and open streams", async () => {
    await using t = createTestApp({ METRICS_TOKEN });
    const m = await scrape(t);
    expect(m.value("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(m.value("process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(m.value("nodejs_eventloop_lag_p99_seconds")).toBeGreaterThanOrEqual(0);
    expect(m.value("chasqui_sse_streams_open")).toBe(0);
    expect(m.value("chasqui_media_bytes")).toBe(0);
    // The test database is in memory: it has no file sizes to report.
    expect(m.family("chasqui_db_size_bytes")?.metrics ?? []).toEqual([]);
  });

  test("counts the messages waiting for the full-text index; a search indexes them first", async () => {
    // SQLite (PostgreSQL indexes with the row). The store's own 250 ms indexing off: only the search indexes.
    await using t = createTestApp({ METRICS_TOKEN }, { searchIndexMs: 0, store: "sqlite" });
    const conn = await t.post("/api/v1/connections", { name: "S", driver: "sandbox" });
    for (const body of ["hola, ¿tienen envío?", "quiero pagar"])
      await t.post(`/api/v1/connections/${conn.body.id}/sandbox/inbound`, { number: "595991000001", body });
    expect((await scrape(t)).value("chasqui_search_index_waiting")).toBe(2);
    const found = await t.get("/api/v1/messages/search?q=envio");
    expect(found.body.count).toBe(1);
    expect((await scrape(t)).value("chasqui_search_index_waiting")).toBe(0);
  });

  test("an open event stream is counted while it is open", async () => {
    await using t = createTestApp({ METRICS_TOKEN });
    const controller = new AbortController();
    const stream = await t.request("/api/v1/events/stream", { signal: controller.signal });
    expect(stream.status).toBe(200);
    expect((await scrape(t)).value("chasqui_sse_streams_open")).toBe(1);
    controller.abort();
    await stream.body?.cancel().catch(() => {});
    await waitFor(async () => (await scrape(t)).value("chasqui_sse_streams_open") === 0);
  });
});

describe("GET /metrics auth", () => {
  test("METRICS_TOKEN and admin tokens may scrape; no token, a wrong one or an api token may not", async () => {
    await using t = createTestApp({ METRICS_TOKEN });
    const status = async (token: string | null) => (await t.request("/metrics", { token })).status;
    expect({
      metricsToken: await status(METRICS_TOKEN),
      admin: await status(undefined as unknown as string),
      none: await status(null),
      wrong: await status("not-the-metrics-token-000000"),
      api: await status(await t.apiToken()),
    }).toEqual({ metricsToken: 200, admin: 200, none: 401, wrong: 401, api: 403 });
  });

  test("without METRICS_TOKEN only admin tokens may scrape", async () => {
    await using t = createTestApp();
    expect((await t.request("/metrics", { token: METRICS_TOKEN })).status).toBe(401);
    expect((await t.request("/metrics")).status).toBe(200);
  });
});

test("a connection that drops and goes back to OPENING counts a reconnect", async () => {
  // A driver stand-in that reports what the Baileys supervisor reports on a dropped socket.
  let events: GatewayEvents | undefined;
  const factory: GatewayFactory = (conn, ev) => {
    events = ev;
    const gw = createSandboxGateway(conn, ev);
    return { ...gw, driver: "baileys" };
  };
  await using t = createTestApp({ METRICS_TOKEN }, { factories: { baileys: factory } });
  const created = await t.post("/api/v1/connections", { name: "Ventas" });
  const connection = String(created.body.id);
  await waitFor(() => events);
  events!.status("CONNECTED", { qrcode: null, number: "595981000009" });
  const reconnects = async () =>
    (await scrape(t)).value("chasqui_connection_reconnects_total", { connection }) ?? 0;
  expect(await reconnects()).toBe(0);
  events!.status("OPENING", { qrcode: null, reason: "connection closed (428): Connection Closed" });
  events!.status("CONNECTED", { qrcode: null });
  events!.status("OPENING", { qrcode: null, reason: "connection closed (428): Connection Closed" });
  expect(await waitFor(async () => ((await reconnects()) === 2 ? 2 : 0))).toBe(2);
});
