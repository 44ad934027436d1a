import { expect, test } from "bun:test";
import { createTestApp, type TestApp } from "../support/test-app";

/**
 * A ticket's message list reads its `count` from message_counts (migrations 0017 / pg 0006), kept by triggers on
 * messages. Through inbound messages, sends, system lines, messages dropped by MESSAGE_RETENTION_DAYS and a contact
 * purged with its tickets, the counters equal a count of the messages, and the list's count equals its rows.
 */

const DAY_MS = 86_400_000;

async function expectExact(t: TestApp) {
  const counters = await t.rows<{ ticket: number; n: number }>(
    "select ticket_id as ticket, n from message_counts where n <> 0 order by ticket_id",
  );
  const actual = await t.rows<{ ticket: number; n: number }>(
    "select ticket_id as ticket, count(*) as n from messages group by ticket_id order by ticket_id",
  );
  expect(counters).toEqual(actual);
  for (const { id } of await t.rows<{ id: number }>("select id from tickets")) {
    const page = (await t.get(`/api/v1/tickets/${id}/messages?limit=100`)).body;
    expect({ id, count: page.count }).toEqual({ id, count: page.messages.length });
  }
}

test("a ticket's message count follows inserts, retention and purges", async () => {
  const clock = { now: Date.now() };
  await using t = createTestApp({ MESSAGE_RETENTION_DAYS: "30" }, { clock: () => clock.now });
  const conn = await t.sandbox();
  const inbound = async (number: string, body: string) =>
    (await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number, body, name: "Cliente" })).body
      .ticketId as number;
  const ana = await inbound("595991000001", "hola");
  await inbound("595991000001", "¿siguen ahí?");
  const beto = await inbound("595991000002", "buenas");
  await expectExact(t);

  // Old messages, then new ones: sends, a transfer's system line, more inbound.
  clock.now += 40 * DAY_MS;
  expect((await t.post(`/api/v1/tickets/${ana}/messages`, { body: "Sí, dígame" })).status).toBe(201);
  const queue = (await t.post("/api/v1/queues", { name: "Ventas", color: "#111111" })).body.id as number;
  expect((await t.post(`/api/v1/tickets/${ana}/transfer`, { queueId: queue })).status).toBe(200);
  await inbound("595991000002", "otra consulta");
  const before = (await t.get(`/api/v1/tickets/${ana}/messages`)).body.count as number;
  expect(before).toBe(4);
  await expectExact(t);

  // MESSAGE_RETENTION_DAYS drops the first three messages; the counters follow.
  await t.retention.run();
  expect((await t.get(`/api/v1/tickets/${ana}/messages`)).body.count).toBe(2);
  expect((await t.get(`/api/v1/tickets/${beto}/messages`)).body.count).toBe(1);
  await expectExact(t);

  // A contact purged with its tickets: its counters go with them.
  expect((await t.del("/api/v1/contacts/595991000002?purge=true")).status).toBeLessThan(300);
  expect(await t.rows("select n from message_counts where ticket_id = ?", beto)).toEqual([]);
  await expectExact(t);
  expect(await t.rows("select n from message_counts where n < 0")).toEqual([]);
});
