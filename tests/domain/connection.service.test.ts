// The connection service on both stores; the HTTP behaviour is tests/api/connections.test.ts and
// connection-session.test.ts (SQLite, with sandbox sessions).
import { expect, test } from "bun:test";
import { count } from "drizzle-orm";
import { createPostgresEventSink } from "../../src/cluster/pg-event-sink";
import type { Dialect } from "../../src/db/store";
import { createCatalogServices } from "../../src/domain/catalog.service";
import { createConnectionService } from "../../src/domain/connection.service";
import { createEventSink } from "../../src/webhooks/events";
import { describeStores, openTestStore, type TestStore } from "../support/stores";

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { code?: string; message?: string }) => ({ code: e.code, message: e.message }),
  );

/**
 * The service over a test store, with the store's own event sink: events are written in the status write's
 * transaction (on SQLite on the writer connection, on PostgreSQL by the PostgreSQL sink).
 */
async function setup(dialect: Dialect) {
  const s: TestStore = await openTestStore(dialect);
  let now = Date.UTC(2026, 11, 2, 9, 0, 0);
  const clock = () => now;
  const sink = s.db ? createEventSink(s.db, clock) : createPostgresEventSink(s.sql!, { clock });
  const connections = createConnectionService({
    store: s.store,
    events: sink,
    sessions: { get: () => undefined },
    clock,
  });
  const { events: table } = s.store.t;
  const events = async () => (await s.store.read((q) => q.select({ n: count() }).from(table)))[0]!.n;
  return {
    s,
    connections,
    queues: createCatalogServices(s.store).queues,
    events,
    advance: (ms: number) => {
      now += ms;
    },
    async [Symbol.asyncDispose]() {
      await s[Symbol.asyncDispose]();
    },
  };
}

describeStores("connection service", (dialect) => {
  test("the first connection is the default; a new default takes it over; list by name", async () => {
    await using t = await setup(dialect);
    const { connections } = t;
    const a = await connections.create({ name: "Ventas", driver: "sandbox", number: "+595 981 111 111" });
    expect(a).toMatchObject({ name: "Ventas", driver: "sandbox", number: "595981111111", isDefault: true });
    expect(a).toMatchObject({
      status: "OPENING",
      groups: "ignore",
      sendReadReceipts: true,
      pacingDailyCap: 1000,
    });
    expect(a.createdAt).toBeInstanceOf(Date);
    const b = await connections.create({ name: "Atención", driver: "sandbox" });
    expect(b.isDefault).toBe(false);
    expect(b.number).toMatch(/^5599\d{9}$/);
    const c = await connections.create({ name: "Soporte", isDefault: true });
    expect(c).toMatchObject({ driver: "baileys", number: null, isDefault: true });
    expect((await connections.list()).map((x) => [x.name, x.isDefault])).toEqual([
      ["Atención", false],
      ["Soporte", true],
      ["Ventas", false],
    ]);
    expect((await connections.resolve(null)).id).toBe(c.id);
    expect((await connections.resolve(a.id)).name).toBe("Ventas");
    expect(await connections.find(c.id + 100)).toBeUndefined();
  });

  test("bad input is refused before anything is stored: taken name, number on baileys, unknown or repeated queue", async () => {
    await using t = await setup(dialect);
    const { connections } = t;
    const q = await t.queues.create({ name: "Soporte", color: "#4CAF50" });
    await connections.create({ name: "Ventas", driver: "sandbox" });
    expect(await rejection(connections.create({ name: "Ventas" }))).toEqual({
      code: "ERR_CONFLICT",
      message: 'A connection named "Ventas" already exists',
    });
    expect(await rejection(connections.create({ name: "B", number: "595981000000" }))).toMatchObject({
      code: "ERR_VALIDATION",
    });
    expect(await rejection(connections.create({ name: "C", queueIds: [q.id, q.id + 7] }))).toEqual({
      code: "ERR_QUEUE_NOT_FOUND",
      message: `Queue #${q.id + 7} not found`,
    });
    expect(await rejection(connections.create({ name: "D", queueIds: [q.id, q.id] }))).toMatchObject({
      code: "ERR_VALIDATION",
      message: "queueIds lists a queue twice",
    });
    // The connection of the refused queue list was rolled back with it.
    expect((await connections.list()).map((x) => x.name)).toEqual(["Ventas"]);
  });

  test("twin creates at once: one is stored, the other is the same 409", async () => {
    await using t = await setup(dialect);
    const results = await Promise.allSettled([
      t.connections.create({ name: "Ventas", driver: "sandbox" }),
      t.connections.create({ name: "Ventas", driver: "sandbox" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: "ERR_CONFLICT" });
    expect(await t.connections.list()).toHaveLength(1);
  });

  test("queues in menu order: set, reordered, replaced, read with the connection", async () => {
    await using t = await setup(dialect);
    const { connections, queues } = t;
    const ventas = await queues.create({ name: "Ventas", color: "#1", greetingMessage: "Hola" });
    const soporte = await queues.create({ name: "Soporte", color: "#2" });
    const c = await connections.create({
      name: "Main",
      driver: "sandbox",
      queueIds: [soporte.id, ventas.id],
    });
    expect(await connections.queuesOf(c.id)).toEqual([
      {
        id: soporte.id,
        name: "Soporte",
        greetingMessage: null,
        schedule: null,
        timeZone: null,
        outOfHoursMessage: null,
      },
      {
        id: ventas.id,
        name: "Ventas",
        greetingMessage: "Hola",
        schedule: null,
        timeZone: null,
        outOfHoursMessage: null,
      },
    ]);
    await connections.update(c.id, { queueIds: [ventas.id, soporte.id] });
    expect((await connections.view(c.id)).queueIds).toEqual([ventas.id, soporte.id]);
    await connections.update(c.id, { queueIds: [] });
    expect(await connections.view(c.id)).toMatchObject({ id: c.id, name: "Main", queueIds: [] });
    // An update that names no queues keeps them.
    await connections.update(c.id, { queueIds: [soporte.id] });
    await connections.update(c.id, { greetingMessage: "Bienvenido" });
    expect((await connections.view(c.id)).queueIds).toEqual([soporte.id]);
    expect(await rejection(connections.view(c.id + 1))).toEqual({
      code: "ERR_CONNECTION_NOT_FOUND",
      message: "Connection not found",
    });
  });

  test("update: fields, the default kept on the only default, driver and name rules, 404", async () => {
    await using t = await setup(dialect);
    const { connections } = t;
    const a = await connections.create({ name: "A", driver: "sandbox" });
    const b = await connections.create({ name: "B" });
    t.advance(5_000);
    const updated = await connections.update(a.id, {
      greetingMessage: "Hola",
      groups: "tickets",
      historyImportDays: 7,
      pacingDailyCap: 0,
      number: "595 982 000 001",
    });
    expect(updated).toMatchObject({ greetingMessage: "Hola", groups: "tickets", historyImportDays: 7 });
    expect(updated).toMatchObject({ pacingDailyCap: 0, number: "595982000001", isDefault: true });
    expect(updated.updatedAt.getTime()).toBe(a.createdAt.getTime() + 5_000);
    expect(await connections.get(a.id)).toEqual(updated);

    // Unsetting the only default would leave sends without a connection: it stays.
    expect((await connections.update(a.id, { isDefault: false })).isDefault).toBe(true);
    expect((await connections.update(b.id, { isDefault: true })).isDefault).toBe(true);
    expect((await connections.get(a.id)).isDefault).toBe(false);

    expect(await rejection(connections.update(a.id, { name: "B" }))).toMatchObject({ code: "ERR_CONFLICT" });
    expect((await connections.update(a.id, { name: "A" })).name).toBe("A");
    expect(await rejection(connections.update(a.id, { driver: "baileys" }))).toMatchObject({
      code: "ERR_VALIDATION",
      message: "The driver of a connection cannot be changed",
    });
    expect(await rejection(connections.update(b.id, { number: "595981000000" }))).toMatchObject({
      code: "ERR_VALIDATION",
    });
    expect(await rejection(connections.update(b.id + 1, { name: "x" }))).toEqual({
      code: "ERR_CONNECTION_NOT_FOUND",
      message: "Connection not found",
    });
  });

  test("remove: the oldest connection left becomes the default; 404 when gone", async () => {
    await using t = await setup(dialect);
    const { connections, queues } = t;
    const q = await queues.create({ name: "Soporte", color: "#2" });
    const a = await connections.create({ name: "A", driver: "sandbox", queueIds: [q.id] });
    const b = await connections.create({ name: "B", driver: "sandbox" });
    const c = await connections.create({ name: "C", driver: "sandbox" });
    expect((await connections.remove(a.id)).name).toBe("A");
    expect((await connections.list()).map((x) => [x.id, x.isDefault])).toEqual([
      [b.id, true],
      [c.id, false],
    ]);
    expect(await connections.queuesOf(a.id)).toEqual([]);
    await connections.remove(c.id);
    expect((await connections.get(b.id)).isDefault).toBe(true);
    expect(await rejection(connections.remove(a.id))).toMatchObject({ code: "ERR_CONNECTION_NOT_FOUND" });
    await connections.remove(b.id);
    expect(await rejection(connections.resolve(null))).toEqual({
      code: "ERR_NO_DEF_WAPP_FOUND",
      message: "No default WhatsApp connection: create one first",
    });
    expect(await rejection(connections.resolve(b.id))).toMatchObject({ code: "ERR_CONNECTION_NOT_FOUND" });
  });

  test("racing creates, default changes and deletes leave exactly one default connection", async () => {
    await using t = await setup(dialect);
    const { connections } = t;
    const defaults = async () => (await connections.list()).filter((c) => c.isDefault).map((c) => c.name);
    // Six creates on an empty table: each would be the default if it saw none of the others.
    const created = await Promise.all(
      ["A", "B", "C", "D", "E", "F"].map((name) => connections.create({ name, driver: "sandbox" })),
    );
    expect(await defaults()).toHaveLength(1);
    // Each asks to become the default at once.
    await Promise.all(created.map((c) => connections.update(c.id, { isDefault: true })));
    expect(await defaults()).toHaveLength(1);
    // The default and three others deleted at once: one of those left takes over.
    const [first] = await defaults();
    const doomed = created
      .filter((c) => c.name === first || ["A", "B", "C", "D"].includes(c.name))
      .slice(0, 4);
    await Promise.all(doomed.map((c) => connections.remove(c.id)));
    expect(await connections.list()).toHaveLength(2);
    expect(await defaults()).toHaveLength(1);
  });

  test("applyStatus writes a change once, with one connection_update each, and ignores a gone connection", async () => {
    await using t = await setup(dialect);
    const { connections } = t;
    const a = await connections.create({ name: "A", driver: "sandbox", number: "595981000001" });
    const before = await t.events();
    t.advance(1_000);
    await connections.applyStatus(a.id, "qrcode", { qrcode: "2@abc" });
    const qr = await connections.get(a.id);
    expect(qr).toMatchObject({
      status: "qrcode",
      qrcode: "2@abc",
      number: "595981000001",
      statusReason: null,
    });
    expect(qr.updatedAt.getTime()).toBe(a.updatedAt.getTime() + 1_000);
    // The same report again changes nothing, not even updatedAt.
    t.advance(1_000);
    await connections.applyStatus(a.id, "qrcode", { qrcode: "2@abc" });
    expect(await connections.get(a.id)).toEqual(qr);
    await connections.applyStatus(a.id, "DISCONNECTED", { qrcode: null, reason: "logged out", number: null });
    expect(await connections.get(a.id)).toMatchObject({
      status: "DISCONNECTED",
      qrcode: null,
      number: null,
      statusReason: "logged out",
    });
    expect((await t.events()) - before).toBe(2);
    await connections.applyStatus(a.id + 1, "CONNECTED", { qrcode: null });
    expect(await connections.find(a.id + 1)).toBeUndefined();
  });

  test("touchSeen writes the row at most once a minute; lastSeenAt answers from memory first", async () => {
    await using t = await setup(dialect);
    const { connections } = t;
    const a = await connections.create({ name: "A", driver: "sandbox" });
    expect(connections.lastSeenAt(a)).toBeNull();
    const first = new Date(Date.UTC(2026, 11, 2, 10, 0, 0));
    await connections.touchSeen(a.id, first);
    expect((await connections.get(a.id)).lastSeenAt).toEqual(first);
    const soon = new Date(first.getTime() + 30_000);
    await connections.touchSeen(a.id, soon);
    const row = await connections.get(a.id);
    expect(row.lastSeenAt).toEqual(first);
    expect(connections.lastSeenAt(row)).toEqual(soon);
    const later = new Date(first.getTime() + 61_000);
    await connections.touchSeen(a.id, later);
    expect((await connections.get(a.id)).lastSeenAt).toEqual(later);
  });
});
