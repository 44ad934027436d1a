import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/client";
import { encodeData } from "../../src/webhooks/event-codec";
import { sseReader } from "../panel/sse";
import { migrateBefore } from "../support/migrate-before";
import { createTestApp, waitFor } from "../support/test-app";
import { startReceiver } from "../webhooks/receiver";

const SECRET = `whsec_${Buffer.from("migration-test-secret-0123456789").toString("base64")}`;
const T0 = Date.parse("2026-11-30T10:00:00.000Z");

/** An event as the server before migration 0013 stored it: a random text id and the type by name. */
type OldEvent = {
  seq: number;
  id: string;
  type: string;
  createdAt: number;
  /** The body webhooks and both feeds got, byte for byte. */
  body: string;
  /** Stored before compact events (the whole body as text) or compact (data + origin). */
  form: "text" | "compact";
  data: Record<string, unknown>;
};

const envelope = (type: string, createdAt: number, name: string, data: Record<string, unknown>) =>
  JSON.stringify({
    event: type,
    timestamp: new Date(createdAt).toISOString(),
    connectionId: 1,
    connectionName: name,
    connectionNumber: "595981234567",
    data,
  });

const old = (
  seq: number,
  id: string,
  type: string,
  offsetMs: number,
  form: OldEvent["form"],
  data: Record<string, unknown>,
): OldEvent => ({
  seq,
  id,
  type,
  createdAt: T0 + offsetMs,
  form,
  data,
  // Text rows were written with the connection's name of their time; compact rows take it from their origin.
  body: envelope(type, T0 + offsetMs, form === "text" ? "Antes" : "Principal vieja", data),
});

const contact = { id: 1, name: "Juan Pérez", number: "595991234567" };
const OLD: OldEvent[] = [
  old(1, "evt_019ad4c1a800f3e2d1a0b9", "message_received", 0, "text", {
    messageId: "3EB0AAAA",
    body: 'Comillas " y ñ 🎉',
    fromMe: false,
    mediaType: "chat",
    hasMedia: false,
    timestamp: 1764496800,
    ticketId: 1,
    contact,
    media: null,
    quotedMsgId: null,
    userId: null,
  }),
  old(2, "evt_019ad4c1a80a01020304ff", "message_ack", 10, "compact", {
    messageId: "3EB0BBBB",
    ack: 3,
    ackName: "READ",
    ticketId: 1,
  }),
  // A gap in seq (pruned rows) and the highest of all, then nothing after it: the tail was pruned too.
  old(5, "evt_019ad4c1a81400000000aa", "ticket_closed", 20, "compact", {
    ticketId: 1,
    status: "closed",
    contact,
    queueId: null,
    userId: null,
  }),
];

// SQLite only (on SQLite under STORE=postgres too): migration 0013 rewrote a SQLite file's events; a PostgreSQL
// database starts with compact ids (drizzle-pg/0000).
test("SQLite: migration 0013 keeps every event and delivery: old ids, bodies and signatures are served unchanged, new events continue after them", async () => {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-event-ids-"));
  const path = join(dir, "chasqui.sqlite");
  await using receiver = startReceiver();
  try {
    // A database as the server before 0013 left it.
    const before = openDatabase(path);
    migrateBefore(before, "0013_event_ids");
    const s = before.$client;
    s.query(
      "insert into connections (id, name, driver, number, status) values (1, 'Principal', 'sandbox', '595981234567', 'DISCONNECTED')",
    ).run();
    s.query("insert into webhooks (id, connection_id, url, secret) values (4, 1, ?, ?)").run(
      receiver.url,
      SECRET,
    );
    s.query(
      "insert into event_origins (id, connection_id, name, number) values (1, 1, 'Principal vieja', '595981234567')",
    ).run();
    for (const e of OLD) {
      if (e.form === "text") {
        s.query(
          "insert into events (seq, id, connection_id, type, payload, created_at) values (?, ?, 1, ?, ?, ?)",
        ).run(e.seq, e.id, e.type, e.body, e.createdAt);
      } else {
        s.query(
          "insert into events (seq, id, connection_id, type, payload, data, origin_id, created_at) values (?, ?, 1, ?, '', ?, 1, ?)",
        ).run(e.seq, e.id, e.type, encodeData(JSON.stringify(e.data)), e.createdAt);
      }
    }
    const delivery = s.query(
      "insert into webhook_deliveries (id, event_id, webhook_id, status, attempts, next_attempt_at, created_at, delivered_at, last_status_code) values (?, ?, 4, ?, ?, ?, ?, ?, ?)",
    );
    delivery.run(3, OLD[0]!.id, "delivered", 1, T0, T0, T0 + 5, 200);
    delivery.run(7, OLD[1]!.id, "pending", 0, T0, T0, null, null);
    delivery.run(8, OLD[2]!.id, "failed", 6, T0, T0, null, 500);
    // Higher seqs and delivery ids were given before and pruned: they must never be given again.
    s.query("update sqlite_sequence set seq = 9 where name = 'events'").run();
    s.query("update sqlite_sequence set seq = 20 where name = 'webhook_deliveries'").run();
    before.$client.close();

    // The server starts on it (migrations run) with the dispatcher stopped.
    await using t = createTestApp(
      { WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_RETRY_BASE_MS: "20" },
      { databasePath: path, store: "sqlite" },
    );
    const db = t.db.$client;
    expect(db.query("pragma foreign_key_check").all()).toEqual([]);
    expect(db.query("select count(*) as n from events").get()).toEqual({ n: 3 });

    // The catch-up feed: same ids, seqs, names and bodies.
    const feed = await t.get("/api/v1/events?limit=100");
    expect(feed.status).toBe(200);
    expect(
      feed.body.events.map((e: { id: string; seq: number; event: string; createdAt: string }) => [
        e.id,
        e.seq,
        e.event,
        e.createdAt,
      ]),
    ).toEqual(OLD.map((e) => [e.id, e.seq, e.type, new Date(e.createdAt).toISOString()]));
    expect(feed.body.events.map((e: { payload: unknown }) => e.payload)).toEqual(
      OLD.map((e) => JSON.parse(e.body)),
    );
    const after = await t.get(`/api/v1/events?after=${OLD[0]!.id}&limit=100`);
    expect(after.body.events.map((e: { id: string }) => e.id)).toEqual([OLD[1]!.id, OLD[2]!.id]);

    // SSE resume from an old id replays the rest with the exact bodies.
    const res = await t.request("/api/v1/events/stream", { headers: { "last-event-id": OLD[0]!.id } });
    expect(res.status).toBe(200);
    const stream = sseReader(res);
    const replayed = [];
    while (replayed.length < 2) {
      const f = await stream.next();
      if (f.data !== undefined) replayed.push(f);
    }
    expect(replayed.map((f) => [f.id, f.event, f.data])).toEqual(
      OLD.slice(1).map((e) => [e.id, e.type, e.body]),
    );

    // Deliveries keep their ids, states and events.
    const listed = await t.get("/api/v1/webhooks/deliveries?limit=100");
    expect(
      listed.body.deliveries.map((d: { id: number; eventId: string; event: string; status: string }) => [
        d.id,
        d.eventId,
        d.event,
        d.status,
      ]),
    ).toEqual([
      [8, OLD[2]!.id, "ticket_closed", "failed"],
      [7, OLD[1]!.id, "message_ack", "pending"],
      [3, OLD[0]!.id, "message_received", "delivered"],
    ]);
    expect((await t.get("/api/v1/webhooks/deliveries/7")).body.payload).toEqual(JSON.parse(OLD[1]!.body));

    // The pending one is sent, and a retried one again: old webhook-id, same body, a valid signature.
    expect((await t.post("/api/v1/webhooks/deliveries/3/retry", {})).status).toBe(200);
    t.dispatcher.start();
    await waitFor(() => receiver.requests.length >= 2);
    const sent = receiver.requests.map((r) => ({ id: r.id, event: r.event, body: r.body }));
    expect(sent.toSorted((a, b) => a.id.localeCompare(b.id))).toEqual(
      [OLD[0]!, OLD[1]!].map((e) => ({ id: e.id, event: e.type, body: e.body })),
    );
    for (const r of receiver.requests) receiver.verify(r, SECRET);

    // New events come after the old high-water mark, with ids of the new form that sort after the old ones.
    await t.startSessions();
    await t.post("/api/v1/connections/1/sandbox/inbound", { number: "595997777777", body: "nuevo" });
    const all = (await t.get("/api/v1/events?limit=100")).body.events as { id: string; seq: number }[];
    const fresh = all.slice(3);
    expect(fresh.length).toBeGreaterThan(0);
    expect(Math.min(...fresh.map((e) => e.seq))).toBeGreaterThan(9);
    expect(all.map((e) => e.id)).toEqual(all.map((e) => e.id).toSorted());
    const resumed = await t.get(`/api/v1/events?after=${OLD[2]!.id}&limit=100`);
    expect(resumed.body.events.map((e: { id: string }) => e.id)).toEqual(fresh.map((e) => e.id));
    await waitFor(() => receiver.requests.some((r) => r.id === fresh.at(-1)!.id));
    const newDeliveries = (await t.get("/api/v1/webhooks/deliveries?limit=100")).body.deliveries as {
      id: number;
      eventId: string;
    }[];
    expect(Math.min(...newDeliveries.filter((d) => d.id > 8).map((d) => d.id))).toBeGreaterThan(20);
    for (const r of receiver.requests) receiver.verify(r, SECRET);

    // Deleting an event still takes its deliveries with it (the foreign key now points at seq).
    db.query("delete from events where seq = ?").run(OLD[2]!.seq);
    expect(db.query("select count(*) as n from webhook_deliveries where id = 8").get()).toEqual({ n: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
