import { expect, test } from "bun:test";
import { createTestApp } from "../support/test-app";

test("tags are attached to and removed from a ticket, the list filters by tag, and each change is a ticket_updated", async () => {
  await using t = createTestApp();
  const conn = await t.sandbox();
  const vip = (await t.post("/api/v1/tags", { name: "vip", color: "#FFC107" })).body;
  const late = (await t.post("/api/v1/tags", { name: "late", color: "#9C27B0" })).body;
  const inbound = (number: string) =>
    t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number, body: "hola", name: "Juan" });
  const a = (await inbound("595991000001")).body.ticketId;
  const b = (await inbound("595991000002")).body.ticketId;

  const put = await t.put(`/api/v1/tickets/${a}`, { tagIds: [late.id, vip.id, vip.id] });
  expect(put.status).toBe(200);
  expect(put.body.ticket.tags.map((g: any) => g.name)).toEqual(["late", "vip"]);
  await t.put(`/api/v1/tickets/${b}`, { tagIds: [vip.id] });

  const byVip = await t.get(`/api/v1/tickets?tagId=${vip.id}`);
  expect(byVip.body.tickets.map((x: any) => x.id).sort()).toEqual([a, b].sort());
  expect(byVip.body.count).toBe(2);
  const byLate = await t.get(`/api/v1/tickets?tagId=${late.id}&status=pending`);
  expect(byLate.body.tickets.map((x: any) => x.id)).toEqual([a]);
  expect(byLate.body.count).toBe(1);
  expect((await t.get(`/api/v1/tickets?tagId=${late.id}&status=closed`)).body.count).toBe(0);
  // With a search: the matches that carry the tag.
  const searched = await t.get(`/api/v1/tickets?search=hola&tagId=${late.id}`);
  expect(searched.body.tickets.map((x: any) => x.id)).toEqual([a]);
  expect(searched.body.count).toBe(1);
  expect((await t.get(`/api/v1/tickets?search=hola`)).body.count).toBe(2);

  // Removing one keeps the other; an empty list removes all; other fields stay as they were.
  const removed = await t.put(`/api/v1/tickets/${a}`, { tagIds: [vip.id] });
  expect(removed.body.ticket.tags.map((g: any) => g.name)).toEqual(["vip"]);
  expect(removed.body.ticket.status).toBe("pending");
  expect((await t.get(`/api/v1/tickets?tagId=${late.id}`)).body.count).toBe(0);
  expect((await t.put(`/api/v1/tickets/${b}`, { tagIds: [] })).body.ticket.tags).toEqual([]);

  const events = (await t.get(`/api/v1/events?limit=100`)).body.events as any[];
  const updates = events.filter((e) => e.event === "ticket_updated" && e.payload.data.ticketId === a);
  expect(updates.length).toBe(2);

  // An unknown tag is a 404 and changes nothing.
  const bad = await t.put(`/api/v1/tickets/${a}`, { tagIds: [vip.id, 9999] });
  expect(bad.status).toBe(404);
  expect(bad.body.error).toBe("ERR_TAG_NOT_FOUND");
  expect((await t.get(`/api/v1/tickets/${a}`)).body.tags.map((g: any) => g.name)).toEqual(["vip"]);
  expect((await t.put(`/api/v1/tickets/${a}`, { tagIds: [0] })).status).toBe(400);
});

test("the tag filter pages by cursor like the plain list", async () => {
  await using t = createTestApp();
  const conn = await t.sandbox();
  const vip = (await t.post("/api/v1/tags", { name: "vip", color: "#FFC107" })).body;
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: `59599100000${i}`,
      body: "hola",
      name: `C${i}`,
    });
    ids.push(r.body.ticketId);
    if (i !== 2) await t.put(`/api/v1/tickets/${r.body.ticketId}`, { tagIds: [vip.id] });
  }
  const first = await t.get(`/api/v1/tickets?tagId=${vip.id}&limit=2`);
  expect(first.body.count).toBe(4);
  const second = await t.get(`/api/v1/tickets?tagId=${vip.id}&limit=2&after=${first.body.nextCursor}`);
  const seen = [...first.body.tickets, ...second.body.tickets].map((x: any) => x.id);
  expect(seen.sort()).toEqual(ids.filter((_, i) => i !== 2).sort());
});

test("a tag's list follows its tickets: their activity, status, queue and agent, whenever each changed", async () => {
  await using t = createTestApp();
  const conn = await t.sandbox();
  const vip = (await t.post("/api/v1/tags", { name: "vip", color: "#FFC107" })).body.id as number;
  const ventas = (await t.post("/api/v1/queues", { name: "Ventas", color: "#111111" })).body.id as number;
  const ana = (await t.post("/api/v1/users", { name: "Ana", email: "ana@example.com", queueIds: [ventas] }))
    .body.id as number;
  const inbound = (i: number) =>
    t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: `59599200000${i}`,
      body: `hola ${i}`,
      name: `C${i}`,
    });
  const ids: number[] = [];
  for (let i = 0; i < 6; i++) ids.push((await inbound(i)).body.ticketId);
  const [a, b, c, d, e] = ids as [number, number, number, number, number];
  // Changed before it is tagged: the tagging takes the ticket as it is.
  await t.put(`/api/v1/tickets/${c}`, { queueId: ventas, status: "open" });
  for (const id of [a, b, c, d, e]) await t.put(`/api/v1/tickets/${id}`, { tagIds: [vip] });
  // Changed after: a new message (activity), a status, a queue and an agent, a transfer, a close; one untagged.
  await inbound(0);
  await t.put(`/api/v1/tickets/${b}`, { status: "open" });
  await t.put(`/api/v1/tickets/${d}`, { queueId: ventas, userId: ana });
  await t.post(`/api/v1/tickets/${a}/transfer`, { userId: ana, queueId: ventas });
  await t.put(`/api/v1/tickets/${e}`, { status: "closed" });
  await t.put(`/api/v1/tickets/${d}`, { tagIds: [] });
  await t.put(`/api/v1/tickets/${d}`, { tagIds: [vip] });
  await inbound(5); // the sixth: never tagged

  // Every filter of the tag's list gives what the plain list gives, in its order, narrowed to the tagged tickets
  // (read from the tickets themselves).
  const tagged = new Set([a, b, c, d, e]);
  const scopes = [
    {},
    { view: "mine" as const, userId: ana },
    { view: "queue" as const },
    { queues: [ventas] },
  ];
  const filters = [{}, { status: "open" as const }, { status: "closed" as const }, { queueId: ventas }];
  let seen = 0;
  for (const scope of scopes)
    for (const filter of filters) {
      const plain = await t.services.tickets.listKeys({ ...filter, ...scope, limit: 100, offset: 0 });
      const want = plain.keys.map((k) => k.id).filter((id) => tagged.has(id));
      const got = await t.services.tickets.listKeys({
        ...filter,
        ...scope,
        tagId: vip,
        limit: 100,
        offset: 0,
      });
      expect({ filter, scope, ids: got.keys.map((k) => k.id) }).toEqual({ filter, scope, ids: want });
      // Page by page too: a cursor seeks within the tag's own order.
      const first = await t.services.tickets.listKeys({
        ...filter,
        ...scope,
        tagId: vip,
        limit: 1,
        offset: 0,
      });
      if (first.keys.length === 0) continue;
      const rest = await t.services.tickets.listKeys({
        ...filter,
        ...scope,
        tagId: vip,
        limit: 100,
        after: [first.keys[0]!.updatedAt, first.keys[0]!.id],
      });
      expect([...first.keys, ...rest.keys].map((k) => k.id)).toEqual(want);
      seen += want.length;
    }
  expect(seen).toBeGreaterThan(10);
  // Over HTTP: a customer's new message puts the ticket first in its tag's list; the untagged one never shows.
  await inbound(1);
  const all = (await t.get(`/api/v1/tickets?tagId=${vip}`)).body.tickets.map((x: any) => x.id);
  expect(all[0]).toBe(b);
  expect(all.sort()).toEqual([a, b, c, d, e].sort());
});
