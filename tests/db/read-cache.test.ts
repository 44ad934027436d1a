import { expect, test } from "bun:test";
import { openDatabase } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import { queues } from "../../src/db/schema";
import { createReadCache } from "../../src/http/read-cache";
import { createTestApp } from "../support/test-app";

test("an entry is reused until any row changes, then recomputed", () => {
  const db = openDatabase(":memory:");
  migrate(db);
  const cache = createReadCache(db);
  let computed = 0;
  const read = () => cache.get("k", () => String(++computed));
  expect([read(), read()]).toEqual(["1", "1"]);
  db.insert(queues).values({ name: "Q", color: "#1" }).run();
  expect(read()).toBe("2");
  db.update(queues).set({ name: "R" }).run();
  expect(read()).toBe("3");
  // A statement that changes no row leaves the entry valid.
  db.$client.run("update queues set name = 'X' where id = 999");
  expect(read()).toBe("3");
});

test("the cache keeps at most maxEntries, dropping the least recently used", () => {
  const db = openDatabase(":memory:");
  migrate(db);
  const cache = createReadCache(db, 2);
  const calls: string[] = [];
  const read = (k: string) => cache.get(k, () => String(calls.push(k)));
  read("a");
  read("b");
  read("a");
  read("c"); // evicts b
  read("a");
  read("b");
  expect(calls).toEqual(["a", "b", "c", "b"]);
});

test("the ticket list never serves a stale page, whatever was written in between", async () => {
  await using t = createTestApp();
  const conn = await t.sandbox();
  const url = "/api/v1/tickets?limit=5";
  const first = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
    number: "595990000001",
    body: "uno",
  });
  expect((await t.get(url)).body.tickets.map((x: any) => x.lastMessage)).toEqual(["uno"]);
  expect((await t.get(url)).body.count).toBe(1);
  await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595990000001", body: "dos" });
  expect((await t.get(url)).body.tickets[0].lastMessage).toBe("dos");
  await t.post("/api/v1/contacts", { number: "595990000001", name: "Nuevo Nombre" });
  expect((await t.get(url)).body.tickets[0].contact.name).toBe("Nuevo Nombre");
  await t.put(`/api/v1/connections/${conn.id}`, { name: "Renombrada" });
  expect((await t.get(url)).body.tickets[0].whatsapp.name).toBe("Renombrada");
  await t.put(`/api/v1/tickets/${first.body.ticketId}`, { status: "closed" });
  expect((await t.get(`${url}&status=open`)).body.count).toBe(0);
  expect((await t.get(url)).body.tickets[0].status).toBe("closed");
});
