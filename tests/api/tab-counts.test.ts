import { expect, test } from "bun:test";
import { createTestApp, type TestApp } from "../support/test-app";

/**
 * The list's tabs count from ticket_counts (migrations 0016 / pg 0005), kept by triggers that follow the agent as
 * they follow status, connection and queue. After every kind of change a ticket's agent can go through (accept,
 * transfer, unassign, close, reopen, the agent or the queue deleted, the contact deleted with its tickets), the
 * counters equal a count of the tickets, and the counts the API answers equal the tickets each tab lists. The same
 * for the counters per tag (migrations 0018 / pg 0007), through taggings, untaggings and a tag deleted.
 */

type Group = { status: string; c: number; q: number; u: number; n: number };

const counters = (t: TestApp) =>
  t.rows<Group>(
    "select status, connection_id as c, queue_id as q, user_id as u, n from ticket_counts where n <> 0 order by status, c, q, u",
  );
const recount = (t: TestApp) =>
  t.rows<Group>(
    `select status, connection_id as c, coalesce(queue_id, 0) as q, coalesce(user_id, 0) as u, count(*) as n
     from tickets group by status, connection_id, coalesce(queue_id, 0), coalesce(user_id, 0)
     order by status, c, q, u`,
  );

/** What each tab holds, read from the tickets themselves. */
async function truth(t: TestApp, userId: number, filter: { status?: string; queueId?: number } = {}) {
  const rows = await t.rows<{ status: string; queue_id: number | null; user_id: number | null }>(
    "select status, queue_id, user_id from tickets",
  );
  const matching = rows.filter(
    (r) =>
      (filter.status === undefined || r.status === filter.status) &&
      (filter.queueId === undefined || r.queue_id === filter.queueId),
  );
  return {
    mine: matching.filter((r) => r.user_id === userId && r.status !== "closed").length,
    queue: matching.filter((r) => r.status === "pending" && r.user_id === null).length,
    all: matching.length,
  };
}

const tagCounters = (t: TestApp) =>
  t.rows<Group & { tag: number }>(
    "select tag_id as tag, status, connection_id as c, queue_id as q, user_id as u, n from ticket_tag_counts where n <> 0 order by tag, status, c, q, u",
  );
const tagRecount = (t: TestApp) =>
  t.rows<Group & { tag: number }>(
    `select tt.tag_id as tag, t.status, t.connection_id as c, coalesce(t.queue_id, 0) as q, coalesce(t.user_id, 0) as u,
       count(*) as n
     from ticket_tags tt join tickets t on t.id = tt.ticket_id
     group by tt.tag_id, t.status, t.connection_id, coalesce(t.queue_id, 0), coalesce(t.user_id, 0)
     order by tag, t.status, c, q, u`,
  );

async function expectExact(t: TestApp, users: number[], queues: number[]) {
  expect(await counters(t)).toEqual(await recount(t));
  expect(await tagCounters(t)).toEqual(await tagRecount(t));
  for (const userId of users)
    for (const filter of [
      {},
      { status: "pending" },
      { status: "open" },
      ...queues.map((queueId) => ({ queueId })),
    ])
      expect({
        userId,
        filter,
        counts: await t.services.tickets.counts(filter as { status?: "pending" | "open" }, { userId }),
      }).toEqual({ userId, filter, counts: await truth(t, userId, filter) });
  // The list's own count for the tabs a token may ask.
  const listed = (await t.get("/api/v1/tickets?view=queue&limit=1")).body;
  expect(listed.count).toBe((await truth(t, 0)).queue);
}

test("the tab and tag counts follow every change of a ticket's agent, status, queue and tags", async () => {
  await using t = createTestApp();
  const conn = await t.sandbox();
  const ventas = (await t.post("/api/v1/queues", { name: "Ventas", color: "#111111" })).body.id as number;
  const soporte = (await t.post("/api/v1/queues", { name: "Soporte", color: "#222222" })).body.id as number;
  const ana = (
    await t.post("/api/v1/users", { name: "Ana", email: "ana@example.com", queueIds: [ventas, soporte] })
  ).body.id as number;
  const beto = (
    await t.post("/api/v1/users", { name: "Beto", email: "beto@example.com", queueIds: [ventas, soporte] })
  ).body.id as number;
  const users = [ana, beto];
  const queues = [ventas, soporte];
  const tickets: number[] = [];
  for (let i = 1; i <= 8; i++)
    tickets.push(
      (
        await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
          number: `59599100000${i}`,
          body: "hola",
          name: `Cliente ${i}`,
        })
      ).body.ticketId,
    );
  const [t1, t2, t3, t4, t5, t6, t7, t8] = tickets as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Tagged before and after the changes below: the tag counters follow the tickets' groups.
  const vip = (await t.post("/api/v1/tags", { name: "vip", color: "#333333" })).body.id as number;
  const mora = (await t.post("/api/v1/tags", { name: "mora", color: "#444444" })).body.id as number;
  for (const id of [t1, t2, t4, t8])
    expect((await t.put(`/api/v1/tickets/${id}`, { tagIds: [vip] })).status).toBe(200);
  expect((await t.put(`/api/v1/tickets/${t6}`, { tagIds: [vip, mora] })).status).toBe(200);
  await expectExact(t, users, queues);

  // Assigned, moved between queues and agents, unassigned, closed, reopened.
  expect((await t.put(`/api/v1/tickets/${t1}`, { userId: ana, status: "open" })).status).toBe(200);
  expect((await t.put(`/api/v1/tickets/${t2}`, { userId: beto, queueId: ventas })).status).toBe(200);
  expect((await t.post(`/api/v1/tickets/${t3}/transfer`, { queueId: soporte })).status).toBe(200);
  expect((await t.post(`/api/v1/tickets/${t4}/transfer`, { userId: ana, queueId: ventas })).status).toBe(200);
  expect((await t.put(`/api/v1/tickets/${t5}`, { status: "pending" })).status).toBe(200);
  await expectExact(t, users, queues);
  expect((await t.post(`/api/v1/tickets/${t4}/transfer`, { userId: beto })).status).toBe(200);
  expect((await t.put(`/api/v1/tickets/${t1}`, { userId: null })).status).toBe(200);
  expect((await t.put(`/api/v1/tickets/${t2}`, { status: "closed" })).status).toBe(200);
  expect((await t.put(`/api/v1/tickets/${t6}`, { userId: ana, status: "closed" })).status).toBe(200);
  await expectExact(t, users, queues);
  expect((await t.put(`/api/v1/tickets/${t2}`, { status: "open" })).status).toBe(200);
  expect(
    (await t.put(`/api/v1/tickets/${t7}`, { userId: beto, queueId: soporte, tagIds: [mora] })).status,
  ).toBe(200);
  expect((await t.put(`/api/v1/tickets/${t1}`, { tagIds: [mora] })).status).toBe(200);
  await expectExact(t, users, queues);
  // A tag deleted: its counters go.
  expect((await t.del(`/api/v1/tags/${mora}`)).status).toBeLessThan(300);
  expect(await t.rows("select n from ticket_tag_counts where tag_id = ?", mora)).toEqual([]);
  await expectExact(t, users, queues);

  // The agent deleted: their tickets lose the agent (set null), the counters follow.
  expect((await t.del(`/api/v1/users/${beto}`)).status).toBeLessThan(300);
  await expectExact(t, [ana], queues);
  // The queue deleted: its tickets lose the queue.
  expect((await t.del(`/api/v1/queues/${ventas}`)).status).toBeLessThan(300);
  await expectExact(t, [ana], [soporte]);
  // A contact deleted with its tickets.
  expect((await t.del("/api/v1/contacts/595991000008?purge=true")).status).toBeLessThan(300);
  expect(await t.rows("select id from tickets where id = ?", t8)).toEqual([]);
  await expectExact(t, [ana], [soporte]);
  // Nothing drifted below zero on the way.
  expect(await t.rows("select n from ticket_counts where n < 0")).toEqual([]);
  expect(await t.rows("select n from ticket_tag_counts where n < 0")).toEqual([]);
});
