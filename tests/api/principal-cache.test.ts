// Authenticated principals are kept between requests (src/domain/version-memo.ts) and must never outlive a change:
// every change below is made on another connection to the database file (as a CLI command or another process
// would), and the very next request must see it. The services' hit/miss rules are in tests/domain/token.service and
// account.service tests.
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestApp, type TestApp } from "../support/test-app";

/** argon2id hashing is deliberately slow (and the test machine is shared). */
const SLOW = 60_000;

/** A file-backed app and a second connection to its database, for the changes made from outside. */
function fileApp() {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-principals-"));
  const path = join(dir, "chasqui.sqlite");
  const t = createTestApp({}, { databasePath: path, store: "sqlite" });
  const other = new Database(path);
  other.run("pragma busy_timeout = 5000");
  other.run("pragma foreign_keys = on");
  return Object.assign(t, {
    other,
    async [Symbol.asyncDispose]() {
      other.close();
      await t.close();
      rmSync(t.dataDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

async function signIn(t: TestApp, email: string, password: string): Promise<string> {
  const res = await t.app.request("/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  expect(res.status).toBe(200);
  return /chasqui_session=[^;]*/.exec(res.headers.get("set-cookie") ?? "")![0];
}

async function withCookie(t: TestApp, cookie: string, path: string) {
  const res = await t.request(path, { method: "GET", token: null, headers: { cookie } });
  return { status: res.status, body: (await res.json()) as any };
}

test("an API token's revocation, new scope or deletion by another connection counts on the next request", async () => {
  await using t = fileApp();
  const make = async (scope: "admin" | "api") =>
    (await t.post<{ id: number; token: string }>("/api/v1/tokens", { name: scope, scope })).body;
  const admin = await make("admin");
  // Asked twice: the second answer comes from what the first one kept.
  for (let i = 0; i < 2; i++) expect((await t.get("/api/v1/tokens", admin.token)).status).toBe(200);
  t.other.run("update api_tokens set scope = 'api' where id = ?", [admin.id]);
  expect((await t.get("/api/v1/tokens", admin.token)).body.error).toBe("ERR_FORBIDDEN");
  expect((await t.get("/api/v1/tickets", admin.token)).status).toBe(200);
  t.other.run("update api_tokens set revoked_at = ? where id = ?", [Date.now(), admin.id]);
  expect((await t.get("/api/v1/tickets", admin.token)).body.error).toBe("ERR_UNAUTHORIZED");

  const api = await make("api");
  for (let i = 0; i < 2; i++) expect((await t.get("/api/v1/tickets", api.token)).status).toBe(200);
  t.other.run("delete from api_tokens where id = ?", [api.id]);
  expect((await t.get("/api/v1/tickets", api.token)).status).toBe(401);
});

test(
  "a session's user disabled, given another role or other queues, or the session ended, by another connection: the next request sees it",
  async () => {
    await using t = fileApp();
    const conn = await t.sandbox();
    const sales = (await t.post<{ id: number }>("/api/v1/queues", { name: "Sales", color: "#ff0000" })).body;
    const { ticketId } = (
      await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595991112233", body: "hola" })
    ).body;
    expect((await t.put(`/api/v1/tickets/${ticketId}`, { queueId: sales.id })).status).toBe(200);
    const user = await t.post<{ id: number }>("/api/v1/users", {
      name: "Ana",
      email: "ana@example.com",
      password: "ana-password-1",
      role: "admin",
    });
    expect(user.status).toBe(201);
    const cookie = await signIn(t, "ana@example.com", "ana-password-1");
    const ids = async () =>
      ((await withCookie(t, cookie, "/api/v1/tickets")).body.tickets as { id: number }[]).map((x) => x.id);

    for (let i = 0; i < 2; i++) expect((await withCookie(t, cookie, "/api/v1/tokens")).status).toBe(200);
    // An agent now, in no queue: no admin route, and only tickets without a queue.
    t.other.run("update users set role = 'agent' where id = ?", [user.body.id]);
    expect((await withCookie(t, cookie, "/api/v1/tokens")).body.error).toBe("ERR_FORBIDDEN");
    expect(await ids()).toEqual([]);
    // Given the queue.
    t.other.run("insert into user_queues (user_id, queue_id) values (?, ?)", [user.body.id, sales.id]);
    expect(await ids()).toEqual([ticketId]);
    // The queue taken away by the queue's deletion (a cascade on user_queues).
    t.other.run("delete from queues where id = ?", [sales.id]);
    expect((await withCookie(t, cookie, "/api/v1/tickets")).status).toBe(200);
    t.other.run("insert into queues (id, name, color) values (?, 'Sales', '#ff0000')", [sales.id]);
    t.other.run("update tickets set queue_id = ? where id = ?", [sales.id, ticketId]);
    expect(await ids()).toEqual([]);

    t.other.run("update users set disabled = 1 where id = ?", [user.body.id]);
    expect((await withCookie(t, cookie, "/api/v1/tickets")).body.error).toBe("ERR_UNAUTHORIZED");
    t.other.run("update users set disabled = 0 where id = ?", [user.body.id]);
    expect((await withCookie(t, cookie, "/api/v1/tickets")).status).toBe(200);
    // Signed out elsewhere (the row deleted), or its idle clock moved back: ended.
    const second = await signIn(t, "ana@example.com", "ana-password-1");
    expect((await withCookie(t, cookie, "/api/v1/tickets")).status).toBe(200);
    t.other.run("delete from user_sessions where id = (select min(id) from user_sessions)");
    expect((await withCookie(t, cookie, "/api/v1/tickets")).status).toBe(401);
    expect((await withCookie(t, second, "/api/v1/tickets")).status).toBe(200);
    t.other.run("update user_sessions set last_seen_at = 0");
    expect((await withCookie(t, second, "/api/v1/tickets")).status).toBe(401);
  },
  SLOW,
);
