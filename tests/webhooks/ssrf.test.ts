import { describe, expect, test } from "bun:test";
import pino from "pino";
import { ConfigError, loadConfig } from "../../src/config";
import { createPgDispatchStore } from "../../src/webhooks/dispatch-store";
import { createDispatcher } from "../../src/webhooks/dispatcher";
import { createReceiverPolicy } from "../../src/webhooks/receiver-policy";
import { type TestApp, waitFor } from "../support/test-app";
import { addHook, deliveries, inbound, setupApp, statusCounts } from "./helpers";
import { startReceiver } from "./receiver";

/** The address policy as shipped: private, loopback, link-local… receivers refused. */
const GUARDED = { WEBHOOK_ALLOW_PRIVATE: "false" };

/** A resolver whose records the test changes between configuration and delivery; unknown names fail. */
function switchableDns(records: Record<string, string[]>) {
  const lookups: string[] = [];
  return {
    lookups,
    set(name: string, addresses: string[]) {
      records[name] = addresses;
    },
    resolve: async (name: string) => {
      lookups.push(name);
      const addresses = records[name];
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" });
      return addresses;
    },
  };
}

const PUBLIC_IP = "93.184.216.34";

/** A webhook stored as it was before the policy existed (or while WEBHOOK_ALLOW_PRIVATE was on). */
async function storeHookDirectly(t: TestApp, connectionId: number, url: string) {
  const now = new Date();
  const [hook] = await t.domainStore.write((q) =>
    q
      .insert(t.domainStore.t.webhooks)
      .values({
        connectionId,
        url,
        secret: "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=",
        createdAt: now,
        updatedAt: now,
      })
      .returning(),
  );
  return hook!;
}

const refused = (why: string) => ({
  error: "ERR_INVALID_WEBHOOK_URL",
  message: expect.stringContaining(why),
});

describe("webhook URLs are checked against the address policy when configured", () => {
  test.each([
    ["http://169.254.169.254/latest/meta-data/", "is a non-public address (linkLocal)"],
    ["http://10.1.2.3/hook", "is a non-public address (private)"],
    ["http://192.168.1.20:8080/hook", "is a non-public address (private)"],
    ["http://172.16.5.4/hook", "is a non-public address (private)"],
    ["http://127.0.0.1:8080/api/v1/tickets", "is a non-public address (loopback)"],
    ["http://[::1]:8080/hook", "is a non-public address (loopback)"],
    ["http://[::ffff:127.0.0.1]/hook", "is a non-public address (ipv4Mapped loopback)"],
    ["http://[::ffff:a9fe:a9fe]/hook", "is a non-public address (ipv4Mapped linkLocal)"],
    ["http://0.0.0.0:8080/hook", "is a non-public address (unspecified)"],
    ["http://100.64.0.1/hook", "is a non-public address (carrierGradeNat)"],
    ["http://[fd00::1]/hook", "is a non-public address (uniqueLocal)"],
    ["http://2130706433/hook", "is a non-public address (loopback)"],
    ["http://localhost:8080/hook", "is an internal name"],
    ["http://metadata.google.internal/computeMetadata/v1/", "is an internal name"],
    ["http://intranet.example.com/hook", "resolves to a non-public address (private)"],
    ["http://sneaky.example.com/hook", "resolves to a non-public address (loopback)"],
  ])("refuses %s with 400 ERR_INVALID_WEBHOOK_URL, on create and on update", async (url, why) => {
    const dns = switchableDns({
      "intranet.example.com": ["10.0.0.7"],
      "sneaky.example.com": [PUBLIC_IP, "127.0.0.1"],
      "hooks.example.com": [PUBLIC_IP],
    });
    const { t, conn } = await setupApp(GUARDED, { start: false, resolve: dns.resolve });
    await using _t = t;
    const created = await t.post(`/api/v1/connections/${conn.id}/webhooks`, { url });
    expect({ status: created.status, body: created.body }).toEqual({ status: 400, body: refused(why) });
    expect((await t.get(`/api/v1/connections/${conn.id}/webhooks`)).body).toEqual([]);

    const hook = await addHook(t, conn.id, "https://hooks.example.com/whatsapp");
    const updated = await t.put(`/api/v1/connections/${conn.id}/webhooks/${hook.id}`, { url });
    expect({ status: updated.status, body: updated.body }).toEqual({ status: 400, body: refused(why) });
    const [stored] = (await t.get(`/api/v1/connections/${conn.id}/webhooks`)).body;
    expect(stored.url).toBe("https://hooks.example.com/whatsapp");
  });

  test("the refusal names the settings that allow an internal receiver", async () => {
    const { t, conn } = await setupApp(GUARDED, { start: false });
    await using _t = t;
    const r = await t.post(`/api/v1/connections/${conn.id}/webhooks`, { url: "http://10.1.2.3/hook" });
    expect(r.body.message).toContain("WEBHOOK_ALLOWED_HOSTS");
    expect(r.body.message).toContain("WEBHOOK_ALLOW_PRIVATE");
  });

  test("accepts a public receiver, and a name that does not resolve yet (checked again at each delivery)", async () => {
    const dns = switchableDns({ "hooks.example.com": [PUBLIC_IP] });
    const { t, conn } = await setupApp(GUARDED, { start: false, resolve: dns.resolve });
    await using _t = t;
    for (const url of [
      "https://hooks.example.com/whatsapp",
      `https://${PUBLIC_IP}/hook`,
      "https://not-yet.example.com/hook",
    ]) {
      expect((await t.post(`/api/v1/connections/${conn.id}/webhooks`, { url })).status).toBe(201);
    }
  });
});

describe("every delivery checks the address again and dials the address it checked", () => {
  test("a host that resolved public when configured and loopback at delivery is never dialled; each attempt records why and is retried", async () => {
    await using r = startReceiver();
    const dns = switchableDns({ "hooks.example.com": [PUBLIC_IP] });
    const { t, conn } = await setupApp(GUARDED, { resolve: dns.resolve });
    await using _t = t;
    await addHook(t, conn.id, `http://hooks.example.com:${r.port}/hook`, { events: ["ticket_created"] });
    dns.set("hooks.example.com", ["127.0.0.1"]);

    await inbound(t, conn.id);
    await waitFor(async () => (await statusCounts(t)).failed === 1, {
      message: "the delivery runs out of attempts",
    });

    const [d] = await deliveries(t);
    expect({
      status: d!.status,
      attempts: d!.attempts,
      lastStatusCode: d!.lastStatusCode,
      lastError: d!.lastError,
      received: r.requests.length,
    }).toEqual({
      status: "failed",
      attempts: 4,
      lastStatusCode: null,
      lastError: expect.stringContaining(
        "host hooks.example.com resolves to a non-public address (loopback)",
      ) as unknown as string,
      received: 0,
    });
  });

  test("a refused attempt is retried: once DNS points at an allowed address again, the same delivery arrives", async () => {
    // The receiver listens on 127.0.0.2, the only loopback address the allow-list admits.
    await using r = startReceiver(undefined, "127.0.0.2");
    const dns = switchableDns({ "hooks.example.com": [PUBLIC_IP] });
    const { t, conn } = await setupApp(
      { ...GUARDED, WEBHOOK_ALLOWED_HOSTS: "127.0.0.2", WEBHOOK_MAX_ATTEMPTS: "8" },
      { resolve: dns.resolve },
    );
    await using _t = t;
    await addHook(t, conn.id, `http://hooks.example.com:${r.port}/hook`, { events: ["ticket_created"] });
    dns.set("hooks.example.com", ["127.0.0.1"]);
    await inbound(t, conn.id);
    const first = await waitFor(async () => (await deliveries(t)).find((d) => d.lastError !== null));
    expect(first.lastError).toContain("resolves to a non-public address (loopback)");

    dns.set("hooks.example.com", ["127.0.0.2"]);
    await waitFor(async () => (await statusCounts(t)).delivered === 1, {
      message: "delivered after DNS changed back",
    });
    expect(r.requests.map((q) => ({ id: q.id, host: q.host }))).toEqual([
      { id: first.eventId, host: `hooks.example.com:${r.port}` },
    ]);
  });

  test("a webhook stored before the policy existed is refused at delivery without a connection", async () => {
    await using r = startReceiver();
    const { t, conn } = await setupApp(GUARDED);
    await using _t = t;
    await storeHookDirectly(t, conn.id, r.url);
    await inbound(t, conn.id);
    await waitFor(async () => (await statusCounts(t)).failed === 3, {
      message: "every delivery runs out of attempts",
    });
    expect(r.requests).toEqual([]);
    expect(new Set((await deliveries(t)).map((d) => d.lastError))).toEqual(
      new Set([expect.stringContaining("host 127.0.0.1 is a non-public address (loopback)")]),
    );
  });
});

test("at start the dispatcher warns about stored webhooks the policy now refuses", async () => {
  const { t, conn } = await setupApp(GUARDED, { start: false });
  await using _t = t;
  const refusedHook = await storeHookDirectly(t, conn.id, "http://10.1.2.3/hook");
  await storeHookDirectly(t, conn.id, `https://${PUBLIC_IP}/hook`);
  const lines: { webhookId?: number; msg: string; error?: string }[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const dispatcher = createDispatcher({
    ...(t.postgres
      ? { store: createPgDispatchStore(t.postgres.sql, { leaseMs: 1000, batchSize: 50, clock: Date.now }) }
      : { db: t.db }),
    events: t.events,
    logger,
    receivers: createReceiverPolicy({ allowPrivate: false, allowedHosts: [], lookupTimeoutMs: 1000 }),
    timeoutMs: 1000,
    maxAttempts: 1,
    retryBaseMs: 1000,
    concurrency: 1,
    leaseMs: 1000,
  });
  dispatcher.start();
  await using _d = { [Symbol.asyncDispose]: () => dispatcher.stop() };
  await waitFor(() => lines.length > 0);
  expect(lines.map((l) => ({ webhookId: l.webhookId, msg: l.msg, error: l.error }))).toEqual([
    {
      webhookId: refusedHook.id,
      msg: "webhook receiver is refused by the address policy; its deliveries will fail",
      error: expect.stringContaining("host 10.1.2.3 is a non-public address (private)") as unknown as string,
    },
  ]);
});

describe("POST /api/v1/connections/:id/webhooks/:webhookId/test is not a port probe", () => {
  test("a refused address answers 400 with the policy error and nothing is dialled, open port or closed", async () => {
    await using open = startReceiver();
    const closedPort = (() => {
      const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
      const port = s.port as number;
      s.stop(true);
      return port;
    })();
    const { t, conn } = await setupApp(GUARDED, { start: false });
    await using _t = t;
    const a = await storeHookDirectly(t, conn.id, `http://127.0.0.1:${open.port}/hook`);
    const b = await storeHookDirectly(t, conn.id, `http://127.0.0.1:${closedPort}/hook`);

    const answers = [];
    for (const hook of [a, b]) {
      const r = await t.post(`/api/v1/connections/${conn.id}/webhooks/${hook.id}/test`);
      answers.push({ status: r.status, body: r.body });
    }
    const same = { status: 400, body: refused("host 127.0.0.1 is a non-public address (loopback)") };
    expect(answers).toEqual([same, same]);
    expect(answers[0]!.body.message).toBe(answers[1]!.body.message);
    expect(open.requests).toEqual([]);
  });

  test("a host that now resolves to a private address is refused the same way, without a connection", async () => {
    await using r = startReceiver();
    const dns = switchableDns({ "hooks.example.com": [PUBLIC_IP] });
    const { t, conn } = await setupApp(GUARDED, { start: false, resolve: dns.resolve });
    await using _t = t;
    const hook = await addHook(t, conn.id, `http://hooks.example.com:${r.port}/hook`);
    dns.set("hooks.example.com", ["127.0.0.1"]);
    const res = await t.post(`/api/v1/connections/${conn.id}/webhooks/${hook.id}/test`);
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: refused("host hooks.example.com resolves to a non-public address (loopback)"),
    });
    expect(r.requests).toEqual([]);
  });
});

describe("internal receivers are allowed explicitly", () => {
  test("WEBHOOK_ALLOW_PRIVATE=true admits a receiver on loopback: configured, delivered and tested", async () => {
    await using r = startReceiver();
    const { t, conn } = await setupApp({ WEBHOOK_ALLOW_PRIVATE: "true" });
    await using _t = t;
    const hook = await addHook(t, conn.id, r.url, { events: ["ticket_created"] });
    await inbound(t, conn.id);
    await waitFor(async () => (await statusCounts(t)).delivered === 1);
    const ping = await t.post(`/api/v1/connections/${conn.id}/webhooks/${hook.id}/test`);
    expect({ status: ping.status, delivered: ping.body.delivered, statusCode: ping.body.statusCode }).toEqual(
      {
        status: 200,
        delivered: true,
        statusCode: 200,
      },
    );
  });

  test.each([
    ["an IP address", "127.0.0.1"],
    ["a CIDR range", "10.0.0.0/8, 127.0.0.0/8"],
  ])(
    "WEBHOOK_ALLOWED_HOSTS with %s admits that receiver and still refuses other private addresses",
    async (_what, list) => {
      await using r = startReceiver();
      const { t, conn } = await setupApp({ ...GUARDED, WEBHOOK_ALLOWED_HOSTS: list });
      await using _t = t;
      const hook = await addHook(t, conn.id, r.url, { events: ["ticket_created"] });
      await inbound(t, conn.id);
      await waitFor(async () => (await statusCounts(t)).delivered === 1);
      const ping = await t.post(`/api/v1/connections/${conn.id}/webhooks/${hook.id}/test`);
      expect(ping.body.statusCode).toBe(200);
      for (const url of ["http://192.168.1.20/hook", "http://169.254.169.254/", "http://[::1]/hook"]) {
        expect((await t.post(`/api/v1/connections/${conn.id}/webhooks`, { url })).body.error).toBe(
          "ERR_INVALID_WEBHOOK_URL",
        );
      }
    },
  );

  test("WEBHOOK_ALLOWED_HOSTS with a host name admits that name, dialled at the address it resolved to", async () => {
    await using r = startReceiver();
    const dns = switchableDns({ "n8n.internal": ["127.0.0.1"], "other.internal": ["127.0.0.1"] });
    const { t, conn } = await setupApp(
      { ...GUARDED, WEBHOOK_ALLOWED_HOSTS: "N8N.internal" },
      { resolve: dns.resolve },
    );
    await using _t = t;
    await addHook(t, conn.id, `http://n8n.internal:${r.port}/webhook/whatsapp`, {
      events: ["ticket_created"],
    });
    await inbound(t, conn.id);
    await waitFor(async () => (await statusCounts(t)).delivered === 1);
    expect(r.requests.map((q) => q.host)).toEqual([`n8n.internal:${r.port}`]);
    const other = await t.post(`/api/v1/connections/${conn.id}/webhooks`, {
      url: `http://other.internal:${r.port}/hook`,
    });
    expect(other.body).toEqual(refused("is an internal name"));
  });

  test("a listed range admits an internal name only when every address it resolves to is in it", async () => {
    const dns = switchableDns({
      n8n: ["10.0.3.4"],
      "mixed.internal": ["10.0.3.4", "192.168.1.1"],
      "metadata.google.internal": ["169.254.169.254"],
    });
    const { t, conn } = await setupApp(
      { ...GUARDED, WEBHOOK_ALLOWED_HOSTS: "10.0.0.0/8" },
      { start: false, resolve: dns.resolve },
    );
    await using _t = t;
    const create = async (url: string) => {
      const r = await t.post(`/api/v1/connections/${conn.id}/webhooks`, { url });
      return r.status === 201 ? 201 : r.body.message;
    };
    expect([
      await create("http://n8n:5678/webhook/whatsapp"),
      await create("http://mixed.internal/hook"),
      await create("http://metadata.google.internal/computeMetadata/v1/"),
    ]).toEqual([
      201,
      expect.stringContaining("mixed.internal is an internal name"),
      expect.stringContaining("metadata.google.internal is an internal name"),
    ]);
  });

  test("an allowed IPv4 address also admits its IPv4-mapped IPv6 form, dialled as IPv4", async () => {
    await using r = startReceiver();
    const { t, conn } = await setupApp({ ...GUARDED, WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" });
    await using _t = t;
    const hook = await addHook(t, conn.id, `http://[::ffff:127.0.0.1]:${r.port}/hook`);
    const ping = await t.post(`/api/v1/connections/${conn.id}/webhooks/${hook.id}/test`);
    expect({ status: ping.status, statusCode: ping.body.statusCode, received: r.requests.length }).toEqual({
      status: 200,
      statusCode: 200,
      received: 1,
    });
  });

  test("an invalid WEBHOOK_ALLOWED_HOSTS entry stops the process with a message naming the variable", () => {
    for (const bad of ["10.0.0.0/33", "http://n8n.internal", "n8n.internal:5678", "10.0.0.0/8,,bad host"]) {
      expect(() => loadConfig({ WEBHOOK_ALLOWED_HOSTS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ WEBHOOK_ALLOWED_HOSTS: bad })).toThrow(/WEBHOOK_ALLOWED_HOSTS/);
    }
    expect(loadConfig({})).toMatchObject({ webhookAllowPrivate: false, webhookAllowedHosts: [] });
    expect(
      loadConfig({ WEBHOOK_ALLOWED_HOSTS: " 127.0.0.1 , 10.0.0.0/8,n8n.internal., [::1]" }),
    ).toMatchObject({
      webhookAllowedHosts: ["127.0.0.1", "10.0.0.0/8", "n8n.internal", "::1"],
    });
  });
});
