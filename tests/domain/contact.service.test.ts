// The contact service on both stores: the list (offset and keyset pages by name, the trigger-kept count),
// search by name or number, one contact by number, LID → number, create/edit through save, delete and purge.
// The HTTP behaviour is tests/api (SQLite).
import { expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { createConnectionService } from "../../src/domain/connection.service";
import { type ContactKey, createContactService } from "../../src/domain/contact.service";
import { domainDeps } from "../support/domain-deps";
import { describeStores, openTestStore, type TestStore } from "../support/stores";

const T0 = 1_700_000_000_000;

/** Names that sort the same under any collation: the list's order is by name, then id. */
// ("Marcos" before "María": a byte order and a linguistic one agree; "Mario" would not.)
const NAMES = ["Ana", "Beto", "Carla", "Marcos", "María López", "Zoe"];

async function seed(s: TestStore) {
  const { contacts } = s.store.t;
  return s.store.write((q) =>
    q
      .insert(contacts)
      .values(
        NAMES.map((name, i) => ({
          number: `59599000000${i + 1}`,
          name,
          lid: i === 0 ? "77001@lid" : null,
          createdAt: new Date(T0),
          updatedAt: new Date(T0),
        })),
      )
      .returning(),
  );
}

function servicesOn(s: TestStore, clock: () => number) {
  const env = domainDeps(s, clock);
  const contacts = createContactService(env.deps, createConnectionService(env.deps));
  return { env, contacts, [Symbol.dispose]: () => env[Symbol.dispose]() };
}

describeStores("contact service", (dialect) => {
  test("list: pages by name from an offset or a key, the count of every contact", async () => {
    await using s = await openTestStore(dialect);
    const seeded = await seed(s);
    using on = servicesOn(s, () => T0);
    const svc = on.contacts;
    const all = await svc.list({ offset: 0, limit: 50 });
    expect(all.rows.map((c) => c.name)).toEqual(NAMES);
    expect([all.count, all.hasMore]).toEqual([6, false]);
    expect(all.rows[0]).toEqual({ ...seeded[0]!, isGroup: false, email: "", profilePicUrl: null });

    const byOffset: string[] = [];
    for (let p = 0; ; p++) {
      const got = await svc.list({ offset: p * 4, limit: 4 });
      byOffset.push(...got.rows.map((c) => c.name));
      expect(got.count).toBe(6);
      if (!got.hasMore) break;
    }
    const byKey: string[] = [];
    let after: ContactKey | undefined;
    for (;;) {
      const got = after ? await svc.list({ after, limit: 4 }) : await svc.list({ offset: 0, limit: 4 });
      byKey.push(...got.rows.map((c) => c.name));
      if (!got.hasMore) break;
      const last = got.rows.at(-1)!;
      after = [last.name, last.id];
    }
    expect(byOffset).toEqual(NAMES);
    expect(byKey).toEqual(NAMES);
  });

  test("search: part of the name without regard to case or accents, short words, part of the number", async () => {
    await using s = await openTestStore(dialect);
    await seed(s);
    using on = servicesOn(s, () => T0);
    const svc = on.contacts;
    const names = async (
      search: string,
      page: { offset: number } | { after: ContactKey } = { offset: 0 },
    ) => {
      const got = await svc.list({ search, limit: 50, ...page });
      return { names: got.rows.map((c) => c.name), count: got.count };
    };
    expect(await names("maria")).toEqual({ names: ["María López"], count: 1 });
    expect(await names("MAR")).toEqual({ names: ["Marcos", "María López"], count: 2 });
    expect(await names("mar co")).toEqual({ names: ["Marcos"], count: 1 });
    expect(await names("to")).toEqual({ names: ["Beto"], count: 1 });
    expect(await names("+595 990-000003")).toEqual({ names: ["Carla"], count: 1 });
    expect(await names("0000")).toEqual({ names: NAMES, count: 6 });
    expect(await names("nadie")).toEqual({ names: [], count: 0 });
    expect(await names("!!")).toEqual({ names: [], count: 0 });
    // A page of the matches, and the page past a key.
    const first = await svc.list({ search: "0000", offset: 0, limit: 2 });
    expect([first.rows.map((c) => c.name), first.count, first.hasMore]).toEqual([["Ana", "Beto"], 6, true]);
    const beto = first.rows[1]!;
    expect(await names("0000", { after: [beto.name, beto.id] })).toEqual({ names: NAMES.slice(2), count: 6 });
  });

  test("one contact by number (normalized), and the number behind a LID", async () => {
    await using s = await openTestStore(dialect);
    const seeded = await seed(s);
    using on = servicesOn(s, () => T0);
    const svc = on.contacts;
    expect(await svc.getByNumber("+595 99 000-0002")).toEqual(seeded[1]!);
    await expect(svc.getByNumber("595990009999")).rejects.toMatchObject({ code: "ERR_CONTACT_NOT_FOUND" });
    await expect(svc.getByNumber("hola")).rejects.toMatchObject({ code: "ERR_INVALID_NUMBER" });
    expect(await svc.numberForLid("77001@lid")).toBe("595990000001");
    expect(await svc.numberForLid("88002@lid")).toBeUndefined();
  });

  test("save creates, then edits name and email, with their events; the same values again change nothing", async () => {
    await using s = await openTestStore(dialect);
    let now = T0;
    using on = servicesOn(s, () => now);
    const svc = on.contacts;
    const types = async () => {
      await on.env.settled();
      return on.env.events.splice(0).map((e) => e.envelope.event);
    };
    const created = await svc.save({ number: "+595 981 123456", name: "  Lía  " });
    expect(created.created).toBe(true);
    expect(created.contact).toMatchObject({ number: "595981123456", name: "Lía", email: "" });
    expect(await types()).toEqual(["contact_created"]);
    now += 1000;
    const edited = await svc.save({ number: "595981123456", name: "Lía Pérez", email: "lia@example.com" });
    expect(edited).toMatchObject({
      created: false,
      contact: { id: created.contact.id, name: "Lía Pérez", email: "lia@example.com" },
    });
    expect(edited.contact.updatedAt).toEqual(new Date(now));
    expect(await types()).toEqual(["contact_updated"]);
    const same = await svc.save({ number: "595981123456", name: "Lía Pérez" });
    expect(same.contact.updatedAt).toEqual(new Date(now));
    expect(await types()).toEqual([]);
    expect((await svc.list({ offset: 0, limit: 10 })).count).toBe(1);
    await expect(svc.save({ number: "12" })).rejects.toMatchObject({ code: "ERR_INVALID_NUMBER" });
  });

  test("remove deletes a contact without tickets; one with tickets only with purge, its tickets and messages too", async () => {
    await using s = await openTestStore(dialect);
    const seeded = await seed(s);
    using on = servicesOn(s, () => T0);
    const svc = on.contacts;
    const { connections, contacts, messages, tickets } = s.store.t;
    const ticketIds = await s.store.write(async (q) => {
      const [conn] = await q.insert(connections).values({ name: "A", driver: "sandbox" }).returning();
      const made = await q
        .insert(tickets)
        .values(
          ["open", "closed"].map((status) => ({
            contactId: seeded[1]!.id,
            connectionId: conn!.id,
            status: status as "open" | "closed",
            createdAt: new Date(T0),
            updatedAt: new Date(T0),
          })),
        )
        .returning();
      await q.insert(messages).values(
        Array.from({ length: 3 }, (_, i) => ({
          id: `M${i}`,
          connectionId: conn!.id,
          ticketId: made[i % 2]!.id,
          body: `m${i}`,
          fromMe: false,
          timestamp: i,
          createdAt: new Date(T0),
          updatedAt: new Date(T0),
        })),
      );
      return made.map((t) => t.id);
    });

    expect(await svc.remove("595990000003", { purge: false })).toEqual({
      tickets: 0,
      messages: 0,
      mediaFiles: 0,
    });
    await expect(svc.getByNumber("595990000003")).rejects.toMatchObject({ code: "ERR_CONTACT_NOT_FOUND" });
    await expect(svc.remove("595990000003", { purge: false })).rejects.toMatchObject({
      code: "ERR_CONTACT_NOT_FOUND",
    });

    await expect(svc.remove("595990000002", { purge: false })).rejects.toMatchObject({
      code: "ERR_CONFLICT",
    });
    expect((await svc.getByNumber("595990000002")).id).toBe(seeded[1]!.id);
    expect(await svc.remove("595990000002", { purge: true })).toEqual({
      tickets: 2,
      messages: 3,
      mediaFiles: 0,
    });
    const left = await s.store.read(async (q) => ({
      contact: await q.select().from(contacts).where(eq(contacts.id, seeded[1]!.id)),
      tickets: await q.select().from(tickets).where(eq(tickets.contactId, seeded[1]!.id)),
      messages: await q.select().from(messages),
    }));
    expect(left).toEqual({ contact: [], tickets: [], messages: [] });
    expect(ticketIds).toHaveLength(2);
    expect((await svc.list({ offset: 0, limit: 50 })).count).toBe(4);
  });
});
