import { describe, expect, test } from "bun:test";
import { createTestApp, type TestApp } from "../support/test-app";

/** Three customers write in; returns their ticket ids by name. */
async function seed(t: TestApp) {
  const conn = await t.sandbox();
  const inbound = async (number: string, name: string, body: string) =>
    (await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number, name, body })).body
      .ticketId as number;
  const maria = await inbound("595991000001", "María José Núñez", "Hola, mi factura no llegó");
  const pedro = await inbound("595991000002", "Pedro", "¿Dónde está mi pedido?");
  const ana = await inbound("595991000003", "Ana", "Necesito la facturación de octubre");
  return { conn, maria, pedro, ana };
}

const ids = (r: { body: { tickets: { id: number }[] } }) => r.body.tickets.map((x) => x.id);

describe("GET /api/v1/tickets?search=", () => {
  test("finds tickets by message words without regard to case or diacritics, newest activity first", async () => {
    await using t = createTestApp();
    const { maria, pedro, ana } = await seed(t);
    // "factura" as the last word is a prefix: it finds "factura" and "facturación".
    expect(ids(await t.get("/api/v1/tickets?search=FACTURA"))).toEqual([ana, maria]);
    expect(ids(await t.get("/api/v1/tickets?search=donde"))).toEqual([pedro]);
    expect(ids(await t.get("/api/v1/tickets?search=facturacion"))).toEqual([ana]);
    // Activity on María's ticket puts it first.
    await t.post(`/api/v1/tickets/${maria}/messages`, { body: "Le reenviamos la factura" });
    const r = await t.get("/api/v1/tickets?search=factura&limit=1");
    expect(r.body).toMatchObject({ count: 2, hasMore: true, page: 1, limit: 1 });
    expect(ids(r)).toEqual([maria]);
    expect(ids(await t.get("/api/v1/tickets?search=factura&limit=1&page=2"))).toEqual([ana]);
  });

  test("every word must match; a word before the last one is a whole word", async () => {
    await using t = createTestApp();
    const { maria } = await seed(t);
    expect(ids(await t.get("/api/v1/tickets?search=factura%20llego"))).toEqual([maria]);
    expect(ids(await t.get("/api/v1/tickets?search=fact%20llego"))).toEqual([]);
  });

  test("finds tickets by contact name or number, accent-insensitive", async () => {
    await using t = createTestApp();
    const { maria, pedro } = await seed(t);
    expect(ids(await t.get("/api/v1/tickets?search=maria%20nunez"))).toEqual([maria]);
    expect(ids(await t.get("/api/v1/tickets?search=%2B595%20991-000-002"))).toEqual([pedro]);
  });

  test("combines with status, connection and queue filters", async () => {
    await using t = createTestApp();
    const { conn, maria, ana } = await seed(t);
    await t.put(`/api/v1/tickets/${maria}`, { status: "closed" });
    expect(ids(await t.get("/api/v1/tickets?search=factura&status=pending"))).toEqual([ana]);
    expect(ids(await t.get("/api/v1/tickets?search=factura&status=closed"))).toEqual([maria]);
    expect(ids(await t.get(`/api/v1/tickets?search=factura&whatsappId=${conn.id}`))).toHaveLength(2);
    const queue = await t.post("/api/v1/queues", { name: "Cobros", color: "#111111" });
    await t.put(`/api/v1/tickets/${ana}`, { queueId: queue.body.id });
    expect(ids(await t.get(`/api/v1/tickets?search=factura&queueId=${queue.body.id}`))).toEqual([ana]);
  });

  test("FTS operators, quotes and punctuation in the input are plain text, never a 500", async () => {
    await using t = createTestApp();
    const { maria, ana } = await seed(t);
    for (const q of [
      '"',
      '"factura',
      "factura OR pedido",
      "NOT factura",
      "factura*",
      "fact* AND",
      "body:factura",
      "NEAR(factura llegó)",
      "(",
      ")))",
      "-",
      "^factura",
      "'; drop table tickets; --",
      "%_\\",
      "🙂",
    ]) {
      const r = await t.get(`/api/v1/tickets?search=${encodeURIComponent(q)}`);
      expect([q, r.status]).toEqual([q, 200]);
    }
    // Operators are words like any other: "OR" is not in any message, so nothing matches.
    expect(ids(await t.get(`/api/v1/tickets?search=${encodeURIComponent("factura OR pedido")}`))).toEqual([]);
    expect(ids(await t.get(`/api/v1/tickets?search=${encodeURIComponent('"factura')}`))).toEqual([
      ana,
      maria,
    ]);
    // Only punctuation: nothing to search for, nothing found.
    expect((await t.get("/api/v1/tickets?search=%28%29")).body).toMatchObject({ tickets: [], count: 0 });
    // Blank: no filter.
    expect(ids(await t.get("/api/v1/tickets?search=%20%20"))).toHaveLength(3);
    expect((await t.get(`/api/v1/tickets?search=${"x".repeat(201)}`)).body.error).toBe("ERR_VALIDATION");
  });

  test("SEARCH_MAX_MATCHES bounds the work: the tickets of the newest matches are found", async () => {
    await using t = createTestApp({ SEARCH_MAX_MATCHES: "1" });
    const { maria, ana } = await seed(t);
    // Ana's message is the newest "factura*" match; María's older one is past the bound.
    expect((await t.get("/api/v1/tickets?search=factura")).body).toMatchObject({ count: 1, hasMore: false });
    expect(ids(await t.get("/api/v1/tickets?search=factura"))).toEqual([ana]);
    await t.post(`/api/v1/tickets/${maria}/messages`, { body: "Factura reenviada" });
    expect(ids(await t.get("/api/v1/tickets?search=factura"))).toEqual([maria]);
  });

  test("the index follows edits, deletions of rows and contact renames", async () => {
    await using t = createTestApp();
    const { maria, pedro } = await seed(t);
    const sent = await t.post(`/api/v1/tickets/${pedro}/messages`, { body: "Su paquete salió hoy" });
    expect(ids(await t.get("/api/v1/tickets?search=paquete"))).toEqual([pedro]);
    await t.put(`/api/v1/messages/${sent.body.data.messageId}`, { body: "Su envío salió hoy" });
    expect(ids(await t.get("/api/v1/tickets?search=paquete"))).toEqual([]);
    expect(ids(await t.get("/api/v1/tickets?search=envio"))).toEqual([pedro]);
    await t.post("/api/v1/contacts", { number: "595991000001", name: "Marisol" });
    expect(ids(await t.get("/api/v1/tickets?search=josé"))).toEqual([]);
    expect(ids(await t.get("/api/v1/tickets?search=marisol"))).toEqual([maria]);
    // Purging the contact deletes its messages: neither its name nor its words are found any more.
    expect((await t.del("/api/v1/contacts/595991000001?purge=true")).status).toBe(200);
    expect(ids(await t.get("/api/v1/tickets?search=marisol"))).toEqual([]);
    expect(ids(await t.get("/api/v1/tickets?search=llego"))).toEqual([]);
    // SQLite's FTS5 tables are separate from their rows: nothing of the purged is left in them, and the
    // external-content indexes agree with their tables. (PostgreSQL searches expression indexes over the rows
    // themselves: nothing to fall out of step.)
    if (t.postgres) return;
    const fts = t.db.$client
      .query("select count(*) as n from messages_fts where messages_fts match 'llego'")
      .get() as { n: number };
    expect(fts.n).toBe(0);
    t.db.$client.exec("insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)");
    t.db.$client.exec("insert into contacts_fts(contacts_fts, rank) values ('integrity-check', 1)");
  });
});

describe("GET /api/v1/contacts?search=", () => {
  test("matches part of the name or number, ignoring case and diacritics", async () => {
    await using t = createTestApp();
    for (const [number, name] of [
      ["595991000001", "María José"],
      ["595991000002", "MARIO"],
      ["595981555123", "Jose Luis"],
      ["595991000004", "Ña Eulalia"],
    ])
      await t.post("/api/v1/contacts", { number, name });
    const names = async (q: string) =>
      (
        (await t.get(`/api/v1/contacts?search=${encodeURIComponent(q)}`)).body.contacts as { name: string }[]
      ).map((c) => c.name);
    expect(await names("maria")).toEqual(["María José"]);
    // By name as stored (binary order, like the list without a search).
    expect(await names("MARÍ")).toEqual(["MARIO", "María José"]);
    expect(await names("josé")).toEqual(["Jose Luis", "María José"]);
    expect(await names("jose mar")).toEqual(["María José"]);
    // Shorter than three characters: a LIKE on name and number.
    expect(await names("eu")).toEqual(["Ña Eulalia"]);
    expect(await names("555 123")).toEqual(["Jose Luis"]);
    expect(await names("+595 98")).toEqual(["Jose Luis"]);
    expect(await names("98")).toEqual(["Jose Luis"]);
    expect(await names('"ma*" OR')).toEqual([]);
    expect(await names("%")).toEqual([]);
    const r = await t.get("/api/v1/contacts?search=mari&limit=1");
    expect(r.body).toMatchObject({ count: 2, hasMore: true });
  });
});

describe("GET /api/v1/messages/search", () => {
  test("returns matching messages newest first, with their ticket and its contact", async () => {
    await using t = createTestApp();
    const { maria, ana } = await seed(t);
    await t.post(`/api/v1/tickets/${maria}/messages`, { body: "Su factura fue reenviada" });
    const r = await t.get("/api/v1/messages/search?q=factura&limit=2");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ count: 3, hasMore: true, page: 1, limit: 2 });
    expect(
      r.body.messages.map((m: any) => [
        m.body,
        m.fromMe,
        m.ticket.id,
        m.ticket.contact.name,
        m.contact?.name,
      ]),
    ).toEqual([
      ["Su factura fue reenviada", true, maria, "María José Núñez", undefined],
      ["Necesito la facturación de octubre", false, ana, "Ana", "Ana"],
    ]);
    const page2 = await t.get("/api/v1/messages/search?q=factura&limit=2&page=2");
    expect(page2.body.messages.map((m: any) => m.body)).toEqual(["Hola, mi factura no llegó"]);
    const inTicket = await t.get(`/api/v1/messages/search?q=factura&ticketId=${maria}`);
    expect(inTicket.body.messages.map((m: any) => m.ticket.id)).toEqual([maria, maria]);
  });

  test("rejects an empty query and treats operators as text", async () => {
    await using t = createTestApp();
    await seed(t);
    expect((await t.get("/api/v1/messages/search?q=%20")).body.error).toBe("ERR_VALIDATION");
    expect((await t.get("/api/v1/messages/search")).body.error).toBe("ERR_VALIDATION");
    const r = await t.get(`/api/v1/messages/search?q=${encodeURIComponent('factura" OR "pedido')}`);
    expect(r.body).toMatchObject({ messages: [], count: 0 });
    expect((await t.get("/api/v1/messages/search?q=%21%21", null)).status).toBe(401);
  });
});
