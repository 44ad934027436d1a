import { describe, expect, test } from "bun:test";
import { EVENT_TYPE_CODES } from "../../src/webhooks/event-codec";
import type { GatewayFactory } from "../../src/whatsapp/gateway";
import { createSandboxGateway } from "../../src/whatsapp/sandbox/sandbox-gateway";
import { listenersCaughtUp, storedEventSeq, storedEvents } from "../support/events";
import { createTestApp, type TestApp, waitFor } from "../support/test-app";

/** Every stored event's body as webhooks get it (rebuilt from the compact rows by the one event reader). */
async function eventsOf(t: TestApp, type?: string) {
  const rows = await storedEvents(t);
  return rows.filter((r) => !type || r.type === type).map((r) => JSON.parse(r.payload));
}

const CONTACT = "595991234567";
const envelope = (event: string, connectionId: number) => ({
  event,
  timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  connectionId,
  connectionName: "WhatsApp Principal",
  connectionNumber: "595981234567",
});

describe("events emitted by each documented action", () => {
  test("an inbound message emits contact_created, ticket_created and message_received", async () => {
    await using t = createTestApp();
    const c = await t.sandbox("WhatsApp Principal", "595981234567");
    const r = await t.post(`/api/v1/connections/${c.id}/sandbox/inbound`, {
      number: CONTACT,
      body: "Hola, necesito información",
      name: "Juan Pérez",
    });
    const contact = { id: r.body.contactId, name: "Juan Pérez", number: CONTACT };
    expect((await eventsOf(t)).map((e) => e.event)).toEqual([
      "connection_update",
      "contact_created",
      "ticket_created",
      "message_received",
    ]);
    expect((await eventsOf(t, "ticket_created"))[0]).toEqual({
      ...envelope("ticket_created", c.id),
      data: { ticketId: r.body.ticketId, status: "pending", contact, queueId: null, userId: null },
    });
    expect((await eventsOf(t, "message_received"))[0]).toEqual({
      ...envelope("message_received", c.id),
      data: {
        messageId: r.body.messageId,
        body: "Hola, necesito información",
        fromMe: false,
        mediaType: "chat",
        hasMedia: false,
        timestamp: expect.any(Number),
        ticketId: r.body.ticketId,
        contact,
        media: null,
        quotedMsgId: null,
        userId: null,
      },
    });
    expect((await eventsOf(t, "contact_created"))[0].data).toMatchObject({
      id: r.body.contactId,
      name: "Juan Pérez",
      number: CONTACT,
      email: "",
    });
  });

  test("an inbound image carries media {url, mimeType, type}", async () => {
    const png = Uint8Array.from(
      atob(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
      ),
      (x) => x.charCodeAt(0),
    );
    using remote = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => new Response(png, { headers: { "content-type": "image/png" } }),
    });
    await using t = createTestApp({ MEDIA_FETCH_ALLOW_PRIVATE: "true" });
    const c = await t.sandbox("WhatsApp Principal", "595981234567");
    await t.post(`/api/v1/connections/${c.id}/sandbox/inbound`, {
      number: CONTACT,
      body: "Te envío la foto",
      mediaUrl: `http://127.0.0.1:${remote.port}/foto.png`,
    });
    const e = (await eventsOf(t, "message_received"))[0];
    expect(e.data).toMatchObject({
      body: "Te envío la foto",
      mediaType: "image",
      hasMedia: true,
      media: { mimeType: "image/png", type: "image" },
    });
    expect(e.data.media.url).toStartWith("http://chasqui.test/public/");
  });

  test("a send emits message_sent, then message_ack for 1, 2 and 3", async () => {
    await using t = createTestApp();
    const c = await t.sandbox("WhatsApp Principal", "595981234567");
    const sent = await t.post("/api/v1/send", { number: CONTACT, body: "hola" });
    const id = sent.body.data[0].messageId;
    expect((await eventsOf(t, "message_sent"))[0]).toMatchObject({
      ...envelope("message_sent", c.id),
      data: { messageId: id, fromMe: true, body: "hola", media: null },
    });
    await waitFor(async () => (await eventsOf(t, "message_ack")).length === 3);
    expect((await eventsOf(t, "message_ack")).map((e) => e.data)).toEqual([
      { messageId: id, ack: 1, ackName: "server", ticketId: sent.body.ticketId },
      { messageId: id, ack: 2, ackName: "delivered", ticketId: sent.body.ticketId },
      { messageId: id, ack: 3, ackName: "read", ticketId: sent.body.ticketId },
    ]);
  });

  test("an ack that arrives before its message is stored is announced after message_sent, once", async () => {
    let app: TestApp | undefined;
    const factory: GatewayFactory = (conn, ev) => {
      const gw = createSandboxGateway(conn, ev);
      return {
        ...gw,
        async sendText() {
          const id = "3EB0EARLYACK0000000001";
          // The phone's server ack is stored (and kept for the message) before the send returns.
          ev.ack(id, 1);
          await app!.services.messages.flushAcks();
          return { id, timestampSec: Math.floor(Date.now() / 1000) };
        },
      };
    };
    await using t = createTestApp({}, { factories: { sandbox: factory } });
    app = t;
    await t.sandbox("WhatsApp Principal", "595981234567");
    const sent = await t.post("/api/v1/send", { number: CONTACT, body: "hola" });
    expect(sent.status).toBe(201);
    const types = (await eventsOf(t)).map((e) => e.event).filter((e) => e.startsWith("message_"));
    expect(types).toEqual(["message_sent", "message_ack"]);
    expect((await eventsOf(t, "message_ack")).map((e) => e.data)).toEqual([
      { messageId: "3EB0EARLYACK0000000001", ack: 1, ackName: "server", ticketId: sent.body.ticketId },
    ]);
    expect((await t.get(`/api/v1/tickets/${sent.body.ticketId}/messages`)).body.messages[0].ack).toBe(1);
  });

  test("ticket updates emit ticket_updated with old and new status, closing emits ticket_closed", async () => {
    await using t = createTestApp();
    const c = await t.sandbox("WhatsApp Principal", "595981234567");
    const r = await t.post(`/api/v1/connections/${c.id}/sandbox/inbound`, {
      number: CONTACT,
      body: "x",
      name: "Juan",
    });
    await t.put(`/api/v1/tickets/${r.body.ticketId}`, { status: "open" });
    await t.put(`/api/v1/tickets/${r.body.ticketId}`, { status: "closed" });
    const contact = { id: r.body.contactId, name: "Juan", number: CONTACT };
    expect((await eventsOf(t, "ticket_updated")).map((e) => e.data)).toEqual([
      {
        ticketId: r.body.ticketId,
        status: "open",
        contact,
        queueId: null,
        userId: null,
        oldStatus: "pending",
        newStatus: "open",
      },
    ]);
    expect((await eventsOf(t, "ticket_closed"))[0]).toEqual({
      ...envelope("ticket_closed", c.id),
      data: {
        ticketId: r.body.ticketId,
        status: "closed",
        contact,
        queueId: null,
        userId: null,
        oldStatus: "open",
        newStatus: "closed",
      },
    });
  });

  test("contact upserts emit contact_created then contact_updated", async () => {
    await using t = createTestApp();
    await t.sandbox("WhatsApp Principal", "595981234567");
    await t.post("/api/v1/contacts", { number: CONTACT, name: "María" });
    await t.post("/api/v1/contacts", { number: CONTACT, name: "María García" });
    await t.post("/api/v1/contacts", { number: CONTACT, name: "María García" });
    expect((await eventsOf(t, "contact_created")).map((e) => e.data.name)).toEqual(["María"]);
    expect((await eventsOf(t, "contact_updated")).map((e) => e.data.name)).toEqual(["María García"]);
  });

  test("status changes emit connection_update {status, qrcode} with a reason when there is one", async () => {
    await using t = createTestApp();
    const c = await t.sandbox("WhatsApp Principal", "595981234567");
    await t.sessions.get(c.id)!.logout();
    expect((await eventsOf(t, "connection_update")).map((e) => e.data)).toEqual([
      { status: "CONNECTED", qrcode: null },
      { status: "DISCONNECTED", qrcode: null, reason: "logged out" },
    ]);
  });

  test("a transaction that fails stores neither the state change nor its event", async () => {
    await using t = createTestApp();
    const c = await t.sandbox("WhatsApp Principal", "595981234567");
    const before = (await eventsOf(t)).length;
    await expect(
      t.domainStore.write(async (q) => {
        await t.services.contacts.upsertIn(q, { number: CONTACT, name: "Ghost" }, c.id);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect((await eventsOf(t)).length).toBe(before);
    expect((await t.get(`/api/v1/contacts/${CONTACT}`)).status).toBe(404);
  });

  test("an event rolled back in a group commit is not announced, even when the next job's event gets its seq", async () => {
    await using t = createTestApp();
    const c = await t.sandbox("WhatsApp Principal", "595981234567");
    await listenersCaughtUp(t);
    const heard: { id: string; seq: number; payload: string }[] = [];
    t.events.subscribe((e) => heard.push({ id: e.id, seq: e.seq, payload: e.payload }));
    const data = { ticketId: 1, status: "closed" };
    // SQLite: both writes run in one transaction (one batch of the writer), each in its own savepoint: the first
    // emits, then throws. PostgreSQL: two transactions; the first one's seq is taken and never committed.
    const failed = t.domainStore.write(async (q) => {
      await t.events.emitIn(q, "ticket_closed", c.id, data);
      throw new Error("rolled back");
    });
    const kept = t.domainStore.write((q) => t.events.emitIn(q, "ticket_closed", c.id, data));
    await expect(failed).rejects.toThrow("rolled back");
    const stored = await kept;
    await waitFor(() => heard.length > 0);
    await listenersCaughtUp(t);
    expect(heard).toEqual([{ id: stored.id, seq: stored.seq, payload: stored.payload }]);
    expect((await storedEvents(t, { afterSeq: stored.seq - 1 })).map((e) => e.id)).toEqual([stored.id]);
  });

  test("an event rolled back with its job, in a batch that commits, is never announced", async () => {
    await using t = createTestApp();
    const c = await t.sandbox("WhatsApp Principal", "595981234567");
    await listenersCaughtUp(t);
    const heard: number[] = [];
    t.events.subscribe((e) => heard.push(e.seq));
    const data = { ticketId: 1, status: "closed" };
    // SQLite: the job's savepoint is rolled back and its batch still commits (nothing else in it), so only the store's
    // word for the job keeps the event from being announced. PostgreSQL: the transaction rolls back.
    await expect(
      t.domainStore.write(async (q) => {
        await t.events.emitIn(q, "ticket_closed", c.id, data);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    // The next event, in a batch of its own, may take the rolled-back seq: it alone is heard, once.
    const next = await t.domainStore.write((q) => t.events.emitIn(q, "ticket_closed", c.id, data));
    await waitFor(() => heard.includes(next.seq));
    await listenersCaughtUp(t);
    expect(heard).toEqual([next.seq]);
  });

  test("SQLite: listeners hear of an event only once the store's batch that stored it has committed", async () => {
    // The SQLite store tells listeners after its batch's COMMIT (afterCommit). On PostgreSQL listeners are fed from
    // the event feed, which holds committed rows only: tests/cluster/pg-event-sink.test.ts.
    await using t = createTestApp({}, { store: "sqlite" });
    const c = await t.sandbox("WhatsApp Principal", "595981234567");
    const heard: { seq: number; inTransaction: boolean; stored: boolean }[] = [];
    const exists = t.db.$client.query<{ n: number }, [number]>(
      "select count(*) as n from events where seq = ?",
    );
    t.events.subscribe((e) =>
      heard.push({
        seq: e.seq,
        inTransaction: t.db.$client.inTransaction,
        stored: exists.get(e.seq)!.n === 1,
      }),
    );
    // One batch of three jobs: the first two emit, the last awaits its own statements (a store body), so the
    // batch yields to microtasks between jobs: a listener run then would see the transaction open.
    const data = { ticketId: 1, status: "closed" };
    const jobs = [
      t.store.write((q) => t.events.emitIn(q, "ticket_closed", c.id, data)),
      t.store.write((q) => t.events.emitIn(q, "ticket_closed", c.id, data)),
      t.store.write(async (q) => q.select().from(t.store.t.events)),
    ];
    const [first, second] = (await Promise.all(jobs)) as { seq: number }[];
    await waitFor(() => heard.length === 2);
    expect(heard).toEqual([
      { seq: first!.seq, inTransaction: false, stored: true },
      { seq: second!.seq, inTransaction: false, stored: true },
    ]);
  });
});

describe("compact event storage", () => {
  test("every body is rebuilt byte for byte as emitted, with the connection name and number of the time it happened", async () => {
    await using t = createTestApp();
    const emitted: { id: string; payload: string }[] = [];
    t.events.subscribe((e) => emitted.push({ id: e.id, payload: e.payload }));
    const c = await t.sandbox("WhatsApp Principal", "595981234567");
    await t.post(`/api/v1/connections/${c.id}/sandbox/inbound`, {
      number: CONTACT,
      body: 'Comillas " y \\ y ñ 🎉',
    });
    expect((await t.put(`/api/v1/connections/${c.id}`, { name: "Soporte" })).status).toBe(200);
    await t.post(`/api/v1/connections/${c.id}/sandbox/inbound`, { number: CONTACT, body: "después" });
    await waitFor(() => emitted.length >= 5);
    await listenersCaughtUp(t);

    const stored = await storedEvents(t);
    expect(stored.map((e) => ({ id: e.id, payload: e.payload }))).toEqual(emitted);
    // Each event keeps the connection name it was emitted under.
    const names = stored
      .filter((e) => e.type === "message_received")
      .map((e) => JSON.parse(e.payload).connectionName);
    expect(names).toEqual(["WhatsApp Principal", "Soporte"]);
    expect(JSON.parse(stored.find((e) => e.type === "message_received")!.payload).data.body).toBe(
      'Comillas " y \\ y ñ 🎉',
    );
    // The row holds only the compressed data: no copy of the envelope, no text id, no type name.
    const [row] = await t.rows<{ legacyId: string | null; codeType: string; n: number }>(
      t.postgres
        ? `select legacy_id as "legacyId", pg_typeof(type_code)::text as "codeType", octet_length(data) as n from events where type_code = ? order by seq limit 1`
        : "select legacy_id as legacyId, typeof(type_code) as codeType, length(data) as n from events where type_code = ? order by seq limit 1",
      EVENT_TYPE_CODES.message_received,
    );
    expect(row!.legacyId).toBeNull();
    expect(row!.codeType).toBe("integer");
    expect(row!.n).toBeLessThan(JSON.stringify(JSON.parse(stored[2]!.payload).data).length);
  });

  test("ids come from seq and the creation time: stable, in creation order, accepted by `after` and Last-Event-ID", async () => {
    await using t = createTestApp();
    const c = await t.sandbox();
    for (const body of ["uno", "dos", "tres"])
      await t.post(`/api/v1/connections/${c.id}/sandbox/inbound`, { number: CONTACT, body });
    const feed = (await t.get("/api/v1/events?limit=100")).body.events as {
      id: string;
      seq: number;
      createdAt: string;
    }[];
    expect(feed.length).toBeGreaterThanOrEqual(5);
    for (const e of feed) {
      expect(e.id).toMatch(/^evt_[0-9a-f]{22}$/);
      expect(e.id).toBe(
        `evt_${Date.parse(e.createdAt).toString(16).padStart(12, "0")}${e.seq.toString(16).padStart(10, "0")}`,
      );
    }
    // Text order of the ids is creation order, as with the random ids before.
    expect(feed.map((e) => e.id)).toEqual(feed.map((e) => e.id).toSorted());
    // The same ids again on a second read, and resolvable as a position.
    expect((await t.get("/api/v1/events?limit=100")).body.events.map((e: { id: string }) => e.id)).toEqual(
      feed.map((e) => e.id),
    );
    const after = await t.get(`/api/v1/events?after=${feed[1]!.id}&limit=100`);
    expect(after.body.events.map((e: { id: string }) => e.id)).toEqual(feed.slice(2).map((e) => e.id));
    // A real seq with another creation time is no id of ours: unknown, not another event.
    const forged = `evt_${(Date.parse(feed[1]!.createdAt) + 1).toString(16).padStart(12, "0")}${feed[1]!.seq.toString(16).padStart(10, "0")}`;
    expect((await t.get(`/api/v1/events?after=${forged}`)).status).toBe(404);
    expect(await storedEventSeq(t, feed[1]!.id)).toBe(feed[1]!.seq);
  });
});
