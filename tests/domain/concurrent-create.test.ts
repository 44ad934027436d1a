// Writes that create the same contact or the same active ticket at once, on both stores. SQLite runs write bodies
// one at a time; PostgreSQL runs them concurrently (READ COMMITTED), where two bodies can both read "no such contact"
// and both insert: the second used to fail on the unique index (an inbound message and a send for one new number,
// seen as a 500 and a lost inbound message by tests/cluster/whole-cluster.test.ts). Now every write answers the one
// row, created once.
import { expect, test } from "bun:test";
import { createConnectionService } from "../../src/domain/connection.service";
import { createContactService } from "../../src/domain/contact.service";
import { createTicketService } from "../../src/domain/ticket.service";
import { domainDeps } from "../support/domain-deps";
import { describeStores, openTestStore, type TestStore } from "../support/stores";

const T0 = 1_700_000_000_000;
const WRITERS = 12;

function servicesOn(s: TestStore) {
  const env = domainDeps(s, () => T0);
  const connections = createConnectionService(env.deps);
  const contacts = createContactService(env.deps, connections);
  const tickets = createTicketService(env.deps, contacts, connections);
  return { contacts, tickets, [Symbol.dispose]: () => env[Symbol.dispose]() };
}

describeStores("concurrent creation", (dialect) => {
  test("writes creating one new number at once: one contact, created once, every write gets it", async () => {
    await using s = await openTestStore(dialect);
    using on = servicesOn(s);
    const results = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        s.store.write((q) => on.contacts.upsertIn(q, { number: "595991000123", name: `Nombre ${i}` }, null)),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.contact.id)).size).toBe(1);
    const rows = await s.store.read((q) => q.select().from(s.store.t.contacts));
    expect(rows.map((r) => r.number)).toEqual(["595991000123"]);
  });

  test("writes opening a ticket for one new contact at once: one active ticket, created once, every write gets it", async () => {
    await using s = await openTestStore(dialect);
    using on = servicesOn(s);
    const [connection] = await s.store.write((q) =>
      q
        .insert(s.store.t.connections)
        .values({ name: "A", driver: "sandbox", number: "595981000100" })
        .returning(),
    );
    const results = await Promise.all(
      Array.from({ length: WRITERS }, () =>
        s.store.write(async (q) => {
          const { contact } = await on.contacts.upsertIn(q, { number: "595991000124" }, connection!.id);
          return on.tickets.findOrCreateIn(q, contact, connection!.id, { newStatus: "pending" });
        }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.ticket.id)).size).toBe(1);
    const tickets = await s.store.read((q) => q.select().from(s.store.t.tickets));
    expect(tickets.map((t) => t.status)).toEqual(["pending"]);
  });
});
