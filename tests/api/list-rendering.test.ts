import { expect, test } from "bun:test";
import { contactWire, messageWire, ticketWire } from "../../src/http/wire";
import { createTestApp, type TestApp } from "../support/test-app";

/**
 * The list pages render their JSON from rows (the ticket list from its columns, without the view and wire
 * objects): every answer must be, byte for byte, what `JSON.stringify` of the wire objects gives, as
 * every other ticket answer and the lists before them do.
 */

const ODD = [
  'Comillas "dobles" y \\ barra',
  "Ñandú Peña — ümlaut",
  "emoji 👍🏽 y 中文",
  "control\u0001\u001f tab\t nueva\nlínea",
  "lone \ud800 surrogate",
  "</script><b>&amp;</b>",
];

async function inbound(t: TestApp, connectionId: number, number: string, body: string) {
  const r = await t.post(`/api/v1/connections/${connectionId}/sandbox/inbound`, {
    number,
    body,
    name: number,
  });
  expect(r.status).toBe(201);
  return r.body as { ticketId: number; messageId: string };
}

/** Tickets and contacts with every kind of value the list shows: nulls, tags, odd text, closed and rated. */
async function variedData(t: TestApp) {
  const conn = await t.sandbox();
  const other = await t.sandbox("Segunda", "595981000002");
  const ventas = (await t.post("/api/v1/queues", { name: "Ventas ñ", color: "#111" })).body;
  const soporte = (await t.post("/api/v1/queues", { name: ODD[0], color: "#222" })).body;
  const ana = (
    await t.post("/api/v1/users", { name: ODD[1], email: "ana@example.com", password: "ana-password-1" })
  ).body;
  const vip = (await t.post("/api/v1/tags", { name: "vip", color: "#f00" })).body;
  const late = (await t.post("/api/v1/tags", { name: "Atrasado ✓", color: "#0f0" })).body;
  const zed = (await t.post("/api/v1/tags", { name: ODD[2], color: "#00f" })).body;
  const ids: number[] = [];
  for (let i = 0; i < 12; i++) {
    const { ticketId } = await inbound(
      t,
      i % 3 === 0 ? other.id : conn.id,
      `5959900000${10 + i}`,
      ODD[i % 6]!,
    );
    ids.push(ticketId);
  }
  await t.put(`/api/v1/tickets/${ids[0]}`, { tagIds: [vip.id, late.id, zed.id], queueId: ventas.id });
  await t.put(`/api/v1/tickets/${ids[1]}`, { tagIds: [late.id], userId: ana.id, status: "open" });
  await t.put(`/api/v1/tickets/${ids[2]}`, { status: "closed", queueId: soporte.id });
  await t.put(`/api/v1/tickets/${ids[3]}`, { tagIds: [zed.id, vip.id] });
  // What the API does not set directly: a rating, odd contact fields, a connection without a number. Timestamps
  // are ms on SQLite, timestamptz on PostgreSQL; booleans 1/0 there, true/false here.
  const at = t.postgres ? "to_timestamp(? / 1000.0)" : "?";
  await t.rows(`update tickets set rating = 4, rated_at = ${at} where id = ?`, 1764590400123, ids[2]!);
  await t.rows(
    `update tickets set rating = 5, rated_at = ${at}, status = 'closed' where id = ?`,
    1764590400000,
    ids[4]!,
  );
  await t.rows(
    "update contacts set name = ?, email = ?, profile_pic_url = ?, is_group = ? where id = (select contact_id from tickets where id = ?)",
    ODD[3]!,
    ODD[5]!,
    'https://pps.whatsapp.net/v/t61?a=1&b="2"',
    t.postgres ? true : 1,
    ids[5]!,
  );
  await t.rows(
    "update contacts set name = ? where id = (select contact_id from tickets where id = ?)",
    ODD[4]!,
    ids[6]!,
  );
  await t.rows("update connections set number = null where id = ?", other.id);
  // The ends of the ISO dates toISOString writes with four-digit years.
  await t.rows(
    `update tickets set created_at = ${at}, updated_at = ${at} where id = ?`,
    0,
    253402300799999,
    ids[7]!,
  );
  return { ids, conn, other };
}

test("ticket list pages are the JSON of ticketWire, byte for byte, on every filter and page", async () => {
  await using t = createTestApp();
  const { conn, other } = await variedData(t);
  const paths = [
    "/api/v1/tickets?limit=100",
    "/api/v1/tickets?limit=5",
    "/api/v1/tickets?limit=5&page=2",
    "/api/v1/tickets?status=closed",
    "/api/v1/tickets?status=pending&limit=3",
    `/api/v1/tickets?whatsappId=${other.id}`,
    `/api/v1/tickets?whatsappId=${conn.id}&limit=2&page=3`,
  ];
  let compared = 0;
  for (const path of paths) {
    let url: string | null = path;
    while (url) {
      const res = await t.request(url);
      expect(res.status).toBe(200);
      const text = await res.text();
      const body = JSON.parse(text);
      const expected = JSON.stringify({
        tickets: await Promise.all(
          body.tickets.map(async (x: { id: number }) => ticketWire(await t.services.tickets.get(x.id))),
        ),
        count: body.count,
        hasMore: body.hasMore,
        page: body.page,
        limit: body.limit,
        nextCursor: body.nextCursor,
      });
      expect(text).toBe(expected);
      compared += body.tickets.length;
      url = body.nextCursor ? `${path}&after=${body.nextCursor}` : null;
    }
  }
  expect(compared).toBeGreaterThan(40);
  // The data has every kind of value the rows can hold.
  const all = (await t.get("/api/v1/tickets?limit=100")).body.tickets as any[];
  expect(all.some((x) => x.tags.length === 3)).toBe(true);
  expect(all.some((x) => x.user !== null && x.queue === null)).toBe(true);
  expect(all.some((x) => x.queue?.name === ODD[0])).toBe(true);
  expect(all.some((x) => x.rating === 4 && x.ratedAt === "2025-12-01T12:00:00.123Z")).toBe(true);
  expect(all.some((x) => x.contact.isGroup && x.contact.profilePicUrl !== null)).toBe(true);
  expect(all.some((x) => x.whatsapp.number === null)).toBe(true);
  expect(
    all.some((x) => x.updatedAt === "9999-12-31T23:59:59.999Z" && x.createdAt === "1970-01-01T00:00:00.000Z"),
  ).toBe(true);
  // (SQLite stores the lone surrogate as U+FFFD.)
  expect(all.some((x) => x.contact.name.startsWith("lone "))).toBe(true);
  // The same bytes when the rows come from the row cache (asked again after an unrelated write).
  const first = await (await t.request("/api/v1/tickets?limit=100")).text();
  await t.rows("update tickets set unread_messages = 7 where id = (select max(id) from tickets)");
  const again = await (await t.request("/api/v1/tickets?limit=100")).text();
  const ids = (JSON.parse(again).tickets as { id: number }[]).map((x) => x.id);
  expect(again).toBe(
    JSON.stringify({
      tickets: await Promise.all(ids.map(async (id) => ticketWire(await t.services.tickets.get(id)))),
      count: ids.length,
      hasMore: false,
      page: 1,
      limit: 100,
      nextCursor: null,
    }),
  );
  expect(again).not.toBe(first);
});

test("contact and message list pages are the JSON of contactWire and messageWire", async () => {
  await using t = createTestApp();
  const { ids } = await variedData(t);
  for (const path of ["/api/v1/contacts?limit=4", "/api/v1/contacts?limit=100"]) {
    let url: string | null = path;
    while (url) {
      const text = await (await t.request(url)).text();
      const body = JSON.parse(text);
      const all = (await t.services.contacts.list({ offset: 0, limit: 1000 })).rows;
      const byId = new Map(all.map((c) => [c.id, c]));
      expect(text).toBe(
        JSON.stringify({
          contacts: body.contacts.map((c: { id: number }) => contactWire(byId.get(c.id)!)),
          count: body.count,
          hasMore: body.hasMore,
          page: body.page,
          limit: body.limit,
          nextCursor: body.nextCursor,
        }),
      );
      url = body.nextCursor ? `${path}&after=${body.nextCursor}` : null;
    }
  }
  const svc = t.services.messages;
  for (const id of ids.slice(0, 4)) {
    const text = await (await t.request(`/api/v1/tickets/${id}/messages`)).text();
    const result = await svc.list(id, { offset: 0, limit: 20 });
    const reactions = await t.services.lifecycle.reactionsOf(result.rows.map((r) => r.message.pk));
    const body = JSON.parse(text);
    expect(body.messages.length).toBeGreaterThan(0);
    expect(text).toBe(
      JSON.stringify({
        messages: result.rows.map((r) =>
          messageWire(r.message, r.contact, svc.mediaUrlOf, reactions.get(r.message.pk)),
        ),
        ticketId: id,
        count: result.count,
        hasMore: result.hasMore,
        page: 1,
        limit: 20,
        nextCursor: body.nextCursor,
      }),
    );
  }
});
