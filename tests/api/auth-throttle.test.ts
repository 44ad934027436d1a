import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../src/config";
import { createAuthThrottle } from "../../src/http/auth-throttle";
import { parseTrustedProxies, resolveClientAddress } from "../../src/net/trusted-proxies";
import { ADMIN_TOKEN, createTestApp, type TestApp } from "../support/test-app";

/** What Bun.serve hands the app as its env: `requestIP` names the client's address. */
const from = (address: string) => ({ requestIP: () => ({ address, family: "IPv4", port: 40000 }) });

const attempt = (t: TestApp, token: string | null, address = "203.0.113.7", path = "/api/v1/connections") =>
  t.app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} }, from(address));

describe("failed authentication is throttled per client address", () => {
  test("past AUTH_FAIL_LIMIT failures a minute the address gets 429 ERR_TOO_MANY_REQUESTS with Retry-After", async () => {
    await using t = createTestApp({ AUTH_FAIL_LIMIT: "5" });
    for (let i = 0; i < 5; i++) expect((await attempt(t, `wrong-${i}`)).status).toBe(401);
    const refused = await attempt(t, "wrong-again");
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: "ERR_TOO_MANY_REQUESTS", message: expect.any(String) });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // A missing token is a failed attempt too.
    expect((await attempt(t, null)).status).toBe(429);
  });

  test("a valid token from a throttled address keeps working", async () => {
    await using t = createTestApp({ AUTH_FAIL_LIMIT: "3" });
    const apiToken = await t.apiToken();
    for (let i = 0; i < 4; i++) await attempt(t, `wrong-${i}`);
    expect((await attempt(t, "wrong")).status).toBe(429);
    expect((await attempt(t, ADMIN_TOKEN)).status).toBe(200);
    expect((await attempt(t, apiToken)).status).toBe(200);
  });

  test("other addresses are not affected", async () => {
    await using t = createTestApp({ AUTH_FAIL_LIMIT: "3" });
    for (let i = 0; i < 4; i++) await attempt(t, `wrong-${i}`, "198.51.100.1");
    expect((await attempt(t, "wrong", "198.51.100.1")).status).toBe(429);
    expect((await attempt(t, "wrong", "198.51.100.2")).status).toBe(401);
  });

  test("the event stream's ?access_token= counts against the same limit", async () => {
    await using t = createTestApp({ AUTH_FAIL_LIMIT: "2" });
    const stream = (token: string) =>
      attempt(t, null, "192.0.2.9", `/api/v1/events/stream?access_token=${token}`);
    expect((await stream("wrong-1")).status).toBe(401);
    expect((await stream("wrong-2")).status).toBe(401);
    expect((await stream("wrong-3")).status).toBe(429);
    expect((await attempt(t, "wrong-4", "192.0.2.9")).status).toBe(429);
  });

  test("requests without a client address (app.request) share one bucket", async () => {
    await using t = createTestApp({ AUTH_FAIL_LIMIT: "2" });
    expect((await t.get("/api/v1/connections", "wrong-1")).status).toBe(401);
    expect((await t.get("/api/v1/connections", "wrong-2")).status).toBe(401);
    expect((await t.get("/api/v1/connections", "wrong-3")).status).toBe(429);
    expect((await t.get("/api/v1/connections")).status).toBe(200);
  });

  test("a real server throttles by the socket's address", async () => {
    await using t = createTestApp({ AUTH_FAIL_LIMIT: "2" });
    using server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch });
    const get = (token: string) =>
      fetch(`${server.url}api/v1/connections`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get("wrong-1")).status).toBe(401);
    expect((await get("wrong-2")).status).toBe(401);
    const refused = await get("wrong-3");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await get(ADMIN_TOKEN)).status).toBe(200);
    // The app.request bucket ("unknown") is another one.
    expect((await t.get("/api/v1/connections", "wrong")).status).toBe(401);
  });

  test("each app gets its own limiter", async () => {
    await using a = createTestApp({ AUTH_FAIL_LIMIT: "1" });
    await using b = createTestApp({ AUTH_FAIL_LIMIT: "1" });
    await a.get("/api/v1/connections", "wrong");
    expect((await a.get("/api/v1/connections", "wrong")).status).toBe(429);
    expect((await b.get("/api/v1/connections", "wrong")).status).toBe(401);
  });
});

describe("createAuthThrottle", () => {
  test("the window ends: an address may fail again a minute after its first failure", () => {
    let now = 1_000_000;
    const throttle = createAuthThrottle({ limitPerMinute: 2, clock: () => now });
    throttle.fail("a");
    throttle.fail("a");
    expect(throttle.retryAfterSeconds("a")).toBe(60);
    now += 59_001;
    expect(throttle.retryAfterSeconds("a")).toBe(1);
    now += 1_000;
    expect(throttle.retryAfterSeconds("a")).toBe(0);
    throttle.fail("a");
    expect(throttle.retryAfterSeconds("a")).toBe(0);
  });

  test("a flood of addresses keeps the table bounded; the overflow shares one bucket", () => {
    let now = 0;
    const throttle = createAuthThrottle({ limitPerMinute: 3, maxAddresses: 100, clock: () => now });
    for (let i = 0; i < 10_000; i++) throttle.fail(`10.0.${i >> 8}.${i & 255}`);
    expect(throttle.size).toBeLessThanOrEqual(101);
    // The overflow bucket has seen thousands of failures: a new address is refused with the flood.
    expect(throttle.retryAfterSeconds("172.16.0.1")).toBeGreaterThan(0);
    // Addresses already in the table keep their own count.
    expect(throttle.retryAfterSeconds("10.0.0.0")).toBe(0);
    // Once their windows are over, the table makes room again.
    now += 60_000;
    expect(throttle.retryAfterSeconds("172.16.0.1")).toBe(0);
    throttle.fail("172.16.0.1");
    expect(throttle.size).toBeLessThanOrEqual(101);
  });

  test("a limit of 0 turns throttling off", () => {
    const throttle = createAuthThrottle({ limitPerMinute: 0 });
    for (let i = 0; i < 1000; i++) throttle.fail("a");
    expect(throttle.retryAfterSeconds("a")).toBe(0);
    expect(throttle.size).toBe(0);
  });
});

describe("TRUSTED_PROXIES: behind a reverse proxy each client gets its own bucket", () => {
  /** A real server on loopback: the TCP peer of every request is 127.0.0.1, as behind nginx on the box. */
  const viaProxy = (server: Bun.Server<unknown>, token: string, forwardedFor?: string) =>
    fetch(`${server.url}api/v1/connections`, {
      headers: {
        authorization: `Bearer ${token}`,
        ...(forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor }),
      },
    });

  test("a trusted proxy's X-Forwarded-For names the client: one client's failures do not lock out another", async () => {
    await using t = createTestApp({ AUTH_FAIL_LIMIT: "2", TRUSTED_PROXIES: "127.0.0.1, ::1" });
    using server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch });
    expect((await viaProxy(server, "wrong-1", "203.0.113.7")).status).toBe(401);
    expect((await viaProxy(server, "wrong-2", "203.0.113.7")).status).toBe(401);
    expect((await viaProxy(server, "wrong-3", "203.0.113.7")).status).toBe(429);
    // Another client behind the same proxy.
    expect((await viaProxy(server, "wrong-1", "198.51.100.20")).status).toBe(401);
    // A client cannot escape its bucket by sending its own X-Forwarded-For: the proxy appends the real
    // address, and only the right-most untrusted entry counts.
    expect((await viaProxy(server, "wrong-4", "192.0.2.1, 203.0.113.7")).status).toBe(429);
    // Chains of trusted proxies are walked past.
    expect((await viaProxy(server, "wrong-5", "203.0.113.7, 127.0.0.1")).status).toBe(429);
  });

  test("without TRUSTED_PROXIES the header is ignored: a client cannot pick its bucket", async () => {
    await using t = createTestApp({ AUTH_FAIL_LIMIT: "2" });
    using server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch });
    expect((await viaProxy(server, "wrong-1", "203.0.113.1")).status).toBe(401);
    expect((await viaProxy(server, "wrong-2", "203.0.113.2")).status).toBe(401);
    expect((await viaProxy(server, "wrong-3", "203.0.113.3")).status).toBe(429);
  });

  test("a peer that is not a trusted proxy is the client, whatever its header says", async () => {
    await using t = createTestApp({ AUTH_FAIL_LIMIT: "1", TRUSTED_PROXIES: "10.0.0.0/8" });
    using server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch });
    expect((await viaProxy(server, "wrong-1", "203.0.113.1")).status).toBe(401);
    expect((await viaProxy(server, "wrong-2", "203.0.113.2")).status).toBe(429);
  });
});

describe("resolveClientAddress / parseTrustedProxies", () => {
  const proxies = parseTrustedProxies("loopback 10.0.0.0/8,2001:db8::/32");

  test("the right-most untrusted hop, the peer when the header is missing, malformed or all trusted", () => {
    expect(resolveClientAddress(proxies, "127.0.0.1", "203.0.113.7")).toBe("203.0.113.7");
    expect(resolveClientAddress(proxies, "::ffff:127.0.0.1", " 198.51.100.1 , 10.1.2.3")).toBe(
      "198.51.100.1",
    );
    expect(resolveClientAddress(proxies, "::1", "2001:db8::5, 2001:db9::1")).toBe("2001:db9::1");
    expect(resolveClientAddress(proxies, "127.0.0.1", undefined)).toBe("127.0.0.1");
    expect(resolveClientAddress(proxies, "127.0.0.1", "not-an-ip")).toBe("127.0.0.1");
    expect(resolveClientAddress(proxies, "127.0.0.1", "10.0.0.1, 127.0.0.1")).toBe("127.0.0.1");
    expect(resolveClientAddress(proxies, "192.0.2.1", "203.0.113.7")).toBe("192.0.2.1");
    expect(resolveClientAddress(parseTrustedProxies(""), "127.0.0.1", "203.0.113.7")).toBe("127.0.0.1");
  });

  test("a bad entry stops the start with a message naming it", () => {
    expect(() => parseTrustedProxies("127.0.0.1, nginx")).toThrow('TRUSTED_PROXIES: "nginx"');
    expect(() => parseTrustedProxies("10.0.0.0/99")).toThrow("TRUSTED_PROXIES");
    expect(() => loadConfig({ TRUSTED_PROXIES: "proxy.local" })).toThrow(ConfigError);
    expect(loadConfig({ TRUSTED_PROXIES: "::ffff:10.0.0.0/104" }).trustedProxies.ranges).toHaveLength(1);
  });
});
