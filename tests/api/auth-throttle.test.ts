import { describe, expect, test } from "bun:test";
import { createAuthThrottle } from "../../src/http/auth-throttle";
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
