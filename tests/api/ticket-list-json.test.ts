import { expect, test } from "bun:test";
import { ticketWire } from "../../src/http/wire";
import { prng } from "../support/determinism";
import { createTestApp } from "../support/test-app";

/**
 * The ticket list's JSON is written by SQLite (tickets.listJson); every other ticket answer goes through
 * ticketWire. Over tickets with every optional part present or missing and awkward text and dates, both
 * must give the same value, and the HTTP answer must be that value.
 */
test("the SQLite-built ticket list is exactly ticketWire of the same tickets", async () => {
  await using t = createTestApp();
  const conn = await t.sandbox();
  const rand = prng(20_261_201);
  const q1 = await t.post("/api/v1/queues", { name: "Soporte", color: "#4CAF50" });
  const q2 = await t.post("/api/v1/queues", { name: 'Ventas "VIP"', color: "#2196F3" });
  const u1 = await t.post("/api/v1/users", { name: "Ana Agente", email: "ana@example.com" });
  const tagIds: number[] = [];
  for (const [name, color] of [
    ["zeta", "#000001"],
    ["Árbol", "#000002"],
    ["alfa 😀", "#000003"],
    ["Beta\\b", "#000004"],
  ] as const)
    tagIds.push((await t.post("/api/v1/tags", { name, color })).body.id);

  const texts = [
    "hola",
    'comillas "dobles" y \\ barra',
    "línea\nnueva\ttab\u0001control",
    "emoji 🎉 y separadores \u2028\u2029",
    "x",
    "ñandú </script>",
  ];
  const ids: number[] = [];
  for (let i = 0; i < 24; i++) {
    const r = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: `5959970000${String(i).padStart(2, "0")}`,
      body: texts[i % texts.length],
      name: i % 5 === 0 ? `Nombre "${i}" ñ` : undefined,
    });
    expect(r.status).toBe(201);
    ids.push(r.body.ticketId);
  }
  const sql = t.db.$client;
  const dates = [0, 946_684_800_000, 1_733_050_000_999, 4_102_444_799_001, 1_733_050_000_123];
  for (const [i, id] of ids.entries()) {
    const queueId = [null, q1.body.id, q2.body.id][i % 3];
    const userId = i % 4 === 1 ? u1.body.id : null;
    const status = ["open", "pending", "closed"][Math.floor(rand() * 3)];
    sql
      .query(
        "update tickets set queue_id = ?, user_id = ?, status = ?, created_at = ?, updated_at = ? where id = ?",
      )
      .run(queueId, userId, status, dates[i % dates.length]!, 1_700_000_000_000 + (i % 7) * 1000, id);
    for (const tagId of tagIds)
      if (rand() < 0.4) sql.query("insert into ticket_tags values (?, ?)").run(id, tagId);
    if (i % 6 === 2)
      sql
        .query(
          "update contacts set is_group = 1, profile_pic_url = 'https://pps.example/x.jpg?a=1&b=\"2\"' where id = (select contact_id from tickets where id = ?)",
        )
        .run(id);
  }
  // A deleted user leaves tickets without one.
  const u2 = await t.post("/api/v1/users", { name: "Beto", email: "beto@example.com" });
  sql.query("update tickets set user_id = ? where id = ?").run(u2.body.id, ids[3]!);
  expect((await t.del(`/api/v1/users/${u2.body.id}`)).status).toBe(200);

  const filters = [
    {},
    { status: "open" as const },
    { status: "closed" as const },
    { whatsappId: conn.id },
    { queueId: q2.body.id },
    { status: "pending" as const, queueId: q1.body.id },
  ];
  for (const f of filters) {
    for (const limit of [5, 100]) {
      let after: readonly [number, number] | undefined;
      for (let pageNo = 1; pageNo < 10; pageNo++) {
        const at = after ? { limit, after } : { limit, offset: (pageNo - 1) * limit };
        const fromJs = t.services.tickets.list({ ...f, ...at });
        const fromSql = t.services.tickets.listJson({ ...f, ...at });
        expect(JSON.parse(fromSql.json)).toEqual(fromJs.rows.map(ticketWire));
        expect([fromSql.count, fromSql.hasMore]).toEqual([fromJs.count, fromJs.hasMore]);
        const last = fromJs.rows.at(-1);
        expect(fromSql.last).toEqual(last ? [last.updatedAt.getTime(), last.id] : undefined);
        if (!fromSql.hasMore) break;
        after = fromSql.last;
      }
    }
  }
  // Through HTTP: the same tickets as ticketWire gives for each of them read one by one.
  const answer = await t.get("/api/v1/tickets?limit=100");
  expect(answer.body.tickets).toHaveLength(24);
  for (const ticket of answer.body.tickets)
    expect(ticket).toEqual(ticketWire(t.services.tickets.get(ticket.id)));
  expect(answer.body).toMatchObject({ count: 24, hasMore: false, page: 1, limit: 100, nextCursor: null });
});
