// The event sink on PostgreSQL against a real database: events and deliveries in the writer's own transaction,
// listeners fed from the feed on every node (two sinks = two nodes), in commit order, a rolled-back event never told.
import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { SQL } from "bun";
import { eq } from "drizzle-orm";
import { createPostgresEventSink, type PostgresEventSink } from "../../src/cluster/pg-event-sink";
import { createPostgresStore, type Store } from "../../src/db/store";
import { decodeData } from "../../src/webhooks/event-codec";
import type { StoredEvent } from "../../src/webhooks/events";
import { createMigratedDatabase, type TestDatabase } from "../support/postgres";

/** Polls `check` until it holds; fails after `ms` with `what`. */
async function until(check: () => boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

type Node = { sql: SQL; store: Store; sink: PostgresEventSink; heard: StoredEvent[]; woken: number[] };

// Real PostgreSQL round trips on a shared machine: a limit for a loaded run, not a speed assertion.
setDefaultTimeout(30_000);

let db: TestDatabase;
const open: Node[] = [];

async function node(): Promise<Node> {
  const sql = new SQL({ url: db.url, max: 3 });
  const store = createPostgresStore(sql);
  const sink = createPostgresEventSink(sql, { pollMs: 200 });
  const n: Node = { sql, store, sink, heard: [], woken: [] };
  sink.subscribe((e) => n.heard.push(e));
  sink.onWake(() => n.woken.push(Date.now()));
  await sink.start();
  open.push(n);
  return n;
}

beforeAll(async () => {
  await (await createMigratedDatabase()).drop();
}, 60_000);

afterEach(async () => {
  for (const n of open.splice(0)) {
    await n.sink.close();
    await n.store.close();
    await n.sql.close();
  }
  await db?.drop();
});

async function seed(store: Store) {
  return store.write(async (q) => {
    const { connections, webhooks } = store.t;
    const [c] = await q
      .insert(connections)
      .values({ name: "Ventas", driver: "sandbox", number: "5491100000000" })
      .returning();
    const hook = (events: string[], enabled = true) =>
      q
        .insert(webhooks)
        .values({ connectionId: c!.id, url: "http://127.0.0.1:9/h", secret: "s".repeat(32), events, enabled })
        .returning()
        .then((r) => r[0]!.id);
    return {
      connectionId: c!.id,
      all: await hook([]),
      received: await hook(["message_received"]),
      other: await hook(["ticket_created"]),
      disabled: await hook([], false),
    };
  });
}

describe("PostgreSQL event sink", () => {
  test("an event written while the sink is starting is told (its start position is read before the event is stored)", async () => {
    db = await createMigratedDatabase();
    const sql = new SQL({ url: db.url, max: 3 });
    const store = createPostgresStore(sql);
    const { connectionId } = await seed(store);
    const sink = createPostgresEventSink(sql, { pollMs: 200 });
    const heard: StoredEvent[] = [];
    sink.subscribe((e) => heard.push(e));
    open.push({ sql, store, sink, heard, woken: [] });
    // Not awaited: the write races the start's listen and its read of the feed's end.
    const starting = sink.start();
    const stored = await store.write((q) => sink.emitIn(q, "ticket_closed", connectionId, { ticketId: 1 }));
    await starting;
    await sink.drain();
    expect(heard.map((e) => e.id)).toEqual([stored.id]);
  });

  test("stores the event, its origin and a delivery per subscribed enabled webhook in the writer's transaction", async () => {
    db = await createMigratedDatabase();
    const a = await node();
    const s = await seed(a.store);
    const first = await a.store.write((q) =>
      a.sink.emitIn(q, "message_received", s.connectionId, { body: "hola" }),
    );
    const second = await a.store.write((q) =>
      a.sink.emitIn(q, "message_received", s.connectionId, { body: "¿y?" }),
    );
    expect(first.envelope).toMatchObject({ connectionName: "Ventas", connectionNumber: "5491100000000" });
    expect(JSON.parse(first.payload)).toEqual(JSON.parse(JSON.stringify(first.envelope)));

    const rows = (await db.sql`select seq, origin_id, data from events order by seq`) as {
      seq: string;
      origin_id: string;
      data: Buffer;
    }[];
    expect(rows.map((r) => Number(r.seq))).toEqual([first.seq, second.seq]);
    expect(JSON.parse(decodeData(rows[0]!.data))).toEqual({ body: "hola" });
    // The same name and number share one origin row.
    expect(rows[0]!.origin_id).toBe(rows[1]!.origin_id);
    expect(await db.sql`select count(*)::int as n from event_origins`).toEqual([{ n: 1 }]);

    const deliveries = (await db.sql`
      select event_id, webhook_id from webhook_deliveries order by event_id, webhook_id`) as {
      event_id: string;
      webhook_id: string;
    }[];
    expect(deliveries.map((d) => [Number(d.event_id), Number(d.webhook_id)])).toEqual([
      [first.seq, s.all],
      [first.seq, s.received],
      [second.seq, s.all],
      [second.seq, s.received],
    ]);

    // A renamed connection gets a new origin; the old events keep the name they were sent with.
    await a.store.write((q) =>
      q
        .update(a.store.t.connections)
        .set({ name: "Soporte" })
        .where(eq(a.store.t.connections.id, s.connectionId)),
    );
    const third = await a.store.write((q) => a.sink.emitIn(q, "ticket_created", s.connectionId, {}));
    expect(third.envelope.connectionName).toBe("Soporte");
    await until(() => a.heard.length === 3, "three events told");
    expect(a.heard.map((e) => [e.seq, e.envelope.connectionName, e.remote])).toEqual([
      [first.seq, "Ventas", undefined],
      [second.seq, "Ventas", undefined],
      [third.seq, "Soporte", undefined],
    ]);
    expect(a.heard[0]!.payload).toBe(first.payload);
  });

  test("a rolled-back write stores no event and no delivery, and no listener hears of it", async () => {
    db = await createMigratedDatabase();
    const a = await node();
    const s = await seed(a.store);
    const failed = a.store.write(async (q) => {
      await a.sink.emitIn(q, "message_received", s.connectionId, { body: "perdido" });
      throw new Error("the write fails after its event");
    });
    await expect(failed).rejects.toThrow("the write fails after its event");
    const kept = await a.store.write((q) =>
      a.sink.emitIn(q, "message_received", s.connectionId, { body: "ok" }),
    );
    await until(() => a.heard.length === 1, "the committed event told");
    expect(a.heard[0]!.seq).toBe(kept.seq);
    expect(await db.sql`select count(*)::int as n from events`).toEqual([{ n: 1 }]);
    expect(await db.sql`select count(*)::int as n from webhook_deliveries`).toEqual([{ n: 2 }]);
  });

  test("every node hears every node's events, none skipped, in feed order; another node's are marked remote", async () => {
    db = await createMigratedDatabase();
    const a = await node();
    const b = await node();
    const s = await seed(a.store);

    // A transaction of node B stores an event and stays open while node A commits a later one: the feed holds A's
    // event back until B's transaction ends, then both nodes hear both, B's first (older transaction).
    let release!: () => void;
    let emitted!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const bEmitted = new Promise<void>((r) => {
      emitted = r;
    });
    // Not through the store (a body must not wait on something else): B's own transaction, driven by the test.
    const bWrite = b.sql.begin(async (tx) => {
      const bStore = createPostgresStore(tx as unknown as SQL);
      const e = await bStore.read((q) => b.sink.emitIn(q, "ticket_created", s.connectionId, { from: "b" }));
      emitted();
      await held;
      return e;
    });
    await bEmitted;
    const fromA = await a.store.write((q) =>
      a.sink.emitIn(q, "message_received", s.connectionId, { from: "a" }),
    );
    release();
    const fromB = await bWrite;
    await until(() => a.heard.length === 2 && b.heard.length === 2, "both events on both nodes");
    for (const n of [a, b]) expect(n.heard.map((e) => e.seq)).toEqual([fromB.seq, fromA.seq]);
    expect(a.heard.map((e) => e.remote)).toEqual([true, undefined]);
    expect(b.heard.map((e) => e.remote)).toEqual([undefined, true]);
    expect(b.heard[1]!.payload).toBe(fromA.payload);
  });

  test("drain waits for every event committed before it, also one an older open transaction holds back", async () => {
    db = await createMigratedDatabase();
    const a = await node();
    const s = await seed(a.store);
    // An open transaction that has taken its id before the event: the feed may not pass it yet.
    let release!: () => void;
    let opened!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const isOpen = new Promise<void>((r) => {
      opened = r;
    });
    const blocker = a.sql.begin(async (tx) => {
      await tx`select pg_current_xact_id()`;
      opened();
      await held;
    });
    await isOpen;
    const e = await a.store.write((q) => a.sink.emitIn(q, "ticket_created", s.connectionId, {}));
    await expect(a.sink.drain(300)).rejects.toThrow("held back");
    expect(a.heard).toEqual([]);
    const drained = a.sink.drain();
    release();
    await blocker;
    await drained;
    expect(a.heard.map((h) => h.seq)).toEqual([e.seq]);
  });

  test("a wake-up asked on one node reaches every node's dispatcher", async () => {
    db = await createMigratedDatabase();
    const a = await node();
    const b = await node();
    a.sink.wake();
    await until(() => b.woken.length > 0, "node B woken");
    expect(a.woken.length).toBeGreaterThan(0);
  });
});
