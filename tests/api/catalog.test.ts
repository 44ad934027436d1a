import { describe, expect, test } from "bun:test";
import { createTestApp } from "../support/test-app";

const cases = [
  {
    path: "/api/v1/queues",
    a: { name: "Soporte", color: "#4CAF50" },
    b: { name: "Ventas", color: "#2196F3" },
    unique: "name",
    notFound: "ERR_QUEUE_NOT_FOUND",
  },
  {
    path: "/api/v1/users",
    a: { name: "Ana", email: "ana@example.com" },
    b: { name: "Beto", email: "beto@example.com" },
    unique: "email",
    notFound: "ERR_USER_NOT_FOUND",
  },
  {
    path: "/api/v1/tags",
    a: { name: "VIP", color: "#FFC107" },
    b: { name: "Zafiro", color: "#9C27B0" },
    unique: "name",
    notFound: "ERR_TAG_NOT_FOUND",
  },
] as const;

for (const c of cases) {
  describe(c.path, () => {
    test("creates, lists by name, gets, updates and deletes", async () => {
      await using t = createTestApp();
      const b = await t.post(c.path, c.b);
      const a = await t.post(c.path, c.a);
      expect(a.status).toBe(201);
      expect(a.body).toMatchObject(c.a);
      const list = await t.get(c.path, await t.apiToken());
      expect(list.body.map((x: any) => x.name)).toEqual([c.a.name, c.b.name]);
      expect((await t.get(`${c.path}/${a.body.id}`, await t.apiToken())).body).toMatchObject(c.a);
      const upd = await t.put(`${c.path}/${b.body.id}`, { name: "Zulu" });
      expect(upd).toMatchObject({ status: 200, body: { name: "Zulu" } });
      expect((await t.del(`${c.path}/${a.body.id}`)).status).toBe(200);
      expect((await t.get(`${c.path}/${a.body.id}`)).body).toMatchObject({ error: c.notFound });
    });

    test("a duplicate unique field is 409 ERR_CONFLICT and nothing changes", async () => {
      await using t = createTestApp();
      const a = await t.post(c.path, c.a);
      const b = await t.post(c.path, c.b);
      const dupField = { [c.unique]: (c.a as Record<string, string>)[c.unique] };
      const dup = await t.post(c.path, { ...c.b, ...dupField });
      expect(dup.status).toBe(409);
      expect(dup.body.error).toBe("ERR_CONFLICT");
      expect((await t.put(`${c.path}/${b.body.id}`, dupField)).body.error).toBe("ERR_CONFLICT");
      expect((await t.get(`${c.path}/${b.body.id}`)).body).toMatchObject(c.b);
      expect((await t.get(c.path)).body).toHaveLength(2);
      expect(a.status).toBe(201);
    });

    test("validates bodies and ids", async () => {
      await using t = createTestApp();
      expect((await t.post(c.path, {})).body.error).toBe("ERR_VALIDATION");
      expect((await t.put(`${c.path}/99`, { name: "x" })).body.error).toBe(c.notFound);
      expect((await t.del(`${c.path}/99`)).body.error).toBe(c.notFound);
    });
  });
}

test("deleting a queue or user unassigns its tickets and keeps them", async () => {
  await using t = createTestApp();
  await t.sandbox();
  const q = await t.post("/api/v1/queues", { name: "Q", color: "#111" });
  const u = await t.post("/api/v1/users", { name: "U", email: "u@example.com" });
  const tk = await t.post("/api/v1/tickets", {
    number: "595991234567",
    queueId: q.body.id,
    userId: u.body.id,
  });
  await t.del(`/api/v1/queues/${q.body.id}`);
  await t.del(`/api/v1/users/${u.body.id}`);
  expect((await t.get(`/api/v1/tickets/${tk.body.ticket.id}`)).body).toMatchObject({
    queueId: null,
    userId: null,
    queue: null,
    user: null,
  });
});
