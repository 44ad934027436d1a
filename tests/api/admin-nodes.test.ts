// GET /admin/nodes and POST /admin/connections/:id/move through the HTTP app. On SQLite (the default run) the server
// is one node: the list shows it, a move answers 409 ERR_NEEDS_POSTGRES, and the internal call route of a cluster
// does not exist. Under `bun run test:pg` the same app runs on PostgreSQL as node `test-node` (registered here):
// the list is the cluster's, and a move is checked against the registry. The two-node behaviour over real servers is
// in tests/cluster/forward.test.ts.
import { describe, expect, test } from "bun:test";
import { createTestApp } from "../support/test-app";

describe("admin nodes", () => {
  test("GET /admin/nodes lists this node with the connections it runs; admin only", async () => {
    await using t = createTestApp();
    const running = await t.sandbox("Principal");
    await t.post("/api/v1/connections", { name: "Sin iniciar", driver: "baileys" });
    if (t.postgres) await t.sessions.startOwnership();
    const r = await t.get("/api/v1/admin/nodes");
    expect(r.status).toBe(200);
    expect(r.body.database).toBe(t.postgres ? "postgres" : "sqlite");
    expect(r.body.nodes).toHaveLength(1);
    const [node] = r.body.nodes;
    expect(node).toMatchObject({ id: t.postgres ? "test-node" : "local", self: true });
    expect(node.connections).toContain(running.id);
    expect(node.load).toBe(node.connections.length);
    expect(Number.isNaN(Date.parse(node.heartbeatAt))).toBe(false);
    const agent = await t.apiToken();
    expect((await t.get("/api/v1/admin/nodes", agent)).status).toBe(403);
  });

  test("a move names an existing connection and node; on SQLite it needs PostgreSQL", async () => {
    await using t = createTestApp();
    const c = await t.sandbox("Principal");
    if (t.postgres) await t.sessions.startOwnership();
    expect((await t.post("/api/v1/admin/connections/999/move", { node: "x" })).body.error).toBe(
      "ERR_CONNECTION_NOT_FOUND",
    );
    const bad = await t.post(`/api/v1/admin/connections/${c.id}/move`, { node: "" });
    expect(bad).toMatchObject({ status: 400, body: { error: "ERR_VALIDATION" } });
    const moved = await t.post(`/api/v1/admin/connections/${c.id}/move`, { node: "elsewhere" });
    if (!t.postgres) {
      expect(moved).toMatchObject({ status: 409, body: { error: "ERR_NEEDS_POSTGRES" } });
      expect(moved.body.message).toContain("DATABASE_URL");
      return;
    }
    expect(moved).toMatchObject({ status: 404, body: { error: "ERR_NODE_NOT_FOUND" } });
    const self = await t.post(`/api/v1/admin/connections/${c.id}/move`, { node: "test-node" });
    expect(self).toMatchObject({
      status: 202,
      body: { connectionId: c.id, node: "test-node", from: "test-node", status: "requested" },
    });
  });

  test("the internal call route answers 404 without a node secret (on SQLite it does not exist at all)", async () => {
    await using t = createTestApp();
    const c = await t.sandbox("Principal");
    const res = await t.request(`/internal/v1/gateways/${c.id}/sendText`, {
      method: "POST",
      json: { args: ["595991234567", "hola"] },
      token: null,
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "ERR_NOT_FOUND" });
  });
});
