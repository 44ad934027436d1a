import { describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, createTestApp } from "../support/test-app";

async function apiOperations() {
  await using t = createTestApp();
  const doc: any = await (await t.request("/openapi.json", { token: null })).json();
  const ops: { method: string; path: string }[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const method of Object.keys(item)) {
      // Sign-in and sign-out are public: their operations say `security: []`.
      if (Array.isArray(item[method].security) && item[method].security.length === 0) continue;
      ops.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, "1") });
    }
  }
  return ops.filter((o) => o.path.startsWith("/api"));
}

describe("authentication", async () => {
  const ops = await apiOperations();

  test("the OpenAPI document lists every documented route", () => {
    const keys = ops.map((o) => `${o.method} ${o.path}`);
    for (const k of [
      "POST /api/send",
      "GET /api/queue/list",
      "GET /api/v1/tickets",
      "GET /api/v1/tickets/1",
      "POST /api/v1/tickets",
      "PUT /api/v1/tickets/1",
      "GET /api/v1/tickets/1/messages",
      "POST /api/v1/tickets/1/messages",
      "POST /api/v1/tickets/1/messages/media",
      "POST /api/v1/tickets/1/messages/media-url",
      "POST /api/v1/messages/1/reply",
      "POST /api/v1/send",
      "GET /api/v1/contacts/1",
      "POST /api/v1/contacts",
      "POST /api/v1/contacts/validate",
      "GET /api/v1/connections",
      "GET /api/v1/connections/1",
    ]) {
      expect(keys).toContain(k);
    }
  });

  for (const op of ops) {
    test(`${op.method} ${op.path} without a token is 401 ERR_UNAUTHORIZED`, async () => {
      await using t = createTestApp();
      const none = await t.call(op.method, op.path, undefined, null);
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ error: "ERR_UNAUTHORIZED", message: expect.any(String) });
      const wrong = await t.call(op.method, op.path, undefined, "not-a-valid-token");
      expect(wrong.status).toBe(401);
    });
  }

  test("a revoked token stops working at once", async () => {
    await using t = createTestApp();
    const created = await t.post("/api/v1/tokens", { name: "ci", scope: "api" });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^chq_/);
    expect((await t.get("/api/v1/connections", created.body.token)).status).toBe(200);
    expect((await t.del(`/api/v1/tokens/${created.body.id}`)).body.revokedAt).toBeString();
    expect((await t.get("/api/v1/connections", created.body.token)).status).toBe(401);
  });

  test("tokens are listed without secrets, hashed at rest", async () => {
    await using t = createTestApp();
    const created = await t.post("/api/v1/tokens", { name: "n8n" });
    const list = await t.get("/api/v1/tokens");
    expect(list.body).toEqual([
      {
        id: created.body.id,
        name: "n8n",
        scope: "api",
        hint: created.body.token.slice(-4),
        createdAt: expect.any(String),
        lastUsedAt: null,
        revokedAt: null,
      },
    ]);
    const [stored] = await t.rows<{ token_hash: string }>("select token_hash from api_tokens");
    expect(stored!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored!.token_hash).not.toContain(created.body.token);
    expect((await t.del("/api/v1/tokens/999")).body.error).toBe("ERR_TOKEN_NOT_FOUND");
  });

  test("the Authorization scheme is case-insensitive and API_TOKEN is admin", async () => {
    await using t = createTestApp();
    const r = await t.request("/api/v1/tokens", {
      token: null,
      headers: { authorization: `bearer ${ADMIN_TOKEN}` },
    });
    expect(r.status).toBe(200);
  });

  test("health, docs and the OpenAPI document need no token", async () => {
    await using t = createTestApp();
    expect((await t.request("/health", { token: null })).status).toBe(200);
    expect((await t.request("/docs", { token: null })).status).toBe(200);
    const js = await t.request("/docs/scalar.js", { token: null });
    expect(js.status).toBe(200);
    expect((await js.text()).length).toBeGreaterThan(100_000);
    const doc: any = await (await t.request("/openapi.json", { token: null })).json();
    expect(doc.openapi).toBe("3.1.0");
  });

  test("unknown routes answer 404 with the error body", async () => {
    await using t = createTestApp();
    expect((await t.get("/api/v1/nope")).body).toMatchObject({ error: "ERR_NOT_FOUND" });
  });
});
