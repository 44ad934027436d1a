import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { createTestApp, type TestApp } from "../support/test-app";

/** argon2id hashing is deliberately slow (and the test machine is shared): each test gets a minute. */
const SLOW = 60_000;

/** What Bun.serve hands the app as its env: `requestIP` names the client's address. */
const from = (address: string) => ({ requestIP: () => ({ address, family: "IPv4", port: 40000 }) });
/** The origin of `app.request("/…")`: the panel's own pages send this. */
const SAME_ORIGIN = "http://localhost";

/** A clock the test moves by hand (idle and absolute expiry, throttle windows). */
function movableClock() {
  let now = Date.parse("2026-03-02T12:00:00Z");
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

async function login(
  t: TestApp,
  email: string,
  password: string,
  opts: { address?: string; headers?: Record<string, string> } = {},
) {
  const res = await t.app.request(
    "/api/v1/auth/login",
    {
      method: "POST",
      headers: { "content-type": "application/json", ...opts.headers },
      body: JSON.stringify({ email, password }),
    },
    from(opts.address ?? "203.0.113.7"),
  );
  const setCookie = res.headers.get("set-cookie") ?? "";
  const secret = /chasqui_session=([^;]*)/.exec(setCookie)?.[1] ?? "";
  return {
    res,
    status: res.status,
    body: (await res.json()) as any,
    setCookie,
    cookie: `chasqui_session=${secret}`,
    secret,
  };
}

/** A request as the panel makes it once signed in: the cookie, and the same-origin headers a browser adds. */
async function as(
  t: TestApp,
  cookie: string,
  method: string,
  path: string,
  json?: unknown,
  headers: Record<string, string> = { origin: SAME_ORIGIN, "sec-fetch-site": "same-origin" },
) {
  const res = await t.request(path, {
    method,
    token: null,
    json,
    headers: { cookie, ...(method === "GET" ? {} : headers) },
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, headers: res.headers };
}

async function createUser(t: TestApp, user: Record<string, unknown>) {
  const r = await t.post("/api/v1/users", user);
  if (r.status !== 201) throw new Error(`creating a user failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { id: number; email: string; name: string };
}

describe("sign-in and sessions", () => {
  test(
    "login sets an HttpOnly SameSite=Strict cookie, stores only a hash of its secret, and /auth/me names the user",
    async () => {
      await using t = createTestApp();
      const q = (await t.post("/api/v1/queues", { name: "Ventas", color: "#111" })).body;
      const ana = await createUser(t, {
        name: "Ana",
        email: "Ana@Example.com",
        password: "ana-password-1",
        queueIds: [q.id],
      });
      const r = await login(t, "ana@example.com", "ana-password-1");
      expect(r.status).toBe(200);
      expect(r.body.user).toMatchObject({ id: ana.id, role: "agent", queueIds: [q.id], hasPassword: true });
      expect(JSON.stringify(r.body)).not.toContain("argon2");
      expect(r.setCookie).toContain("HttpOnly");
      expect(r.setCookie).toContain("SameSite=Strict");
      expect(r.setCookie).toContain("Path=/");
      expect(r.setCookie).not.toContain("Secure");
      const stored = await t.rows<{ secret_hash: string }>("select secret_hash from user_sessions");
      expect(stored).toEqual([{ secret_hash: createHash("sha256").update(r.secret).digest("hex") }]);

      const me = await as(t, r.cookie, "GET", "/api/v1/auth/me");
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ kind: "user", user: { id: ana.id, role: "agent", queueIds: [q.id] } });
      // The token's view of the same route.
      expect((await t.get("/api/v1/auth/me")).body).toEqual({
        kind: "token",
        tokenId: null,
        name: "API_TOKEN",
        scope: "admin",
      });
      // GET /me (the panel's token check) answers a user as api/admin scope.
      expect((await as(t, r.cookie, "GET", "/api/v1/me")).body).toEqual({
        tokenId: null,
        name: "Ana",
        scope: "api",
      });
    },
    SLOW,
  );

  test(
    "the cookie is Secure when PUBLIC_URL is https",
    async () => {
      await using t = createTestApp({ PUBLIC_URL: "https://desk.example.com" });
      await createUser(t, { name: "Ana", email: "ana@example.com", password: "ana-password-1" });
      const r = await login(t, "ana@example.com", "ana-password-1");
      expect(r.setCookie).toContain("Secure");
    },
    SLOW,
  );

  test(
    "a wrong password, an unknown email, a user without password and a disabled user get the same 401",
    async () => {
      await using t = createTestApp();
      await createUser(t, { name: "Ana", email: "ana@example.com", password: "ana-password-1" });
      await createUser(t, { name: "Sin", email: "sin@example.com" });
      await createUser(t, {
        name: "Off",
        email: "off@example.com",
        password: "off-password-1",
        disabled: true,
      });
      const answers = [
        await login(t, "ana@example.com", "wrong-password"),
        await login(t, "nobody@example.com", "ana-password-1"),
        await login(t, "sin@example.com", "whatever-pass"),
        await login(t, "off@example.com", "off-password-1"),
      ];
      for (const a of answers) {
        expect(a.status).toBe(401);
        expect(a.body).toEqual({ error: "ERR_INVALID_CREDENTIALS", message: "Wrong email or password" });
        expect(a.setCookie).toBe("");
      }
    },
    SLOW,
  );

  test(
    "logout ends the session",
    async () => {
      await using t = createTestApp();
      await createUser(t, { name: "Ana", email: "ana@example.com", password: "ana-password-1" });
      const r = await login(t, "ana@example.com", "ana-password-1");
      const out = await as(t, r.cookie, "POST", "/api/v1/auth/logout");
      expect(out.status).toBe(200);
      expect(out.headers.get("set-cookie")).toContain("chasqui_session=;");
      expect((await as(t, r.cookie, "GET", "/api/v1/auth/me")).status).toBe(401);
    },
    SLOW,
  );

  test(
    "a session ends after SESSION_IDLE_MINUTES without use, and SESSION_MAX_HOURS after sign-in even in use",
    async () => {
      const clock = movableClock();
      await using t = createTestApp(
        { SESSION_IDLE_MINUTES: "30", SESSION_MAX_HOURS: "2" },
        { clock: clock.now },
      );
      await createUser(t, { name: "Ana", email: "ana@example.com", password: "ana-password-1" });

      const idle = await login(t, "ana@example.com", "ana-password-1");
      clock.advance(29 * 60_000);
      expect((await as(t, idle.cookie, "GET", "/api/v1/auth/me")).status).toBe(200);
      // Used at minute 29: idle counts from there.
      clock.advance(29 * 60_000);
      expect((await as(t, idle.cookie, "GET", "/api/v1/auth/me")).status).toBe(200);
      clock.advance(31 * 60_000);
      expect((await as(t, idle.cookie, "GET", "/api/v1/auth/me")).status).toBe(401);

      const busy = await login(t, "ana@example.com", "ana-password-1");
      for (let i = 0; i < 4; i++) {
        clock.advance(25 * 60_000);
        expect((await as(t, busy.cookie, "GET", "/api/v1/auth/me")).status).toBe(200);
      }
      clock.advance(25 * 60_000); // 125 minutes after sign-in
      expect((await as(t, busy.cookie, "GET", "/api/v1/auth/me")).status).toBe(401);
    },
    SLOW,
  );

  test(
    "changing my password needs the current one and ends my other sessions, not this one",
    async () => {
      await using t = createTestApp();
      await createUser(t, { name: "Ana", email: "ana@example.com", password: "ana-password-1" });
      const laptop = await login(t, "ana@example.com", "ana-password-1");
      const phone = await login(t, "ana@example.com", "ana-password-1");
      const wrong = await as(t, laptop.cookie, "PUT", "/api/v1/auth/password", {
        currentPassword: "not-it-at-all",
        newPassword: "ana-password-2",
      });
      expect(wrong.status).toBe(403);
      expect(wrong.body.error).toBe("ERR_WRONG_PASSWORD");
      const short = await as(t, laptop.cookie, "PUT", "/api/v1/auth/password", {
        currentPassword: "ana-password-1",
        newPassword: "short",
      });
      expect(short.status).toBe(400);
      const ok = await as(t, laptop.cookie, "PUT", "/api/v1/auth/password", {
        currentPassword: "ana-password-1",
        newPassword: "ana-password-2",
      });
      expect(ok.status).toBe(200);
      expect((await as(t, laptop.cookie, "GET", "/api/v1/auth/me")).status).toBe(200);
      expect((await as(t, phone.cookie, "GET", "/api/v1/auth/me")).status).toBe(401);
      expect((await login(t, "ana@example.com", "ana-password-1")).status).toBe(401);
      expect((await login(t, "ana@example.com", "ana-password-2")).status).toBe(200);
      // A token has no password.
      const byToken = await t.put("/api/v1/auth/password", {
        currentPassword: "x",
        newPassword: "yyyyyyyyyy",
      });
      expect(byToken.status).toBe(403);
    },
    SLOW,
  );

  test(
    "I list and end my own sessions; another user's session is not found to me; an admin ends anyone's",
    async () => {
      await using t = createTestApp();
      await createUser(t, { name: "Ana", email: "ana@example.com", password: "ana-password-1" });
      await createUser(t, { name: "Beto", email: "beto@example.com", password: "beto-password-1" });
      await createUser(t, {
        name: "Root",
        email: "root@example.com",
        password: "root-password-1",
        role: "admin",
      });
      const ana1 = await login(t, "ana@example.com", "ana-password-1");
      const ana2 = await login(t, "ana@example.com", "ana-password-1");
      const beto = await login(t, "beto@example.com", "beto-password-1");
      const root = await login(t, "root@example.com", "root-password-1");

      const mine = await as(t, ana1.cookie, "GET", "/api/v1/auth/sessions");
      expect(mine.body.map((s: any) => [s.id, s.current])).toEqual([
        [ana2.body.session.id, false],
        [ana1.body.session.id, true],
      ]);
      expect((await as(t, ana1.cookie, "GET", "/api/v1/auth/sessions?all=true")).status).toBe(403);
      expect(
        (await as(t, ana1.cookie, "DELETE", `/api/v1/auth/sessions/${beto.body.session.id}`)).status,
      ).toBe(404);
      expect((await as(t, beto.cookie, "GET", "/api/v1/auth/me")).status).toBe(200);
      expect(
        (await as(t, ana1.cookie, "DELETE", `/api/v1/auth/sessions/${ana2.body.session.id}`)).status,
      ).toBe(200);
      expect((await as(t, ana2.cookie, "GET", "/api/v1/auth/me")).status).toBe(401);

      const all = await as(t, root.cookie, "GET", "/api/v1/auth/sessions?all=true");
      expect(all.body).toHaveLength(3);
      expect(
        (await as(t, root.cookie, "DELETE", `/api/v1/auth/sessions/${beto.body.session.id}`)).status,
      ).toBe(200);
      expect((await as(t, beto.cookie, "GET", "/api/v1/auth/me")).status).toBe(401);
    },
    SLOW,
  );
});

describe("failed sign-ins are throttled", () => {
  test(
    "per account: past LOGIN_ACCOUNT_FAIL_LIMIT, from any address, even the right password gets 429 until the window ends",
    async () => {
      const clock = movableClock();
      await using t = createTestApp({ LOGIN_ACCOUNT_FAIL_LIMIT: "3" }, { clock: clock.now });
      await createUser(t, { name: "Ana", email: "ana@example.com", password: "ana-password-1" });
      for (let i = 0; i < 3; i++)
        expect(
          (await login(t, "ana@example.com", `wrong-${i}-pass`, { address: `198.51.100.${i}` })).status,
        ).toBe(401);
      const refused = await login(t, "ANA@example.com", "ana-password-1", { address: "198.51.100.9" });
      expect(refused.status).toBe(429);
      expect(refused.body.error).toBe("ERR_TOO_MANY_REQUESTS");
      const retryAfter = Number(refused.res.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Another account is not affected.
      expect((await login(t, "beto@example.com", "whatever-pass", { address: "198.51.100.9" })).status).toBe(
        401,
      );
      clock.advance(61_000);
      expect((await login(t, "ana@example.com", "ana-password-1")).status).toBe(200);
    },
    SLOW,
  );

  test(
    "an unknown email is throttled the same way: the answers do not tell whether it exists",
    async () => {
      await using t = createTestApp({ LOGIN_ACCOUNT_FAIL_LIMIT: "2" });
      await createUser(t, { name: "Ana", email: "ana@example.com", password: "ana-password-1" });
      const sequence = async (email: string) => {
        const out: number[] = [];
        for (let i = 0; i < 3; i++)
          out.push((await login(t, email, `wrong-${i}-pass`, { address: `192.0.2.${i}` })).status);
        return out;
      };
      expect(await sequence("ana@example.com")).toEqual([401, 401, 429]);
      expect(await sequence("ghost@example.com")).toEqual([401, 401, 429]);
    },
    SLOW,
  );

  test(
    "per address: past AUTH_FAIL_LIMIT failures from one address, sign-ins to any account get 429",
    async () => {
      await using t = createTestApp({ AUTH_FAIL_LIMIT: "3", LOGIN_ACCOUNT_FAIL_LIMIT: "100" });
      await createUser(t, { name: "Ana", email: "ana@example.com", password: "ana-password-1" });
      for (let i = 0; i < 3; i++)
        expect((await login(t, `user${i}@example.com`, "wrong-pass-1")).status).toBe(401);
      const refused = await login(t, "ana@example.com", "ana-password-1");
      expect(refused.status).toBe(429);
      expect(refused.res.headers.get("retry-after")).toBeTruthy();
      expect((await login(t, "ana@example.com", "ana-password-1", { address: "203.0.113.99" })).status).toBe(
        200,
      );
    },
    SLOW,
  );
});

describe("ended sessions", () => {
  test(
    "requests with an ended session's cookie are 401 without counting toward the address's failure limit",
    async () => {
      await using t = createTestApp({ AUTH_FAIL_LIMIT: "2" });
      await createUser(t, { name: "Ana", email: "ana@example.com", password: "ana-password-1" });
      const s = await login(t, "ana@example.com", "ana-password-1");
      await as(t, s.cookie, "POST", "/api/v1/auth/logout");
      for (let i = 0; i < 5; i++) {
        const r = await t.app.request(
          "/api/v1/tickets",
          { headers: { cookie: s.cookie } },
          from("203.0.113.7"),
        );
        expect(r.status).toBe(401);
      }
      expect((await login(t, "ana@example.com", "ana-password-1")).status).toBe(200);
    },
    SLOW,
  );
});

describe("cross-site request forgery", () => {
  test(
    "a cookie write needs Sec-Fetch-Site same-origin and/or this server's Origin; reads and bearer writes do not",
    async () => {
      await using t = createTestApp();
      await createUser(t, {
        name: "Root",
        email: "root@example.com",
        password: "root-password-1",
        role: "admin",
      });
      const root = await login(t, "root@example.com", "root-password-1");
      const write = (headers: Record<string, string>, name: string) =>
        as(t, root.cookie, "POST", "/api/v1/tags", { name, color: "#123" }, headers);

      const none = await write({}, "a");
      expect(none.status).toBe(403);
      expect(none.body.error).toBe("ERR_CSRF");
      expect((await write({ origin: "https://evil.example" }, "b")).status).toBe(403);
      expect((await write({ "sec-fetch-site": "cross-site" }, "c")).status).toBe(403);
      expect((await write({ "sec-fetch-site": "same-site", origin: SAME_ORIGIN }, "d")).status).toBe(403);
      expect((await write({ origin: SAME_ORIGIN }, "e")).status).toBe(201);
      expect((await write({ "sec-fetch-site": "same-origin" }, "f")).status).toBe(201);
      // PUBLIC_URL's origin (the panel behind a proxy) is this server too.
      expect((await write({ origin: "http://chasqui.test" }, "g")).status).toBe(201);
      expect((await as(t, root.cookie, "GET", "/api/v1/tags")).status).toBe(200);
      expect((await t.post("/api/v1/tags", { name: "h", color: "#123" })).status).toBe(201);
      // Nothing refused was stored.
      expect((await t.get("/api/v1/tags")).body.map((g: any) => g.name)).toEqual(["e", "f", "g", "h"]);
      // A cross-site login form is refused too.
      expect(
        (
          await login(t, "root@example.com", "root-password-1", {
            headers: { origin: "https://evil.example" },
          })
        ).status,
      ).toBe(403);
    },
    SLOW,
  );
});

describe("user management", () => {
  test(
    "admins (token or role admin) manage users; supervisors and agents get 403 on admin routes",
    async () => {
      await using t = createTestApp();
      const q = (await t.post("/api/v1/queues", { name: "Ventas", color: "#111" })).body;
      await createUser(t, {
        name: "Root",
        email: "root@example.com",
        password: "root-password-1",
        role: "admin",
      });
      await createUser(t, {
        name: "Sup",
        email: "sup@example.com",
        password: "sup-password-1",
        role: "supervisor",
      });
      await createUser(t, { name: "Ana", email: "ana@example.com", password: "ana-password-1" });
      const root = await login(t, "root@example.com", "root-password-1");
      const sup = await login(t, "sup@example.com", "sup-password-1");
      const ana = await login(t, "ana@example.com", "ana-password-1");

      const newUser = {
        name: "Beto",
        email: "beto@example.com",
        role: "agent",
        queueIds: [q.id],
        password: "beto-password-1",
      };
      expect((await as(t, ana.cookie, "POST", "/api/v1/users", newUser)).status).toBe(403);
      expect((await as(t, sup.cookie, "POST", "/api/v1/users", newUser)).status).toBe(403);
      expect((await as(t, sup.cookie, "POST", "/api/v1/queues", { name: "X", color: "#999" })).status).toBe(
        403,
      );
      const created = await as(t, root.cookie, "POST", "/api/v1/users", newUser);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        role: "agent",
        queueIds: [q.id],
        signature: true,
        notifications: true,
        disabled: false,
        hasPassword: true,
      });
      expect(Object.keys(created.body)).not.toContain("passwordHash");
      // Agents may read users (who a ticket is assigned to), never a hash.
      const list = await as(t, ana.cookie, "GET", "/api/v1/users");
      expect(list.status).toBe(200);
      expect(JSON.stringify(list.body)).not.toMatch(/argon2|passwordHash/);
      expect((await as(t, root.cookie, "POST", "/api/v1/users", newUser)).status).toBe(409);
      const unknownQueue = await t.post("/api/v1/users", {
        ...newUser,
        email: "x@example.com",
        queueIds: [999],
      });
      expect(unknownQueue.status).toBe(404);
      expect(unknownQueue.body.error).toBe("ERR_QUEUE_NOT_FOUND");
      const badRole = await t.post("/api/v1/users", { ...newUser, email: "y@example.com", role: "owner" });
      expect(badRole.status).toBe(400);
    },
    SLOW,
  );

  test(
    "a reset answers a one-time password once and ends the user's sessions; setting a password or disabling does too",
    async () => {
      await using t = createTestApp();
      const ana = await createUser(t, { name: "Ana", email: "ana@example.com", password: "ana-password-1" });
      let s = await login(t, "ana@example.com", "ana-password-1");
      const reset = await t.post(`/api/v1/users/${ana.id}/password`);
      expect(reset.status).toBe(200);
      expect(reset.body.password).toMatch(/^[A-Za-z0-9]{16}$/);
      expect((await as(t, s.cookie, "GET", "/api/v1/auth/me")).status).toBe(401);
      expect((await login(t, "ana@example.com", "ana-password-1")).status).toBe(401);
      s = await login(t, "ana@example.com", reset.body.password);
      expect(s.status).toBe(200);

      expect((await t.put(`/api/v1/users/${ana.id}`, { password: "ana-password-3" })).status).toBe(200);
      expect((await as(t, s.cookie, "GET", "/api/v1/auth/me")).status).toBe(401);
      s = await login(t, "ana@example.com", "ana-password-3");
      // Other changes keep the session.
      expect((await t.put(`/api/v1/users/${ana.id}`, { name: "Ana María" })).status).toBe(200);
      expect((await as(t, s.cookie, "GET", "/api/v1/auth/me")).body.user.name).toBe("Ana María");
      expect((await t.put(`/api/v1/users/${ana.id}`, { disabled: true })).status).toBe(200);
      expect((await as(t, s.cookie, "GET", "/api/v1/auth/me")).status).toBe(401);
      expect((await login(t, "ana@example.com", "ana-password-3")).status).toBe(401);
    },
    SLOW,
  );
});
