// The SSE hub on PostgreSQL (src/http/pg-event-streams.ts): streams show events written through ANOTHER node's pool
// (woken by `chasqui_events`, no poll), in feed order, resume after an event id, and never skip an event whose
// transaction commits after a later seq's.
import { describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { createPostgresStore } from "../../src/db/store";
import type { StreamSubscription } from "../../src/http/event-streams";
import { createPgEventStreams } from "../../src/http/pg-event-streams";
import { pgOutbox, storeEvent, storeEventIn } from "../support/pg-events";
import { createMigratedDatabase, type TestDatabase } from "../support/postgres";

const decoder = new TextDecoder();

/** Frames taken until `n` arrived (waiting for each), as `[id, data]`. */
async function takeN(sub: StreamSubscription, n: number): Promise<[string, string][]> {
  const out: [string, string][] = [];
  const end = Date.now() + 30_000;
  while (out.length < n) {
    if (Date.now() > end) throw new Error(`timed out after ${out.length} of ${n} frames`);
    const taken = sub.take();
    if (taken === "dropped") throw new Error("dropped");
    for (const f of taken) {
      const text = decoder.decode(f.bytes);
      out.push([/\nid: (.*)\n/.exec(text)![1]!, /\ndata: (.*)\n/.exec(text)![1]!]);
    }
    if (out.length < n) await sub.wait(1000);
  }
  return out;
}

async function node(db: TestDatabase) {
  const sql = new SQL({ url: db.url, max: 3 });
  // Polling every 10 minutes: within a test only a notification wakes the hub.
  const streams = createPgEventStreams({ store: createPostgresStore(sql), sql, pollMs: 600_000 });
  await streams.ready;
  return {
    streams,
    async [Symbol.asyncDispose]() {
      streams.closeAll();
      await streams.stop();
      await sql.close();
    },
  };
}

describe("SSE hub on PostgreSQL", () => {
  test("a live stream shows the events another node writes, in order, with their ids and exact bodies", async () => {
    await using db = await createMigratedDatabase();
    await pgOutbox(db.sql, [], "s");
    await using a = await node(db);
    await using other = await SQL_client(db);
    let ready = 0;
    const sub = a.streams.open({}, undefined, () => ready++);
    const written = [];
    for (let i = 1; i <= 3; i++) written.push(await storeEvent(other, 1, i));
    const got = await takeN(sub, 3);
    expect(got).toEqual(written.map((w) => [w.id, w.body]));
    expect(ready).toBeGreaterThan(0);
    // Filters: another connection's stream gets nothing.
    const none = a.streams.open({ connectionId: 2 });
    await storeEvent(other, 1, 4);
    expect(await takeN(sub, 1)).toHaveLength(1);
    expect(none.take()).toEqual([]);
    sub.close();
    none.close();
  }, 60_000);

  test("a stream resuming after an event id reads the rest from the table, then goes on live, with no gap or repeat", async () => {
    await using db = await createMigratedDatabase();
    await pgOutbox(db.sql, [], "s");
    await using other = await SQL_client(db);
    const before = [];
    for (let i = 1; i <= 5; i++) before.push(await storeEvent(other, 1, i));
    await using a = await node(db);
    const sub = a.streams.open({}, before[1]!.seq);
    expect(await takeN(sub, 3)).toEqual(before.slice(2).map((w) => [w.id, w.body]));
    const later = await storeEvent(other, 1, 6);
    expect(await takeN(sub, 1)).toEqual([[later.id, later.body]]);
    sub.close();
  }, 60_000);

  test("an event whose transaction commits after a later seq's is shown, once, when it commits", async () => {
    await using db = await createMigratedDatabase();
    await pgOutbox(db.sql, [], "s");
    await using a = await node(db);
    await using slow = await SQL_client(db);
    await using fast = await SQL_client(db);
    const sub = a.streams.open({});
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let first: Awaited<ReturnType<typeof storeEventIn>> | undefined;
    const slowTx = slow.begin(async (tx) => {
      first = await storeEventIn(tx as unknown as SQL, 1, 1);
      await held;
    });
    while (!first) await Bun.sleep(5);
    const second = await storeEvent(fast, 1, 2);
    // The second committed, but the first's transaction is older and still open: nothing is shown yet.
    await a.streams.refresh();
    expect(sub.take()).toEqual([]);
    release();
    await slowTx;
    expect(await takeN(sub, 2)).toEqual([
      [first.id, first.body],
      [second.id, second.body],
    ]);
    expect(first.seq).toBeLessThan(second.seq);
    await a.streams.refresh();
    expect(sub.take()).toEqual([]);
    sub.close();
  }, 60_000);
});

async function SQL_client(db: TestDatabase) {
  const sql = new SQL({ url: db.url, max: 2 });
  return Object.assign(sql, { [Symbol.asyncDispose]: () => sql.close() });
}
