import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import { queues } from "../../src/db/schema";
import { createReadCache } from "../../src/http/read-cache";
import { createTestApp } from "../support/test-app";

/** A server with `n` tickets, one inbound message each: from 59599000000<i>, saying m<i>. */
async function withTickets(n: number) {
  const t = createTestApp({}, { store: "sqlite" });
  const conn = await t.sandbox();
  const ids: number[] = [];
  for (let i = 1; i <= n; i++)
    ids.push(
      (
        await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
          number: `59599000000${i}`,
          body: `m${i}`,
        })
      ).body.ticketId,
    );
  return { t, conn, ids };
}

/** A SQLite server on a database file in a temp folder (so another process can open it), removed afterwards. */
async function onFile(body: (t: ReturnType<typeof createTestApp>, path: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-read-cache-"));
  try {
    const path = join(dir, "db.sqlite");
    await using t = createTestApp({}, { databasePath: path, store: "sqlite" });
    await body(t, path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("SQLite: an `any` entry is reused until any row changes, then recomputed", async () => {
  const db = openDatabase(":memory:");
  migrate(db);
  const cache = createReadCache(db, { admitAfter: 1 });
  let computed = 0;
  const read = () => cache.get("k", "any", () => String(++computed));
  expect([await read(), await read()]).toEqual(["1", "1"]);
  db.insert(queues).values({ name: "Q", color: "#1" }).run();
  expect(await read()).toBe("2");
  db.update(queues).set({ name: "R" }).run();
  expect(await read()).toBe("3");
  // A statement that changes no row leaves the entry valid.
  db.$client.run("update queues set name = 'X' where id = 999");
  expect(await read()).toBe("3");
});

test("SQLite: by default an answer is kept from its key's second computation on, and so are the rows it rendered", async () => {
  const made = await withTickets(3);
  await using t = made.t;
  const { conn, ids } = made;
  const cache = createReadCache(t.db);
  const computed: string[] = [];
  const rendered: number[][] = [];
  const page = (key: string, want: number[]) =>
    cache.get(key, "tickets", async (keep) => {
      computed.push(`${key}:${keep}`);
      return (
        await cache.ticketRows(
          want,
          async (missing) => {
            rendered.push(missing);
            return (await t.services.tickets.views(missing)).map((v) => ({
              id: v.id,
              contactId: v.contactId,
              json: `${v.id}:${v.lastMessage}`,
            }));
          },
          keep,
        )
      ).join("|");
    });
  const [a, b, c] = ids as [number, number, number];
  // Asked once: computed, handed out, neither the answer nor its rows kept.
  expect(await page("once", [a, b])).toBe(`${a}:m1|${b}:m2`);
  expect(await page("other", [a])).toBe(`${a}:m1`);
  expect(computed).toEqual(["once:false", "other:false"]);
  expect(rendered).toEqual([[a, b], [a]]);
  // Asked again: computed once more and kept, rows too; then answered from memory.
  expect(await page("once", [a, b])).toBe(`${a}:m1|${b}:m2`);
  expect(await page("once", [a, b])).toBe(`${a}:m1|${b}:m2`);
  expect(computed).toEqual(["once:false", "other:false", "once:true"]);
  expect(rendered).toEqual([[a, b], [a], [a, b]]);
  // A page asked for the first time still uses the kept rows: only c is rendered.
  expect(await page("third", [a, b, c])).toBe(`${a}:m1|${b}:m2|${c}:m3`);
  expect(rendered.at(-1)).toEqual([c]);
  // A change makes the kept entry stale: it is computed again and kept (its key is known), rendering only b.
  await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595990000002", body: "otra" });
  expect(await page("once", [a, b])).toBe(`${a}:m1|${b}:otra`);
  expect(await page("once", [a, b])).toBe(`${a}:m1|${b}:otra`);
  expect(computed.slice(3)).toEqual(["third:false", "once:true"]);
  expect(rendered.slice(3)).toEqual([[c], [b]]);
  // c was rendered for an answer that was not kept: it is rendered again.
  expect(await page("third", [a, b, c])).toBe(`${a}:m1|${b}:otra|${c}:m3`);
  expect(rendered.at(-1)).toEqual([c]);
});

test("SQLite: the cache keeps at most maxEntries, dropping the least recently used", async () => {
  const db = openDatabase(":memory:");
  migrate(db);
  const cache = createReadCache(db, { maxEntries: 2, admitAfter: 1 });
  const calls: string[] = [];
  const read = (k: string) => cache.get(k, "tickets", () => String(calls.push(k)));
  await read("a");
  await read("b");
  await read("a");
  await read("c"); // evicts b
  await read("a");
  await read("b");
  expect(calls).toEqual(["a", "b", "c", "b"]);
});

/** A server with one ticket, plus a cache of our own on its database that counts what it computes. */
async function withTicket() {
  const t = createTestApp({ WEBHOOK_ALLOW_PRIVATE: "true" }, { store: "sqlite" });
  const conn = await t.sandbox();
  const first = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
    number: "595990000001",
    body: "uno",
    name: "Juan",
  });
  const cache = createReadCache(t.db, { admitAfter: 1 });
  const computed = { tickets: 0, contacts: 0 };
  const read = async () => {
    await cache.get("tickets", "tickets", () => String(++computed.tickets));
    await cache.get("contacts", "contacts", () => String(++computed.contacts));
    return { ...computed };
  };
  return { t, conn, ticketId: first.body.ticketId as number, read, cache };
}

test("SQLite: writes the lists do not show (acks, events, deliveries, Idempotency-Keys, sessions) keep list entries cached", async () => {
  const { t, conn, ticketId, read, cache } = await withTicket();
  await using _ = t;
  const receiver = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("ok") });
  try {
    await t.post(`/api/v1/connections/${conn.id}/webhooks`, { url: `http://127.0.0.1:${receiver.port}/h` });
    // A send stores a message and touches the ticket (lastMessage): that is a change the list shows.
    const sent = await t.request("/api/v1/send", {
      method: "POST",
      json: { number: "595990000001", body: "hola" },
      headers: { "Idempotency-Key": "k-1" },
    });
    expect(sent.status).toBe(201);
    const before = await read();
    expect(await read()).toEqual(before);
    // What follows changes no ticket, contact or name a list shows: acks, events and their deliveries.
    t.db.$client.run("update messages set ack = 3 where ticket_id = ?", [ticketId]);
    t.db.transaction((tx) => t.events.emit(tx, "connection_update", conn.id, { status: "CONNECTED" }));
    t.dispatcher.start();
    const wait = Date.now() + 10_000;
    while (
      (
        t.db.$client
          .query("select count(*) as n from webhook_deliveries where status = 'delivered'")
          .get() as {
          n: number;
        }
      ).n === 0 &&
      Date.now() < wait
    )
      await new Promise((r) => setTimeout(r, 5));
    expect(
      (
        t.db.$client
          .query("select count(*) as n from webhook_deliveries where status = 'delivered'")
          .get() as {
          n: number;
        }
      ).n,
    ).toBeGreaterThan(0);
    // The same Idempotency-Key answers from its stored row.
    const again = await t.request("/api/v1/send", {
      method: "POST",
      json: { number: "595990000001", body: "hola" },
      headers: { "Idempotency-Key": "k-1" },
    });
    expect(again.status).toBe(201);
    const ana = await t.post("/api/v1/users", { name: "Ana", email: "ana@example.com" });
    const ventas = await t.post("/api/v1/queues", { name: "Ventas", color: "#123456" });
    await t.post("/api/v1/tags", { name: "vip", color: "#654321" });
    expect(await read()).toEqual(before);
    // Tokens, a user's queues, role or sessions: who a credential stands for (the principals' version), no list.
    const principals = cache.principalsVersion();
    const token = await t.post("/api/v1/tokens", { name: "n8n", scope: "api" });
    expect(cache.principalsVersion()).toBe(principals);
    expect((await t.del(`/api/v1/tokens/${token.body.id}`)).status).toBe(200);
    expect(cache.principalsVersion()).toBe(principals! + 1);
    expect(
      (await t.put(`/api/v1/users/${ana.body.id}`, { role: "supervisor", queueIds: [ventas.body.id] }))
        .status,
    ).toBe(200);
    expect(cache.principalsVersion()).toBeGreaterThan(principals! + 1);
    expect(await read()).toEqual(before);
  } finally {
    receiver.stop(true);
  }
});

test("SQLite: every kind of write a list shows invalidates the entries that depend on it, and only those", async () => {
  const { t, conn, ticketId, read } = await withTicket();
  await using _ = t;
  const queue = (await t.post("/api/v1/queues", { name: "Ventas", color: "#123456" })).body;
  const user = (
    await t.post("/api/v1/users", { name: "Ana", email: "ana@example.com", queueIds: [queue.id] })
  ).body;
  const tag = (await t.post("/api/v1/tags", { name: "vip", color: "#654321" })).body;
  let last = await read();
  /** The write moves the tickets entry; `contacts` says whether the contacts entry moves too. */
  const expectMoved = async (write: () => Promise<unknown> | unknown, contacts: boolean) => {
    await write();
    const now = await read();
    expect(now.tickets).toBe(last.tickets + 1);
    expect(now.contacts).toBe(last.contacts + (contacts ? 1 : 0));
    last = now;
  };
  await expectMoved(
    () => t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595990000001", body: "dos" }),
    false,
  );
  await expectMoved(() => t.put(`/api/v1/tickets/${ticketId}`, { status: "open" }), false);
  await expectMoved(() => t.put(`/api/v1/tickets/${ticketId}`, { tagIds: [tag.id] }), false);
  await expectMoved(() => t.put(`/api/v1/tags/${tag.id}`, { name: "oro", color: "#654321" }), false);
  await expectMoved(
    async () =>
      expect(
        (await t.post(`/api/v1/tickets/${ticketId}/transfer`, { queueId: queue.id, userId: user.id })).status,
      ).toBe(200),
    false,
  );
  await expectMoved(() => t.put(`/api/v1/queues/${queue.id}`, { name: "Ventas 2", color: "#123456" }), false);
  await expectMoved(() => t.put(`/api/v1/users/${user.id}`, { name: "Ana María" }), false);
  await expectMoved(() => t.put(`/api/v1/connections/${conn.id}`, { name: "Renombrada" }), false);
  await expectMoved(() => t.post("/api/v1/contacts", { number: "595990000001", name: "Nuevo Nombre" }), true);
  await expectMoved(() => t.post("/api/v1/contacts", { number: "595990000002", name: "Otro" }), true);
  await expectMoved(() => t.del(`/api/v1/tags/${tag.id}`), false);
  await expectMoved(() => t.del("/api/v1/contacts/595990000001?purge=true"), true);
});

test("SQLite: a write from another connection (another process) is seen by the next read, lists and tab counts alike", () =>
  onFile(async (t, path) => {
    const conn = await t.sandbox();
    await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595990000001", body: "uno" });
    const url = "/api/v1/tickets?limit=5";
    // Asked twice: kept from the second answer on.
    for (let i = 0; i < 2; i++) {
      expect((await t.get(url)).body.tickets[0].contact.name).toBe("595990000001");
      expect((await t.get("/api/v1/contacts")).body.contacts[0].name).toBe("595990000001");
      expect((await t.get("/api/v1/tickets/counts")).body).toEqual({ mine: null, queue: 1, all: 1 });
      expect((await t.get("/api/v1/tickets/counts?status=closed")).body).toEqual({
        mine: null,
        queue: 0,
        all: 0,
      });
    }
    const other = new Database(path);
    other.run("pragma busy_timeout = 5000");
    other.run("update contacts set name = 'Desde Otro Proceso'");
    other.run("update tickets set last_message = 'editado afuera'");
    const list = (await t.get(url)).body.tickets[0];
    expect(list.contact.name).toBe("Desde Otro Proceso");
    expect(list.lastMessage).toBe("editado afuera");
    expect((await t.get("/api/v1/contacts")).body.contacts[0].name).toBe("Desde Otro Proceso");
    expect((await t.get("/api/v1/tickets/counts")).body).toEqual({ mine: null, queue: 1, all: 1 });
    // A ticket's status alone (no contact, nothing else): the counts move.
    other.run("update tickets set status = 'closed'");
    other.close();
    expect((await t.get("/api/v1/tickets/counts")).body).toEqual({ mine: null, queue: 0, all: 1 });
    expect((await t.get("/api/v1/tickets/counts?status=closed")).body).toEqual({
      mine: null,
      queue: 0,
      all: 1,
    });
  }));

test("SQLite: a page kept in memory is computed again after another process's commit, and only after a commit", () =>
  onFile(async (t, path) => {
    const conn = await t.sandbox();
    await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595990000001", body: "uno" });
    // How often the cache reads `list_changes` (its statements are prepared on the connection it is given).
    let looks = 0;
    const query = t.db.$client.query.bind(t.db.$client);
    t.db.$client.query = ((sql: string) => {
      const stmt = query(sql);
      if (!sql.includes("from list_changes where seq >")) return stmt;
      const all = stmt.all.bind(stmt);
      return Object.assign(Object.create(stmt), {
        all: (...args: unknown[]) => {
          looks++;
          return all(...(args as []));
        },
      });
    }) as typeof t.db.$client.query;
    const cache = createReadCache(t.db);
    let computed = 0;
    const names = () =>
      cache.get("contacts", "contacts", () => {
        computed++;
        const row = t.db.$client.query("select group_concat(name) as n from contacts").get() as { n: string };
        return row.n;
      });
    expect([await names(), await names(), await names(), await names()]).toEqual(
      Array(4).fill("595990000001"),
    );
    // Kept from the second computation on; with nothing committed the changes were not even read.
    expect(computed).toBe(2);
    expect(looks).toBe(0);

    const other = new Database(path);
    other.run("pragma busy_timeout = 5000");
    other.run("update contacts set name = 'Desde Otro Proceso'");
    other.close();
    expect(await names()).toBe("Desde Otro Proceso");
    expect(looks).toBe(1);
    expect(computed).toBe(3);

    // Another commit (a message on the ticket: the contacts stay as they are) is looked at once, not again after it.
    await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595990000001", body: "dos" });
    const before = looks;
    expect(await names()).toBe("Desde Otro Proceso");
    expect(await names()).toBe("Desde Otro Proceso");
    expect(looks).toBe(before + 1);
  }));

test("SQLite: more changes than the cache can follow (or pruned ones) empty it rather than leave a row stale", async () => {
  await using t = createTestApp({}, { store: "sqlite" });
  const conn = await t.sandbox();
  const a = (
    await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595990000001", body: "a" })
  ).body.ticketId;
  await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595990000002", body: "b" });
  expect((await t.get("/api/v1/tickets")).body.tickets.map((x: any) => x.lastMessage)).toEqual(["b", "a"]);
  // 12,000 changes in one go: more than one look at list_changes reads, and the oldest are pruned.
  t.db.$client.transaction(() => {
    for (let i = 0; i < 12_000; i++)
      t.db.$client.run("update tickets set last_message = ? where id = ?", [`a${i}`, a]);
  })();
  expect(
    (t.db.$client.query("select count(*) as n from list_changes").get() as { n: number }).n,
  ).toBeLessThanOrEqual(11_000);
  const tickets = (await t.get("/api/v1/tickets")).body.tickets;
  expect(tickets.find((x: any) => x.id === a).lastMessage).toBe("a11999");
});

test("SQLite: a changed ticket list renders again only the tickets that changed", async () => {
  const made = await withTickets(3);
  await using t = made.t;
  const { conn, ids } = made;
  const cache = createReadCache(t.db, { admitAfter: 1 });
  const rendered: number[][] = [];
  const page = () =>
    cache.get("p", "tickets", async () =>
      (
        await cache.ticketRows(ids, async (missing) => {
          rendered.push(missing);
          const views = await t.services.tickets.views(missing);
          return views.map((v) => ({
            id: v.id,
            contactId: v.contactId,
            json: JSON.stringify([v.id, v.lastMessage, v.contact.name]),
          }));
        })
      ).join("|"),
    );
  expect(await page()).toBe('[1,"m1","595990000001"]|[2,"m2","595990000002"]|[3,"m3","595990000003"]');
  expect(rendered).toEqual([ids]);
  await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595990000002", body: "otra" });
  expect(await page()).toContain('[2,"otra","595990000002"]');
  await t.post("/api/v1/contacts", { number: "595990000003", name: "Tres" });
  expect(await page()).toContain('[3,"m3","Tres"]');
  await t.put(`/api/v1/connections/${conn.id}`, { name: "Renombrada" });
  await page();
  expect(rendered).toEqual([ids, [ids[1]!], [ids[2]!], ids]);
});

test("SQLite: the ticket and contact lists never serve a stale page, whatever was written in between", async () => {
  await using t = createTestApp({}, { store: "sqlite" });
  const conn = await t.sandbox();
  const url = "/api/v1/tickets?limit=5";
  const inbound = (number: string, body: string) =>
    t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number, body });
  const first = await inbound("595990000001", "uno");
  const second = await inbound("595990000002", "otro");
  const names = async () => (await t.get("/api/v1/contacts")).body.contacts.map((c: any) => c.name);
  const page = async (u = url) => (await t.get(u)).body;
  expect((await page()).tickets.map((x: any) => x.lastMessage)).toEqual(["otro", "uno"]);
  expect((await page()).count).toBe(2);
  expect(await names()).toEqual(["595990000001", "595990000002"]);
  // A new message moves its ticket to the top.
  await inbound("595990000001", "dos");
  expect((await page()).tickets.map((x: any) => x.lastMessage)).toEqual(["dos", "otro"]);
  await t.post("/api/v1/contacts", { number: "595990000001", name: "Zoe" });
  expect((await page()).tickets[0].contact.name).toBe("Zoe");
  expect(await names()).toEqual(["595990000002", "Zoe"]);
  await t.put(`/api/v1/connections/${conn.id}`, { name: "Renombrada" });
  expect((await page()).tickets[1].whatsapp.name).toBe("Renombrada");
  const tag = (await t.post("/api/v1/tags", { name: "vip", color: "#654321" })).body;
  await t.put(`/api/v1/tickets/${second.body.ticketId}`, { tagIds: [tag.id] });
  expect((await page()).tickets[0].tags.map((g: any) => g.name)).toEqual(["vip"]);
  expect((await page(`${url}&tagId=${tag.id}`)).count).toBe(1);
  await t.put(`/api/v1/tags/${tag.id}`, { name: "oro", color: "#654321" });
  expect((await page()).tickets[0].tags.map((g: any) => g.name)).toEqual(["oro"]);
  const queue = (await t.post("/api/v1/queues", { name: "Ventas", color: "#123456" })).body;
  const user = (
    await t.post("/api/v1/users", { name: "Ana", email: "ana@example.com", queueIds: [queue.id] })
  ).body;
  await t.post(`/api/v1/tickets/${first.body.ticketId}/transfer`, { queueId: queue.id, userId: user.id });
  let top = (await page()).tickets[0];
  expect([top.id, top.queue.name, top.user.name, top.status]).toEqual([
    first.body.ticketId,
    "Ventas",
    "Ana",
    "open",
  ]);
  await t.put(`/api/v1/queues/${queue.id}`, { name: "Ventas 2", color: "#123456" });
  await t.put(`/api/v1/users/${user.id}`, { name: "Ana María" });
  top = (await page()).tickets[0];
  expect([top.queue.name, top.user.name]).toEqual(["Ventas 2", "Ana María"]);
  await t.put(`/api/v1/tickets/${first.body.ticketId}`, { status: "closed" });
  expect((await page(`${url}&status=open`)).count).toBe(0);
  expect((await page()).tickets[0].status).toBe("closed");
  await t.del(`/api/v1/tags/${tag.id}`);
  expect((await page()).tickets.flatMap((x: any) => x.tags)).toEqual([]);
  await t.del("/api/v1/contacts/595990000002?purge=true");
  expect((await page()).tickets.map((x: any) => x.id)).toEqual([first.body.ticketId]);
  expect(await names()).toEqual(["Zoe"]);
});

test("SQLite: the row cache keeps the recently used rows when full, and a contact's change still reaches them", async () => {
  const made = await withTickets(6);
  await using t = made.t;
  const { ids } = made;
  // Two generations of 2 rows.
  const cache = createReadCache(t.db, { maxRows: 4, admitAfter: 1 });
  const rendered: number[] = [];
  let key = 0;
  const rows = (want: number[]) =>
    cache.get(`p${key++}`, "tickets", async () =>
      (
        await cache.ticketRows(want, async (missing) => {
          rendered.push(...missing);
          return Promise.all(
            missing.map(async (id) => {
              const v = await t.services.tickets.get(id);
              return { id, contactId: v.contactId, json: `${id}:${v.contact.name}` };
            }),
          );
        })
      ).join("|"),
    );
  const [a, b, c, d] = ids as [number, number, number, number];
  await rows([a, b]); // young: a b
  await rows([c]); // old: a b, young: c
  await rows([a]); // a moves back to young: old b, young c a
  await rows([d]); // young was full: b goes; old c a, young d
  expect(rendered).toEqual([a, b, c, d]);
  expect(await rows([a, b, c])).toBe(`${a}:595990000001|${b}:595990000002|${c}:595990000003`);
  // Only b, the least recently used, was rendered again.
  expect(rendered).toEqual([a, b, c, d, b]);
  // A contact's change drops its ticket's row wherever it is kept.
  await t.post("/api/v1/contacts", { number: "595990000004", name: "Cuatro" });
  expect(await rows([d])).toBe(`${d}:Cuatro`);
  expect(rendered.at(-1)).toBe(d);
});

test("SQLite: a look at the changes from inside an open write transaction never keeps an answer under changes not committed", () =>
  onFile(async (t, path) => {
    const conn = await t.sandbox();
    await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595990000001", body: "uno" });
    const cache = createReadCache(t.db, { admitAfter: 1 });
    // Computed from committed rows only, as the store's reader connection reads.
    const reader = new Database(path, { readonly: true });
    const names = () =>
      cache.get("contacts", "contacts", () => {
        const row = reader.query("select group_concat(name) as n from contacts").get() as { n: string };
        return row.n;
      });
    expect(await names()).toBe("595990000001");
    // A commit the cache has not looked at yet, then a write transaction open on the cache's connection (a batch of
    // the store's writer, which lets other code run between its statements) that renames the contact.
    const other = new Database(path);
    other.run("pragma busy_timeout = 5000");
    other.run("update tickets set last_message = 'afuera'");
    other.close();
    const writer = t.db.$client;
    writer.run("begin immediate");
    writer.run("update contacts set name = 'Renombrado'");
    // Inside it the committed name is the answer.
    expect(await names()).toBe("595990000001");
    writer.run("commit");
    // Committed: the next look sees the rename.
    expect(await names()).toBe("Renombrado");
    reader.close();
  }));

test("SQLite: a connection and its queues are kept between messages until one of them changes, from any connection", () =>
  onFile(async (t, path) => {
    const conn = await t.sandbox();
    const queue = (await t.post("/api/v1/queues", { name: "Ventas", color: "#123456" })).body;
    const connections = t.services.connections;
    const kept = await connections.setup(conn.id);
    expect(kept?.offered).toEqual([]);
    // Messages and their tickets change nothing a connection is configured by: the same setup, not read again.
    await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595990000001", body: "uno" });
    expect(await connections.setup(conn.id)).toBe(kept!);
    expect(await connections.find(conn.id)).toBe(kept!.conn);
    // The default connection (a send without connectionId) too.
    const def = await connections.resolve(null);
    expect(def.id).toBe(conn.id);
    expect(await connections.resolve(null)).toBe(def);

    const other = new Database(path);
    other.run("pragma busy_timeout = 5000");
    const after = async (sql: string) => {
      other.run(sql);
      const next = await connections.setup(conn.id);
      expect(next).not.toBe(kept!);
      return next!;
    };
    try {
      expect((await after("update connections set greeting_message = 'Hola'")).conn.greetingMessage).toBe(
        "Hola",
      );
      expect((await connections.resolve(null)).greetingMessage).toBe("Hola");
      const offered = await after(
        `insert into connection_queues (connection_id, queue_id, position) values (${conn.id}, ${queue.id}, 0)`,
      );
      expect(offered.offered.map((q) => q.name)).toEqual(["Ventas"]);
      expect(
        (await after("update queues set greeting_message = 'Ventas:'")).offered[0]!.greetingMessage,
      ).toBe("Ventas:");
      expect((await after("delete from connection_queues")).offered).toEqual([]);
      expect(await connections.anyOutOfHours()).toBe(false);
      other.run(`update queues set schedule = '{"mon":[]}', out_of_hours_message = 'Cerrado'`);
      expect(await connections.anyOutOfHours()).toBe(true);
      other.run("delete from connections");
      expect(await connections.setup(conn.id)).toBeUndefined();
      await expect(connections.resolve(null)).rejects.toMatchObject({ code: "ERR_NO_DEF_WAPP_FOUND" });
    } finally {
      other.close();
    }
  }));
