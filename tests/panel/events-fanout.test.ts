import { describe, expect, test } from "bun:test";
import type { FeedCursor } from "../../src/cluster/event-feed";
import { createEventFeed, type FeedRow } from "../../src/webhooks/event-feed";
import { createEventSink } from "../../src/webhooks/events";
import { prng } from "../support/determinism";
import { createTestApp, type TestApp, waitFor } from "../support/test-app";
import { type SseFrame, sseReader } from "./sse";

type Stored = { id: string; seq: number; type: string; connectionId: number | null };
type Filter = { connectionId?: number; types?: string[] };

/** Every stored event in the order streams show them: `seq` on SQLite, the feed's order on PostgreSQL. */
const stored = async (t: TestApp): Promise<Stored[]> => {
  const pg = t.services.pgEventFeed;
  const rows: FeedRow[] = [];
  if (pg) {
    let cursor: FeedCursor = { txId: "0", seq: 0 };
    for (;;) {
      const page = await pg.after(cursor, { limit: 1000 });
      rows.push(...page.rows);
      cursor = page.next;
      if (!page.full) break;
    }
  } else rows.push(...createEventFeed(t.db).after(0, { limit: 1_000_000 }));
  return rows.map(({ id, seq, type, connectionId }) => ({ id, seq, type, connectionId }));
};
/** The events stored after the event `seq` (in feed order: on PostgreSQL not every later event has a higher seq). */
const storedAfter = async (t: TestApp, seq: number): Promise<Stored[]> => {
  const all = await stored(t);
  return all.slice(all.findIndex((r) => r.seq === seq) + 1);
};

const wanted = (rows: Stored[], f: Filter) =>
  rows
    .filter((r) => f.connectionId === undefined || r.connectionId === f.connectionId)
    .filter((r) => !f.types || f.types.includes(r.type))
    .map((r) => r.id);

const query = (f: Filter, extra: Record<string, string> = {}) => {
  const p = new URLSearchParams(extra);
  if (f.connectionId !== undefined) p.set("connectionId", String(f.connectionId));
  if (f.types) p.set("event", f.types.join(","));
  const s = p.toString();
  return s ? `?${s}` : "";
};

/** Opens a stream and reads it in the background: `events` fills as frames arrive, `ended` once it closes. */
const follow = async (t: TestApp, q: string, headers: Record<string, string> = {}) => {
  const res = await t.request(`/api/v1/events/stream${q}`, { headers });
  expect(res.status).toBe(200);
  const reader = sseReader(res);
  const events: SseFrame[] = [];
  const state = { ended: false };
  const done = (async () => {
    try {
      for (;;) {
        const f = await reader.next();
        if (f.event) events.push(f);
      }
    } catch {
      state.ended = true;
    }
  })();
  return {
    events,
    ids: () => events.map((e) => e.id),
    get ended() {
      return state.ended;
    },
    done,
    cancel: () => reader.cancel(),
  };
};

const inbound = async (t: TestApp, connectionId: number, number: string, body: string) => {
  const r = await t.post(`/api/v1/connections/${connectionId}/sandbox/inbound`, {
    number,
    body,
    name: "Ana",
  });
  expect(r.status).toBe(201);
};

describe("SSE fan-out", () => {
  test("100 streams with different filters each receive exactly their events, in order", async () => {
    await using t = createTestApp();
    const conns = [await t.sandbox("A", "595981111111"), await t.sandbox("B", "595982222222")];
    const typeSets = [
      undefined,
      ["message_received"],
      ["contact_created", "ticket_created"],
      ["ticket_created"],
    ];
    const filters: Filter[] = [];
    for (let i = 0; i < 100; i++) {
      const c = i % 3;
      filters.push({
        connectionId: c === 2 ? undefined : conns[c]!.id,
        types: typeSets[i % typeSets.length],
      });
    }
    const before = (await stored(t)).at(-1)?.seq ?? 0;
    const streams = await Promise.all(filters.map((f) => follow(t, query(f))));

    for (let i = 0; i < 12; i++) {
      const conn = conns[i % 2]!;
      await inbound(t, conn.id, `59599100000${i % 5}`, `msg ${i}`);
    }
    const after = await storedAfter(t, before);
    const expected = filters.map((f) => wanted(after, f));
    expect(expected.every((e) => e.length > 0)).toBe(true);
    await waitFor(() => streams.every((s, i) => s.events.length >= expected[i]!.length), {
      message: "every stream got its events",
    });
    // Nothing more arrives: after the stop every stream has exactly its events.
    t.streams.closeAll();
    await Promise.all(streams.map((s) => s.done));
    expect(streams.map((s) => s.ids())).toEqual(expected);
  });

  test("a client that does not read is dropped with a reset while the others keep up", async () => {
    await using t = createTestApp({}, { sseBufferEvents: 20 });
    const conn = await t.sandbox();
    const before = (await stored(t)).at(-1)?.seq ?? 0;
    // Its body is never pulled, so the server's writes back up as with a client whose socket is full.
    const slow = await t.request("/api/v1/events/stream");
    expect(slow.status).toBe(200);
    const fast = await Promise.all([0, 1, 2, 3, 4].map(() => follow(t, "")));

    for (let i = 0; i < 20; i++) await inbound(t, conn.id, `5959911${String(i).padStart(5, "0")}`, `m${i}`);
    await waitFor(() => t.streams.dropped === 1, { message: "the slow stream was dropped" });
    const all = (await storedAfter(t, before)).map((r) => r.id);
    expect(all.length).toBe(60);
    await waitFor(() => fast.every((s) => s.events.length >= all.length), { message: "the others kept up" });
    for (const s of fast) expect(s.ids()).toEqual(all);
    expect(t.streams.dropped).toBe(1);

    // When it reads at last, it gets what was already on its way, in order, then the reset, then the end.
    const reader = sseReader(slow);
    const frames: SseFrame[] = [];
    await expect(
      (async () => {
        for (;;) {
          const f = await reader.next();
          if (f.event) frames.push(f);
        }
      })(),
    ).rejects.toThrow("the stream ended");
    expect(frames.at(-1)?.event).toBe("reset");
    const got = frames.slice(0, -1).map((f) => f.id);
    expect(got.length).toBeLessThan(all.length);
    expect(got).toEqual(all.slice(0, got.length));
    expect(t.streams.size).toBe(fast.length);
    for (const s of fast) await s.cancel();
  });

  test("resuming while events are written: replay then live with no gap and no repeat", async () => {
    await using t = createTestApp();
    const conns = [await t.sandbox("A", "595981111111"), await t.sandbox("B", "595982222222")];
    // A backlog longer than one catch-up batch (200 rows).
    for (let i = 0; i < 90; i++)
      await inbound(t, conns[i % 2]!.id, `5959920${String(i).padStart(5, "0")}`, "b");
    const random = prng(12);
    const rounds = Number(process.env.FUZZ_RUNS ?? 20);
    let n = 0;
    for (let round = 0; round < rounds; round++) {
      const history = await stored(t);
      const from = history[Math.floor(random() * history.length)]!;
      const f: Filter = [
        {},
        { connectionId: conns[0]!.id },
        { types: ["message_received", "ticket_created"] },
      ][round % 3]!;
      // Writes run while the stream opens and catches up.
      const writes = (async () => {
        for (let i = 0; i < 6; i++) await inbound(t, conns[i % 2]!.id, `59599300${n++ % 7}`, `r${round}`);
      })();
      const s = await follow(t, query(f), { "last-event-id": from.id });
      await writes;
      const expected = wanted(await storedAfter(t, from.seq), f);
      await waitFor(() => s.events.length >= expected.length, { message: `round ${round}` });
      t.streams.closeAll();
      await s.done;
      expect(s.ids()).toEqual(expected);
    }
  });

  test("the database is read once per commit, however many streams are open", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    let reads = 0;
    const pgFeed = t.services.pgEventFeed;
    if (pgFeed) {
      const after = pgFeed.after;
      pgFeed.after = (...args) => {
        reads++;
        return after(...args);
      };
    } else {
      const feed = t.services.eventFeed;
      const after = feed.after.bind(feed);
      feed.after = (...args) => {
        reads++;
        return after(...args);
      };
    }
    const readsFor = async (streamCount: number, tag: string) => {
      const streams = await Promise.all(Array.from({ length: streamCount }, () => follow(t, "")));
      const before = (await stored(t)).at(-1)?.seq ?? 0;
      const start = reads;
      for (let i = 0; i < 5; i++) await inbound(t, conn.id, "595994000001", `${tag} ${i}`);
      const count = (await storedAfter(t, before)).length;
      await waitFor(() => streams.every((s) => s.events.length >= count));
      const used = reads - start;
      for (const s of streams) await s.cancel();
      return used;
    };
    const one = await readsFor(1, "one");
    const many = await readsFor(100, "many");
    if (pgFeed) {
      // On PostgreSQL a commit wakes the hub twice (this node's sink, then the channel's notification) and the
      // 1 s poll may add a pass: a few reads per commit, never one per stream (hundreds here).
      expect(one).toBeGreaterThan(0);
      expect(one).toBeLessThanOrEqual(15);
      expect(many).toBeLessThanOrEqual(15);
    } else {
      // On SQLite the sink's notices carry the events, announced in order: the table is not read at all.
      expect(one).toBe(0);
      expect(many).toBe(0);
    }
  });

  test("SQLite: an event stored without a notice (another writer) is read from the table, in order with the announced ones", async () => {
    await using t = createTestApp({}, { store: "sqlite" });
    const conn = await t.sandbox();
    let reads = 0;
    const feed = t.services.eventFeed;
    const after = feed.after.bind(feed);
    feed.after = (...args) => {
      reads++;
      return after(...args);
    };
    const s = await follow(t, "");
    const start = (await stored(t)).at(-1)!.seq;
    await inbound(t, conn.id, "595994000001", "before");
    const first = await storedAfter(t, start);
    await waitFor(() => s.events.length === first.length);
    expect(reads).toBe(0);
    // A second sink on the same database, with no listeners: its event is stored and never announced here.
    const silent = createEventSink(t.db);
    t.db.transaction((tx) => {
      silent.emit(tx, "connection_update", conn.id, { id: conn.id, status: "CONNECTED" });
    });
    await inbound(t, conn.id, "595994000002", "after");
    const all = await storedAfter(t, start);
    await waitFor(() => s.events.length === all.length);
    // The announced event after the gap made the hub read the table from the gap on.
    expect(reads).toBeGreaterThan(0);
    expect(s.ids()).toEqual(all.map((r) => r.id));
    expect(all[first.length]!.type).toBe("connection_update");
    // Frames fanned out from a notice and frames read from the table carry the same bytes: a stream resuming
    // from before them reads every one from the table.
    const replay = await follow(t, "", {
      "Last-Event-ID": (await stored(t)).find((r) => r.seq === start)!.id,
    });
    await waitFor(() => replay.events.length === all.length);
    expect(replay.events.map((e) => e.data)).toEqual(s.events.map((e) => e.data));
    await s.cancel();
    await replay.cancel();
  });
});
