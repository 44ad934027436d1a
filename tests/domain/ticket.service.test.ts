// The ticket service on both stores: the list (filters, tabs, an agent's queues, offset and keyset pages,
// counts), one ticket, the wire rows, search, and the route writes (update, accept, close, reopen, tags,
// transfer). The HTTP behaviour is tests/api (SQLite).
import { expect, test } from "bun:test";
import { createConnectionService } from "../../src/domain/connection.service";
import { createContactService } from "../../src/domain/contact.service";
import type { TicketKey } from "../../src/domain/ticket.service";
import { createTicketService } from "../../src/domain/ticket.service";
import { domainDeps } from "../support/domain-deps";
import { describeStores, openTestStore, type TestStore } from "../support/stores";

const T0 = 1_700_000_000_000;

/**
 * Two connections, two queues, an admin and an agent of Ventas, two tags, five contacts and six tickets with
 * distinct activity times (ticket i updated at T0 + i minutes), tags and messages.
 */
async function seed(s: TestStore) {
  const { connections, contacts, messages, queues, tags, tickets, ticketTags, userQueues, users } = s.store.t;
  return s.store.write(async (q) => {
    const at = (min: number) => new Date(T0 + min * 60_000);
    const [a, b] = await q
      .insert(connections)
      .values([
        { name: "A", driver: "sandbox", number: "595981111111" },
        { name: "B", driver: "sandbox", number: "595982222222" },
      ])
      .returning();
    const [ventas, soporte] = await q
      .insert(queues)
      .values([
        { name: "Ventas", color: "#111111" },
        { name: "Soporte", color: "#222222" },
      ])
      .returning();
    const [zoe, ana] = await q
      .insert(users)
      .values([
        { name: "Zoe", email: "zoe@example.com", role: "admin" },
        { name: "Ana", email: "ana@example.com", role: "agent" },
      ])
      .returning();
    await q.insert(userQueues).values({ userId: ana!.id, queueId: ventas!.id });
    const tagRows = await q
      .insert(tags)
      .values([
        { name: "vip", color: "#333333" },
        { name: "oro", color: "#444444" },
      ])
      .returning();
    const oro = tagRows.find((r) => r.name === "oro")!;
    const vip = tagRows.find((r) => r.name === "vip")!;
    const cs = await q
      .insert(contacts)
      .values([
        { number: "595990000001", name: "María López", lid: "111@lid", createdAt: at(0), updatedAt: at(0) },
        { number: "595990000002", name: "Beto", createdAt: at(0), updatedAt: at(0) },
        { number: "595990000003", name: "Carla", email: "c@example.com", createdAt: at(0), updatedAt: at(0) },
        { number: "595990000004", name: "Dario", isGroup: true, createdAt: at(0), updatedAt: at(0) },
        { number: "595990000005", name: "Eva", createdAt: at(0), updatedAt: at(0) },
      ])
      .returning();
    const row = (
      i: number,
      contact: number,
      conn: { id: number },
      status: "pending" | "open" | "closed",
      queueId: number | null,
      userId: number | null,
    ) => ({
      contactId: cs[contact]!.id,
      connectionId: conn.id,
      status,
      queueId,
      userId,
      lastMessage: `m${i}`,
      unreadMessages: i,
      createdAt: at(i),
      updatedAt: at(i),
    });
    const ts = await q
      .insert(tickets)
      .values([
        row(1, 0, a!, "closed", ventas!.id, ana!.id),
        row(2, 1, a!, "pending", null, null),
        row(3, 2, a!, "open", ventas!.id, ana!.id),
        row(4, 3, b!, "pending", soporte!.id, null),
        row(5, 4, b!, "open", soporte!.id, zoe!.id),
        row(6, 0, b!, "pending", ventas!.id, null),
      ])
      .returning();
    const id = (i: number) => ts[i - 1]!.id;
    await q.insert(ticketTags).values([
      { ticketId: id(3), tagId: vip!.id },
      { ticketId: id(3), tagId: oro!.id },
      { ticketId: id(5), tagId: vip!.id },
    ]);
    const msg = (i: number, ticket: number, body: string) => ({
      id: `M${i}`,
      connectionId: ts[ticket - 1]!.connectionId,
      ticketId: id(ticket),
      body,
      fromMe: false,
      timestamp: Math.floor(T0 / 1000) + i,
      createdAt: at(i),
      updatedAt: at(i),
    });
    await q
      .insert(messages)
      .values([
        msg(1, 2, "necesito la factura de marzo"),
        msg(2, 4, "hola, buen día"),
        msg(3, 5, "la FACTURACIÓN está mal"),
        msg(4, 6, "gracias"),
      ]);
    return { a: a!, b: b!, ventas: ventas!, soporte: soporte!, zoe: zoe!, ana: ana!, oro, vip, cs, id };
  });
}

function servicesOn(s: TestStore, clock: () => number) {
  const env = domainDeps(s, clock);
  const connections = createConnectionService(env.deps);
  const contacts = createContactService(env.deps, connections);
  const tickets = createTicketService(env.deps, contacts, connections);
  return { env, tickets, contacts, [Symbol.dispose]: () => env[Symbol.dispose]() };
}

describeStores("ticket service", (dialect) => {
  test("list: filters, tabs and an agent's queues, newest activity first, with exact counts", async () => {
    await using s = await openTestStore(dialect);
    const d = await seed(s);
    using on = servicesOn(s, () => T0);
    const svc = on.tickets;
    const ids = async (f: Parameters<typeof svc.list>[0]) => (await svc.list(f)).rows.map((r) => r.id);
    const page = { offset: 0, limit: 50 };
    expect(await ids(page)).toEqual([d.id(6), d.id(5), d.id(4), d.id(3), d.id(2), d.id(1)]);
    expect((await svc.list(page)).count).toBe(6);

    const cases: [Parameters<typeof svc.list>[0], number[]][] = [
      [{ ...page, status: "pending" }, [6, 4, 2]],
      [{ ...page, whatsappId: d.a.id }, [3, 2, 1]],
      [{ ...page, queueId: d.ventas.id }, [6, 3, 1]],
      [{ ...page, tagId: d.vip.id }, [5, 3]],
      [{ ...page, tagId: d.oro.id, status: "open" }, [3]],
      [{ ...page, view: "mine", userId: d.ana.id }, [3]],
      [{ ...page, view: "queue" }, [6, 4, 2]],
      [{ ...page, view: "all", queues: [d.ventas.id, 0] }, [6, 3, 2, 1]],
      [{ ...page, view: "queue", queues: [d.ventas.id, 0] }, [6, 2]],
      [{ ...page, status: "closed", whatsappId: d.b.id }, []],
    ];
    for (const [filter, want] of cases) {
      const got = await svc.list(filter);
      expect({ filter, ids: got.rows.map((r) => r.id) }).toEqual({ filter, ids: want.map(d.id) });
      expect({ filter, count: got.count }).toEqual({ filter, count: want.length });
      const keys = await svc.listKeys(filter);
      expect(keys.keys.map((k) => k.id)).toEqual(want.map(d.id));
      expect(keys.count).toBe(want.length);
    }
    expect(await svc.counts({}, { userId: d.ana.id, queues: null })).toEqual({ mine: 1, queue: 3, all: 6 });
    expect(await svc.counts({ whatsappId: d.b.id }, { queues: [d.soporte.id] })).toEqual({
      mine: null,
      queue: 1,
      all: 2,
    });
    expect(await svc.counts({ tagId: d.vip.id }, { userId: d.zoe.id })).toEqual({
      mine: 1,
      queue: 0,
      all: 2,
    });
  });

  test("offset and keyset pages walk the same order, with hasMore and the key of each row", async () => {
    await using s = await openTestStore(dialect);
    const d = await seed(s);
    using on = servicesOn(s, () => T0);
    const svc = on.tickets;
    const byOffset: number[] = [];
    for (let p = 0; ; p++) {
      const got = await svc.list({ offset: p * 4, limit: 4, status: undefined });
      byOffset.push(...got.rows.map((r) => r.id));
      expect(got.hasMore).toBe(p === 0);
      if (!got.hasMore) break;
    }
    const byKey: number[] = [];
    let after: TicketKey | undefined;
    for (;;) {
      const got = after
        ? await svc.listKeys({ after, limit: 4 })
        : await svc.listKeys({ offset: 0, limit: 4 });
      byKey.push(...got.keys.map((k) => k.id));
      const last = got.keys.at(-1)!;
      expect(last.updatedAt).toBe((await svc.get(last.id)).updatedAt.getTime());
      if (!got.hasMore) break;
      after = [last.updatedAt, last.id];
    }
    const all = [6, 5, 4, 3, 2, 1].map(d.id);
    expect(byOffset).toEqual(all);
    expect(byKey).toEqual(all);
    // A keyset page of the list itself, past ticket 4.
    const past4 = await svc.list({ after: [T0 + 4 * 60_000, d.id(4)], limit: 2 });
    expect(past4.rows.map((r) => r.id)).toEqual([d.id(3), d.id(2)]);
    expect(past4.hasMore).toBe(true);
  });

  test("one ticket, several, and their wire rows carry the same values", async () => {
    await using s = await openTestStore(dialect);
    const d = await seed(s);
    using on = servicesOn(s, () => T0);
    const svc = on.tickets;
    const three = await svc.get(d.id(3));
    expect(three).toEqual({
      id: d.id(3),
      status: "open",
      contactId: d.cs[2]!.id,
      connectionId: d.a.id,
      queueId: d.ventas.id,
      userId: d.ana.id,
      unreadMessages: 3,
      lastMessage: "m3",
      rating: null,
      ratedAt: null,
      createdAt: new Date(T0 + 3 * 60_000),
      updatedAt: new Date(T0 + 3 * 60_000),
      contact: {
        id: d.cs[2]!.id,
        number: "595990000003",
        name: "Carla",
        email: "c@example.com",
        profilePicUrl: null,
        isGroup: false,
        lid: null,
        createdAt: new Date(T0),
        updatedAt: new Date(T0),
      },
      whatsapp: { id: d.a.id, name: "A", number: "595981111111" },
      queue: { id: d.ventas.id, name: "Ventas", color: "#111111" },
      user: { id: d.ana.id, name: "Ana", email: "ana@example.com" },
      // By name.
      tags: [
        { id: d.oro.id, name: "oro", color: "#444444" },
        { id: d.vip.id, name: "vip", color: "#333333" },
      ],
    });
    expect((await svc.get(d.id(4))).contact.isGroup).toBe(true);
    await expect(svc.get(999_999)).rejects.toMatchObject({ code: "ERR_TICKET_NOT_FOUND" });
    expect((await svc.views([d.id(1), d.id(5), 999_999, d.id(3)])).map((v) => v.id)).toEqual(
      [5, 3, 1].map(d.id),
    );
    expect(await svc.views([])).toEqual([]);

    const wire = await svc.wireRows([d.id(3), d.id(4), 999_999]);
    expect(wire).toHaveLength(2);
    const w3 = wire.find((w) => w.row[0] === d.id(3))!;
    expect(w3.row).toEqual([
      d.id(3),
      "open",
      "m3",
      3,
      d.cs[2]!.id,
      d.a.id,
      d.ventas.id,
      d.ana.id,
      null,
      null,
      T0 + 3 * 60_000,
      T0 + 3 * 60_000,
      "Carla",
      "595990000003",
      "c@example.com",
      null,
      0,
      "A",
      "595981111111",
      "Ventas",
      "#111111",
      "Ana",
      "ana@example.com",
    ]);
    expect(w3.tags.map((t) => t.name)).toEqual(["oro", "vip"]);
    const w4 = wire.find((w) => w.row[0] === d.id(4))!;
    expect([w4.row[16], w4.row[21], w4.tags]).toEqual([1, null, []]);

    expect(await svc.queueOf(d.id(2))).toBeNull();
    expect(await svc.queueOf(d.id(4))).toBe(d.soporte.id);
    await expect(svc.queueOf(999_999)).rejects.toMatchObject({ code: "ERR_TICKET_NOT_FOUND" });
  });

  test("search: a contact's name without accents or its number, a message's words (the last a prefix), with the filters", async () => {
    await using s = await openTestStore(dialect);
    const d = await seed(s);
    using on = servicesOn(s, () => T0);
    const svc = on.tickets;
    const found = async (search: string, more: Partial<Parameters<typeof svc.list>[0]> = {}) => {
      const got = await svc.list({ search, offset: 0, limit: 50, ...more });
      expect(got.count).toBe(got.rows.length);
      return got.rows.map((r) => r.id);
    };
    // María's two tickets, newest first.
    expect(await found("maria")).toEqual([d.id(6), d.id(1)]);
    expect(await found("LÓPEZ")).toEqual([d.id(6), d.id(1)]);
    expect(await found("0000003")).toEqual([d.id(3)]);
    // "factu" is a prefix of "factura" and "facturación" (case and accents aside).
    expect(await found("factu")).toEqual([d.id(5), d.id(2)]);
    expect(await found("factura de")).toEqual([d.id(2)]);
    expect(await found("factu", { status: "open" })).toEqual([d.id(5)]);
    expect(await found("factu", { whatsappId: d.a.id })).toEqual([d.id(2)]);
    expect(await found("factu", { tagId: d.vip.id })).toEqual([d.id(5)]);
    expect(await found("maria", { queues: [d.ventas.id] })).toEqual([d.id(6), d.id(1)]);
    expect(await found("maria", { view: "queue" })).toEqual([d.id(6)]);
    expect(await found("factu", { view: "mine", userId: d.zoe.id })).toEqual([d.id(5)]);
    expect(await found("nadie")).toEqual([]);
    expect(await found("?!")).toEqual([]);
    // Paged in memory, by offset or by key.
    const first = await svc.list({ search: "factu", offset: 0, limit: 1 });
    expect([first.rows.map((r) => r.id), first.count, first.hasMore]).toEqual([[d.id(5)], 2, true]);
    const next = await svc.list({ search: "factu", after: [T0 + 5 * 60_000, d.id(5)], limit: 1 });
    expect([next.rows.map((r) => r.id), next.hasMore]).toEqual([[d.id(2)], false]);
  });

  test("update: accept, tags, close, the reopen check and unknown references, each with its event", async () => {
    await using s = await openTestStore(dialect);
    const d = await seed(s);
    let now = T0 + 3_600_000;
    using on = servicesOn(s, () => now);
    const svc = on.tickets;
    const types = async () => {
      await on.env.settled();
      return on.env.events.splice(0).map((e) => e.envelope.event);
    };

    // Opening an unassigned ticket accepts it for the one who opens it, and marks it read.
    const accepted = await svc.updateById(d.id(2), { status: "open", acceptedBy: d.zoe.id });
    expect([accepted.status, accepted.userId, accepted.unreadMessages]).toEqual(["open", d.zoe.id, 0]);
    expect(accepted.updatedAt).toEqual(new Date(now));
    expect(await types()).toEqual(["ticket_updated"]);

    now += 1000;
    const tagged = await svc.updateById(d.id(2), { tagIds: [d.vip.id, d.oro.id] });
    expect(tagged.tags.map((t) => t.name)).toEqual(["oro", "vip"]);
    expect(await types()).toEqual(["ticket_updated"]);
    const retagged = await svc.updateById(d.id(2), { tagIds: [d.oro.id] });
    expect(retagged.tags.map((t) => t.name)).toEqual(["oro"]);
    // The same set again changes nothing: no event.
    await svc.updateById(d.id(2), { tagIds: [d.oro.id] });
    expect(await types()).toEqual(["ticket_updated"]);

    // A missing tag, queue or user refuses the whole update.
    await expect(svc.updateById(d.id(2), { tagIds: [d.vip.id, 999_999] })).rejects.toMatchObject({
      code: "ERR_TAG_NOT_FOUND",
    });
    await expect(svc.updateById(d.id(2), { status: "closed", queueId: 999_999 })).rejects.toMatchObject({
      code: "ERR_QUEUE_NOT_FOUND",
    });
    await expect(svc.updateById(d.id(2), { userId: 999_999 })).rejects.toMatchObject({
      code: "ERR_USER_NOT_FOUND",
    });
    await expect(svc.updateById(999_999, { status: "open" })).rejects.toMatchObject({
      code: "ERR_TICKET_NOT_FOUND",
    });
    const unchanged = await svc.get(d.id(2));
    expect([unchanged.status, unchanged.tags.map((t) => t.name)]).toEqual(["open", ["oro"]]);
    expect(await types()).toEqual([]);

    const closed = await svc.updateById(d.id(2), { status: "closed" });
    expect(closed.status).toBe("closed");
    expect(await types()).toEqual(["ticket_closed"]);
    expect((await svc.list({ offset: 0, limit: 50, status: "closed" })).count).toBe(2);

    // María has ticket 6 pending on B: her closed ticket 1 on A reopens, ticket 6's twin on B would not.
    const reopened = await svc.updateById(d.id(1), { status: "pending" });
    expect(reopened.status).toBe("pending");
    await svc.updateById(d.id(1), { status: "closed" });
    await s.store.write((q) =>
      q.insert(s.store.t.tickets).values({
        contactId: d.cs[0]!.id,
        connectionId: d.a.id,
        status: "open",
        createdAt: new Date(now),
        updatedAt: new Date(now),
      }),
    );
    await expect(svc.updateById(d.id(1), { status: "open" })).rejects.toMatchObject({
      code: "ERR_OPEN_TICKET_EXISTS",
    });
    expect((await svc.get(d.id(1))).status).toBe("closed");
  });

  test("transfer: to a queue (waiting, unassigned), to an agent (open), with a system line; refused when it cannot be", async () => {
    await using s = await openTestStore(dialect);
    const d = await seed(s);
    const now = T0 + 7_200_000;
    using on = servicesOn(s, () => now);
    const svc = on.tickets;
    const by = { userId: d.zoe.id, name: "Zoe" };

    const toQueue = await svc.transfer(d.id(3), { queueId: d.soporte.id, note: "  factura  " }, by);
    expect([toQueue.status, toQueue.queueId, toQueue.userId]).toEqual(["pending", d.soporte.id, null]);
    await on.env.settled();
    const events = on.env.events.splice(0);
    expect(events.map((e) => e.envelope.event)).toEqual(["ticket_updated"]);
    const transfer = (events[0]!.envelope.data as { transfer: Record<string, unknown> }).transfer;
    expect(transfer).toMatchObject({
      fromQueueId: d.ventas.id,
      toQueueId: d.soporte.id,
      fromUserId: d.ana.id,
      toUserId: null,
      byUserId: d.zoe.id,
      note: "factura",
    });
    const { messages } = s.store.t;
    const { eq } = await import("drizzle-orm");
    const [line] = await s.store.read((q) =>
      q
        .select()
        .from(messages)
        .where(eq(messages.id, transfer.messageId as string)),
    );
    expect(line).toMatchObject({
      ticketId: d.id(3),
      isSystem: true,
      mediaType: "system",
      fromMe: true,
      userId: d.zoe.id,
      body: "Transferred to queue Soporte by Zoe: factura",
    });
    expect(line!.systemData).toMatchObject({ type: "transfer", toQueueName: "Soporte", toUserName: null });

    const toAgent = await svc.transfer(d.id(4), { userId: d.zoe.id }, by);
    expect([toAgent.status, toAgent.queueId, toAgent.userId]).toEqual(["open", d.soporte.id, d.zoe.id]);

    // Ana works in Ventas only: the ticket would vanish from her list.
    await expect(svc.transfer(d.id(4), { userId: d.ana.id }, by)).rejects.toMatchObject({
      code: "ERR_VALIDATION",
    });
    await expect(svc.transfer(d.id(1), { queueId: d.soporte.id }, by)).rejects.toMatchObject({
      code: "ERR_TICKET_CLOSED",
    });
    await expect(svc.transfer(d.id(2), { queueId: 999_999 }, by)).rejects.toMatchObject({
      code: "ERR_QUEUE_NOT_FOUND",
    });
    await expect(svc.transfer(999_999, { queueId: d.soporte.id }, by)).rejects.toMatchObject({
      code: "ERR_TICKET_NOT_FOUND",
    });
    expect((await svc.get(d.id(4))).userId).toBe(d.zoe.id);
  });
});
