// Message search on both stores: FTS5 (`messages_fts`) on SQLite, the tsvector index on PostgreSQL
// (src/db/sql/message-search.ts). The route, its agent visibility and its 4xx are tests/api/search.test.ts and
// tests/api/team-visibility.test.ts (SQLite). Messages are stored with the store's builders: the message
// service is not on the Store yet.
import { expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { postgresMessageSearch } from "../../src/db/sql/message-search";
import type { Store } from "../../src/db/store";
import { createCatalogServices } from "../../src/domain/catalog.service";
import { createMessageSearch } from "../../src/domain/search/message-search";
import { describeStores, openTestStore } from "../support/stores";

const T0 = Date.UTC(2026, 10, 25, 12);

/** Three tickets (sales, support, no queue) and their messages, oldest first; `ids` by message id. */
async function seed(store: Store) {
  const { queues } = createCatalogServices(store);
  const sales = await queues.create({ name: "Sales", color: "#ff0000" });
  const support = await queues.create({ name: "Support", color: "#00ff00" });
  return store.write(async (q) => {
    const { connections, contacts, tickets, messages } = store.t;
    const [conn] = await q
      .insert(connections)
      .values({ name: "main", driver: "sandbox" })
      .returning({ id: connections.id });
    const ticket = async (i: number, queueId: number | null) => {
      const [contact] = await q
        .insert(contacts)
        .values({ number: `59598100000${i}`, name: `Customer ${i}` })
        .returning({ id: contacts.id });
      const [t] = await q
        .insert(tickets)
        .values({ contactId: contact!.id, connectionId: conn!.id, status: "open", queueId })
        .returning({ id: tickets.id });
      return { id: t!.id, contactId: contact!.id };
    };
    const t1 = await ticket(1, sales.id);
    const t2 = await ticket(2, support.id);
    const t3 = await ticket(3, null);
    const bodies: [string, typeof t1, string][] = [
      ["m1", t1, "La FACTURA de María llegó ayer"],
      ["m2", t2, "factura pendiente"],
      ["m3", t3, "Hola, ¿cómo está?"],
      ["m4", t1, "Facturación lista"],
      ["m5", t3, "factura vencida"],
      ["m6", t2, 'precio: 100% (oferta) "NEAR" a-b * fin'],
    ];
    for (const [i, [id, t, body]] of bodies.entries())
      await q.insert(messages).values({
        id,
        connectionId: conn!.id,
        ticketId: t.id,
        contactId: t.contactId,
        body,
        fromMe: false,
        timestamp: T0 / 1000 + i,
        createdAt: new Date(T0 + i * 1000),
      });
    return { t1, t2, t3, sales: sales.id, support: support.id };
  });
}

describeStores("message search", (dialect) => {
  test("every word in any case and without diacritics, the last one a prefix, newest first", async () => {
    await using s = await openTestStore(dialect);
    await seed(s.store);
    const search = createMessageSearch(s.store);
    const ids = async (q: string) => (await search({ q, page: 1, limit: 20 })).rows.map((r) => r.message.id);
    expect(await ids("factura")).toEqual(["m5", "m4", "m2", "m1"]);
    expect(await ids("factu")).toEqual(["m5", "m4", "m2", "m1"]);
    expect(await ids("FACTURACIÓN")).toEqual(["m4"]);
    expect(await ids("facturacion")).toEqual(["m4"]);
    expect(await ids("maria factura")).toEqual(["m1"]);
    expect(await ids("MARÍA LLEGO")).toEqual(["m1"]);
    expect(await ids("llegó fact")).toEqual(["m1"]);
    expect(await ids("como esta")).toEqual(["m3"]);
    expect(await ids("¿Cómo")).toEqual(["m3"]);
    // A word that is not the last one is whole: "fact" alone in the middle finds nothing.
    expect(await ids("fact maria")).toEqual([]);
    expect(await ids("zzz")).toEqual([]);

    const page = await search({ q: "Factura", page: 1, limit: 20 });
    expect(page.count).toBe(4);
    expect(page.hasMore).toBe(false);
    const first = page.rows.find((r) => r.message.id === "m1")!;
    expect(first.message.body).toBe("La FACTURA de María llegó ayer");
    expect(first.ticket).toMatchObject({ status: "open" });
    expect(first.customer).toMatchObject({ name: "Customer 1", number: "595981000001" });
    expect(first.sender).toMatchObject({ name: "Customer 1" });
  });

  test("pages with count and hasMore; nothing to search for is an empty page", async () => {
    await using s = await openTestStore(dialect);
    await seed(s.store);
    const search = createMessageSearch(s.store);
    const page = async (p: number) => {
      const r = await search({ q: "factura", page: p, limit: 2 });
      return { ids: r.rows.map((x) => x.message.id), count: r.count, hasMore: r.hasMore };
    };
    expect(await page(1)).toEqual({ ids: ["m5", "m4"], count: 4, hasMore: true });
    expect(await page(2)).toEqual({ ids: ["m2", "m1"], count: 4, hasMore: false });
    expect(await page(3)).toEqual({ ids: [], count: 4, hasMore: false });
    for (const q of ["", "   ", "!!! ¿? --"])
      expect(await search({ q, page: 1, limit: 20 })).toEqual({ rows: [], count: 0, hasMore: false });
    expect(await search({ q: "zzz", page: 1, limit: 20 })).toEqual({ rows: [], count: 0, hasMore: false });
  });

  test("one ticket, or an agent's queues (0 = no queue)", async () => {
    await using s = await openTestStore(dialect);
    const { t1, t2, sales, support } = await seed(s.store);
    const search = createMessageSearch(s.store);
    const ids = async (
      filter: { ticketId?: number; queues?: number[] | null },
      q = "factura",
      limit = 20,
    ) => {
      const r = await search({ q, page: 1, limit, ...filter });
      return { ids: r.rows.map((x) => x.message.id), count: r.count, hasMore: r.hasMore };
    };
    expect(await ids({ ticketId: t1.id })).toEqual({ ids: ["m4", "m1"], count: 2, hasMore: false });
    expect(await ids({ ticketId: t1.id }, "factura", 1)).toEqual({ ids: ["m4"], count: 2, hasMore: true });
    expect(await ids({ ticketId: t2.id }, "pend")).toEqual({ ids: ["m2"], count: 1, hasMore: false });
    expect(await ids({ ticketId: t2.id }, "hola")).toEqual({ ids: [], count: 0, hasMore: false });
    expect(await ids({ queues: [sales] })).toEqual({ ids: ["m4", "m1"], count: 2, hasMore: false });
    expect(await ids({ queues: [0] })).toEqual({ ids: ["m5"], count: 1, hasMore: false });
    expect(await ids({ queues: [sales, 0] }, "factura", 2)).toEqual({
      ids: ["m5", "m4"],
      count: 3,
      hasMore: true,
    });
    expect(await ids({ queues: [support] })).toEqual({ ids: ["m2"], count: 1, hasMore: false });
    expect(await ids({ queues: [] })).toEqual({ ids: [], count: 0, hasMore: false });
    expect(await ids({ queues: null })).toEqual({ ids: ["m5", "m4", "m2", "m1"], count: 4, hasMore: false });
  });

  test("quotes, operators and punctuation of either engine are plain text, never an error", async () => {
    await using s = await openTestStore(dialect);
    const { t1 } = await seed(s.store);
    const search = createMessageSearch(s.store);
    const ids = async (q: string) => (await search({ q, page: 1, limit: 20 })).rows.map((r) => r.message.id);
    const all = ["m5", "m4", "m2", "m1"];
    for (const q of [
      '"factura"',
      '"factura',
      "factura*",
      "(factura)",
      "-factura",
      "factura:",
      "!factura",
      "^factura",
    ])
      expect({ q, ids: await ids(q) }).toEqual({ q, ids: all });
    expect(await ids("NEAR")).toEqual(["m6"]);
    expect(await ids("near oferta")).toEqual(["m6"]);
    expect(await ids("oferta) precio:")).toEqual(["m6"]);
    expect(await ids("100%")).toEqual(["m6"]);
    expect(await ids("factura NOT pendiente")).toEqual([]);
    expect(await ids("factura OR hola")).toEqual([]);
    expect(await ids("factura AND vencida")).toEqual([]);
    for (const q of [
      "NEAR(factura hola)",
      "factura NEAR hola",
      "NEAR(",
      "*",
      "* factura",
      "-",
      '"',
      "'",
      "it's",
      "a\\b",
      "\\'",
      "'' factura",
      "factura & hola | !x",
      "<-> <2> factura:*",
      "body:factura",
      "{body} : factura",
      "fact AND (NOT",
      "ñandú 😀 漢字",
      "a-b",
    ]) {
      const r = await search({ q, page: 1, limit: 20 });
      expect(r.count).toBe(r.rows.length);
      const inTicket = await search({ q, page: 1, limit: 20, ticketId: t1.id });
      expect(inTicket.count).toBe(inTicket.rows.length);
      const inQueues = await search({ q, page: 1, limit: 20, queues: [0] });
      expect(inQueues.count).toBe(inQueues.rows.length);
    }
    expect(await ids("a-b")).toEqual(["m6"]);
  });
});

test("on PostgreSQL the search statements read the tsvector index, never a scan of messages", async () => {
  await using s = await openTestStore("postgres");
  const { t1, sales } = await seed(s.store);
  const filters = [{}, { queues: [sales, 0] }, { ticketId: t1.id }];
  for (const filter of filters) {
    const statements = postgresMessageSearch({ words: ["maria", "fact"], limit: 20, offset: 0, ...filter })!;
    for (const statement of [statements.count, statements.page]) {
      const plan = await s.store.write(async (q) => {
        const db = q as unknown as PgDatabase<PgQueryResultHKT>;
        await db.execute(sql`set local enable_seqscan = off`);
        const rows = (await db.execute(sql`explain ${statement}`)) as unknown as Record<string, string>[];
        return rows.map((r) => Object.values(r).join(" ")).join("\n");
      });
      expect(plan).not.toContain("Seq Scan on messages");
      // One ticket may be read through its (ticket_id, created_at) index instead, as on SQLite.
      if (filter.ticketId === undefined) expect(plan).toContain("messages_body_search_idx");
    }
  }
}, 60_000);
