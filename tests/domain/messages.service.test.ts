// The message path on both stores, through the domain services: receive (new contact and ticket, a duplicate
// WhatsApp id, a group participant, a failed download kept for later, reopening after a close, the automation's
// greeting, queue menu and rating), send (text, media, a quoted reply, to a new number, the Idempotency-Key's
// completion in the send's transaction), acks (in order, before the message, never backwards) and the message
// list, one message and its pages. The HTTP behaviour is tests/api (SQLite); WhatsApp is the sandbox driver.
import { expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import type { Dialect } from "../../src/db/store";
import { createAutomationService } from "../../src/domain/automation.service";
import { createConnectionService } from "../../src/domain/connection.service";
import { createContactService } from "../../src/domain/contact.service";
import { createIdempotencyStore } from "../../src/domain/idempotency";
import { createMessageService } from "../../src/domain/message.service";
import { createTicketService } from "../../src/domain/ticket.service";
import type { InboundMessage, WhatsAppGateway } from "../../src/whatsapp/gateway";
import { createSandboxGateway } from "../../src/whatsapp/sandbox/sandbox-gateway";
import { domainDeps } from "../support/domain-deps";
import { describeStores, openTestStore, type TestStore } from "../support/stores";
import { waitFor } from "../support/test-app";

const T0 = 1_700_000_000_000;
const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
]);

const inbound = (
  id: string,
  from: string,
  body: string,
  extra: Partial<InboundMessage> = {},
): InboundMessage => ({
  id,
  from,
  fromMe: false,
  pushName: "Ana",
  body,
  mediaType: "chat",
  media: null,
  quotedMsgId: null,
  timestampSec: Math.floor(T0 / 1000),
  ...extra,
});

type Setup = {
  greeting?: string;
  farewell?: string;
  rating?: string;
  groups?: "ignore" | "tickets";
  queues?: { name: string; greeting?: string }[];
};

/** The domain services of the message path on one store, with a connected sandbox connection. */
async function pathOn(s: TestStore, setup: Setup = {}) {
  let now = T0;
  const env = domainDeps(s, () => now);
  const gateways = new Map<number, WhatsAppGateway>();
  env.deps.sessions = { get: (id) => gateways.get(id) };
  const { connections: connTable, queues: queueTable, connectionQueues } = s.store.t;
  const { conn, queues } = await s.store.write(async (q) => {
    const [c] = await q
      .insert(connTable)
      .values({
        name: "Ventas",
        driver: "sandbox",
        number: "595981000000",
        status: "CONNECTED",
        isDefault: true,
        greetingMessage: setup.greeting ?? null,
        farewellMessage: setup.farewell ?? null,
        ratingMessage: setup.rating ?? null,
        groups: setup.groups ?? "ignore",
      })
      .returning();
    const qs = [];
    for (const [i, def] of (setup.queues ?? []).entries()) {
      const [row] = await q
        .insert(queueTable)
        .values({ name: def.name, color: `#00000${i}`, greetingMessage: def.greeting ?? null })
        .returning();
      await q.insert(connectionQueues).values({ connectionId: c!.id, queueId: row!.id, position: i });
      qs.push(row!);
    }
    return { conn: c!, queues: qs };
  });
  const gw = createSandboxGateway(conn, {
    status: () => {},
    message: () => {},
    update: () => {},
    // Acks are applied by the tests themselves (applyAck), in the order each test needs.
    ack: () => {},
  });
  await gw.start();
  gateways.set(conn.id, gw);
  const connections = createConnectionService(env.deps);
  const contacts = createContactService(env.deps, connections);
  const tickets = createTicketService(env.deps, contacts, connections);
  const messages = createMessageService(env.deps, contacts, tickets, connections);
  const automation = createAutomationService(env.deps, connections, tickets, messages);
  const stopAutomation = automation.start();
  const names = () => env.events.map((e) => e.envelope.event);
  return {
    env,
    s,
    conn,
    queues,
    gw,
    gateways,
    connections,
    contacts,
    tickets,
    messages,
    automation,
    names,
    setNow: (ms: number) => {
      now = ms;
    },
    /** The rows of a table, read through the store. */
    ticket: async (id: number) => {
      const { tickets: t } = s.store.t;
      return (await s.store.read((q) => q.select().from(t).where(eq(t.id, id))))[0]!;
    },
    contact: async (id: number | null) => {
      const { contacts: c } = s.store.t;
      return (await s.store.read((q) => q.select().from(c).where(eq(c.id, id!))))[0];
    },
    ticketsOf: async (contactId: number | null) => {
      const { tickets: t } = s.store.t;
      return s.store.read((q) => q.select().from(t).where(eq(t.contactId, contactId!)).orderBy(t.id));
    },
    async [Symbol.asyncDispose]() {
      await automation.idle();
      stopAutomation();
      await messages.queue.stop();
      await gw.stop();
      env[Symbol.dispose]();
    },
  };
}

/** The bodies of a ticket's conversation, oldest first. */
async function bodies(p: Awaited<ReturnType<typeof pathOn>>, ticketId: number): Promise<string[]> {
  const page = await p.messages.list(ticketId, { offset: 0, limit: 100 });
  return page.rows.map((r) => r.message.body).reverse();
}

describeStores("message path", (dialect: Dialect) => {
  test("receive: a new contact and ticket, unread counts, the event; a duplicate id is one message", async () => {
    await using s = await openTestStore(dialect);
    await using p = await pathOn(s);
    const r = (await p.messages.receive(p.conn.id, inbound("IN1", "595991111111", "hola")))!;
    expect(r).toMatchObject({ duplicate: false, created: true });
    expect(r.message).toMatchObject({ id: "IN1", body: "hola", fromMe: false, ack: 0, ticketId: r.ticketId });
    const ticket = await p.ticket(r.ticketId);
    expect(ticket).toMatchObject({
      status: "pending",
      unreadMessages: 1,
      lastMessage: "hola",
      contactId: r.contactId,
    });
    expect(ticket.firstInboundAt?.getTime()).toBe(T0);
    const contact = await p.contact(r.contactId);
    expect(contact).toMatchObject({ number: "595991111111", name: "Ana" });
    await waitFor(() => p.names().includes("message_received"), { message: "message_received" });
    const received = p.env.events.find((e) => e.envelope.event === "message_received")!;
    expect(received.envelope.data).toMatchObject({ messageId: "IN1", body: "hola", ticketId: r.ticketId });

    // A second message: the same ticket, one more unread; the same id again: the stored one, nothing written.
    const r2 = (await p.messages.receive(p.conn.id, inbound("IN2", "595991111111", "¿están?")))!;
    expect(r2).toMatchObject({ ticketId: r.ticketId, created: false, duplicate: false });
    const again = (await p.messages.receive(p.conn.id, inbound("IN1", "595991111111", "hola otra vez")))!;
    expect(again).toMatchObject({ duplicate: true, ticketId: r.ticketId, contactId: r.contactId });
    expect(again.message.body).toBe("hola");
    expect(await p.ticket(r.ticketId)).toMatchObject({ unreadMessages: 2, lastMessage: "¿están?" });
    expect(await bodies(p, r.ticketId)).toEqual(["hola", "¿están?"]);
    await p.env.settled();
    expect(p.names().filter((n) => n === "message_received")).toHaveLength(2);
  });

  test("receive: group messages only where groups are tickets, with their participant", async () => {
    await using s = await openTestStore(dialect);
    await using ignoring = await pathOn(s);
    const group = { subject: "Familia", participant: "595992222222", participantName: "Beto" };
    expect(
      await ignoring.messages.receive(ignoring.conn.id, inbound("G0", "1203630001", "hola", { group })),
    ).toBe(null);
    await using st = await openTestStore(dialect);
    await using p = await pathOn(st, { groups: "tickets" });
    const r = (await p.messages.receive(p.conn.id, inbound("G1", "1203630001", "hola grupo", { group })))!;
    expect(r.message).toMatchObject({ participant: "595992222222", participantName: "Beto" });
    expect(await p.contact(r.contactId)).toMatchObject({
      number: "1203630001",
      name: "Familia",
      isGroup: true,
    });
    await waitFor(() => p.names().includes("message_received"));
    const data = p.env.events.find((e) => e.envelope.event === "message_received")!.envelope.data;
    expect(data.participant).toEqual({ number: "595992222222", name: "Beto" });
  });

  test("receive: a file is stored; a failed download keeps the message and is attached later", async () => {
    await using s = await openTestStore(dialect);
    await using p = await pathOn(s);
    const withFile = (await p.messages.receive(
      p.conn.id,
      inbound("F1", "595993333333", "foto", {
        mediaType: "image",
        media: { bytes: PNG, mimeType: "image/png", filename: "a.png" },
      }),
    ))!;
    expect(withFile.message).toMatchObject({ hasMedia: true, mediaType: "image", mimeType: "image/png" });
    expect(withFile.message.mediaFile).toBeString();
    expect((await p.ticket(withFile.ticketId)).lastMessage).toBe("[image] foto");

    const failed = (await p.messages.receive(
      p.conn.id,
      inbound("F2", "595993333333", "", { mediaType: "image", media: "failed", mediaRef: "ref-F2" }),
    ))!;
    expect(failed.message).toMatchObject({ hasMedia: true, mediaFile: null, mediaRef: "ref-F2" });
    // The phone gives the file on a later attempt (the sandbox driver has no download of its own to retry).
    p.gateways.set(p.conn.id, {
      ...p.gw,
      retryMediaDownload: async (ref: string) => {
        expect(ref).toBe("ref-F2");
        return { bytes: PNG, mimeType: "image/png", filename: "b.png" };
      },
    });
    expect(await p.messages.retryPendingMedia()).toBe(1);
    const attached = await p.messages.findByWaIdAsync(p.conn.id, "F2");
    expect(attached).toMatchObject({ mediaRef: null, mimeType: "image/png", filename: "b.png" });
    expect(attached!.mediaFile).toBeString();
    expect(await p.messages.retryPendingMedia()).toBe(0);
  });

  test("receive: a message after the ticket was closed opens a new ticket", async () => {
    await using s = await openTestStore(dialect);
    await using p = await pathOn(s);
    const first = (await p.messages.receive(p.conn.id, inbound("R1", "595994444444", "hola")))!;
    await s.store.write((q) => p.tickets.updateIn(q, first.ticketId, { status: "closed" }));
    const second = (await p.messages.receive(p.conn.id, inbound("R2", "595994444444", "otra consulta")))!;
    expect(second).toMatchObject({ created: true });
    expect(second.ticketId).not.toBe(first.ticketId);
    expect((await p.ticketsOf(first.contactId)).map((t) => t.status)).toEqual(["closed", "pending"]);
    expect(await bodies(p, second.ticketId)).toEqual(["otra consulta"]);
  });

  test("receive: a duplicate after the close opens no ticket, renames nobody and emits nothing", async () => {
    await using s = await openTestStore(dialect);
    await using p = await pathOn(s);
    const first = (await p.messages.receive(p.conn.id, inbound("D1", "595994444445", "hola")))!;
    await s.store.write((q) => p.tickets.updateIn(q, first.ticketId, { status: "closed" }));
    await p.env.settled();
    const before = p.names().length;
    // A replay of the same message (another push name, a failed download): the stored one answers.
    for (const extra of [{ pushName: "Otra" }, { media: "failed" as const, mediaRef: "ref" }]) {
      const again = (await p.messages.receive(p.conn.id, inbound("D1", "595994444445", "hola", extra)))!;
      expect(again).toMatchObject({ duplicate: true, ticketId: first.ticketId, contactId: first.contactId });
    }
    expect((await p.ticketsOf(first.contactId)).map((t) => t.status)).toEqual(["closed"]);
    expect(await p.contact(first.contactId)).toMatchObject({ name: "Ana" });
    await p.env.settled();
    expect(p.names()).toHaveLength(before);
  });

  test("send: text, a file, a quoted reply; the ticket is read and the first response stamped", async () => {
    await using s = await openTestStore(dialect);
    await using p = await pathOn(s);
    const r = (await p.messages.receive(p.conn.id, inbound("Q1", "595995555555", "precio?")))!;
    p.setNow(T0 + 60_000);
    const [text] = await p.messages.sendToTicket(r.ticketId, { body: "son 100" });
    expect(text!.message).toMatchObject({
      body: "son 100",
      fromMe: true,
      mediaType: "chat",
      ticketId: r.ticketId,
    });
    const ticket = await p.ticket(r.ticketId);
    expect(ticket).toMatchObject({ unreadMessages: 0, lastMessage: "son 100" });
    expect(ticket.firstResponseAt?.getTime()).toBe(T0 + 60_000);

    const file = new File([PNG], "lista.png", { type: "image/png" });
    const [media] = await p.messages.sendToTicket(r.ticketId, { body: "la lista", medias: [file] });
    expect(media!.message).toMatchObject({
      hasMedia: true,
      mediaType: "image",
      body: "la lista",
      filename: "lista.png",
    });
    expect((await p.ticket(r.ticketId)).lastMessage).toBe("[image] la lista");

    const reply = await p.messages.reply("Q1", { body: "¿algo más?" });
    expect(reply.ticketId).toBe(r.ticketId);
    expect(reply.results[0]!.message.quotedMsgId).toBe("Q1");
    await expect(p.messages.reply("NOPE", { body: "x" })).rejects.toMatchObject({
      code: "ERR_MESSAGE_NOT_FOUND",
    });
    await expect(
      p.messages.sendToTicket(r.ticketId, { body: "x", quotedMsgId: "NOPE" }),
    ).rejects.toMatchObject({
      code: "ERR_MESSAGE_NOT_FOUND",
    });
    await expect(p.messages.sendToTicket(999_999, { body: "x" })).rejects.toMatchObject({
      code: "ERR_TICKET_NOT_FOUND",
    });
    expect(await bodies(p, r.ticketId)).toEqual(["precio?", "son 100", "la lista", "¿algo más?"]);
    await waitFor(() => p.names().filter((n) => n === "message_sent").length === 3, {
      message: "three sent",
    });
    // The first response is the first one: later replies leave it alone.
    expect((await p.ticket(r.ticketId)).firstResponseAt?.getTime()).toBe(T0 + 60_000);
  });

  test("send: to a new number creates its contact and open ticket, reuses it, and closes it when asked", async () => {
    await using s = await openTestStore(dialect);
    await using p = await pathOn(s);
    const first = await p.messages.sendToNumber({ number: "+595 996 666666", body: "bienvenido" });
    expect(await p.contact(first.contactId)).toMatchObject({ number: "595996666666" });
    expect(await p.ticket(first.ticketId)).toMatchObject({ status: "open", lastMessage: "bienvenido" });
    const second = await p.messages.sendToNumber({
      number: "595996666666",
      body: "¿recibió?",
      closeTicket: true,
    });
    expect(second).toMatchObject({ ticketId: first.ticketId, contactId: first.contactId });
    expect((await p.ticket(first.ticketId)).status).toBe("closed");
    await expect(p.messages.sendToNumber({ number: "595990000000", body: "x" })).rejects.toMatchObject({
      code: "ERR_WAPP_INVALID_CONTACT",
    });
    expect(await bodies(p, first.ticketId)).toEqual(["bienvenido", "¿recibió?"]);
  });

  test("send: the Idempotency-Key's answer commits with the last message; a completed key answers again", async () => {
    await using s = await openTestStore(dialect);
    await using p = await pathOn(s);
    const keys = createIdempotencyStore(s.store, () => T0);
    expect(await keys.reserve(1, "k1", "hash")).toBe(null);
    let left = 0;
    const completion = {
      messageLeft: () => {
        left++;
      },
      complete: (q: Parameters<typeof keys.completeIn>[0], r: { ticketId: number; results: unknown[] }) =>
        keys.completeIn(q, 1, "k1", {
          statusCode: 201,
          responseBody: JSON.stringify({ n: r.results.length }),
        }),
    };
    const sent = await p.messages.sendToNumber({ number: "595997777777", body: "uno" }, completion);
    expect(left).toBeGreaterThan(0);
    expect(await keys.reserve(1, "k1", "hash")).toEqual({ statusCode: 201, responseBody: '{"n":1}' });
    // A completion that fails rolls back the message it was to commit with.
    const failing = {
      messageLeft: () => {},
      complete: async () => {
        throw new Error("answer not stored");
      },
    };
    await expect(p.messages.sendToTicket(sent.ticketId, { body: "dos" }, failing)).rejects.toThrow(
      "answer not stored",
    );
    expect(await bodies(p, sent.ticketId)).toEqual(["uno"]);
  });

  test("acks: in order, one that arrives before its message, and never backwards", async () => {
    await using s = await openTestStore(dialect);
    await using p = await pathOn(s);
    const [sent] = await p.messages.sendToTicket(
      (await p.messages.receive(p.conn.id, inbound("A0", "595998888888", "hola")))!.ticketId,
      { body: "respuesta" },
    );
    const id = sent!.message.id;
    const ackOf = async (wa: string) => (await p.messages.findByWaIdAsync(p.conn.id, wa))?.ack;
    await p.messages.applyAck(p.conn.id, id, 1);
    await p.messages.applyAck(p.conn.id, id, 2);
    expect(await ackOf(id)).toBe(2);
    await p.messages.applyAck(p.conn.id, id, 3);
    await p.messages.applyAck(p.conn.id, id, 2);
    expect(await ackOf(id)).toBe(3);
    await p.env.settled();
    await waitFor(() => p.names().filter((n) => n === "message_ack").length === 3, { message: "three acks" });
    const acks = p.env.events.filter((e) => e.envelope.event === "message_ack").map((e) => e.envelope.data);
    expect(acks.map((d) => [d.ack, d.ackName, d.ticketId])).toEqual([
      [1, "server", sent!.message.ticketId],
      [2, "delivered", sent!.message.ticketId],
      [3, "read", sent!.message.ticketId],
    ]);

    // The phone's receipt beats the insert: kept, and the message is stored with it.
    await p.messages.applyAck(p.conn.id, "EARLY1", 2);
    const early = (await p.messages.receive(
      p.conn.id,
      inbound("EARLY1", "595998888888", "de otro dispositivo", { fromMe: true }),
    ))!;
    expect(early.message.ack).toBe(2);
    expect(await ackOf("EARLY1")).toBe(2);

    // Queued acks commit together (the timer's batch) and flush on shutdown.
    p.messages.queueAck(p.conn.id, "EARLY1", 3);
    await p.messages.flushAcks();
    expect(await ackOf("EARLY1")).toBe(3);
  });

  test("list, get and pages: newest first, offset and keyset pages agree, the sender of inbound ones", async () => {
    await using s = await openTestStore(dialect);
    await using p = await pathOn(s);
    let ticketId = 0;
    for (let i = 1; i <= 5; i++) {
      p.setNow(T0 + i * 1000);
      ticketId = (await p.messages.receive(p.conn.id, inbound(`L${i}`, "595999999999", `m${i}`)))!.ticketId;
    }
    const all = await p.messages.list(ticketId, { offset: 0, limit: 10 });
    expect(all).toMatchObject({ count: 5, hasMore: false });
    expect(all.rows.map((r) => r.message.body)).toEqual(["m5", "m4", "m3", "m2", "m1"]);
    expect(all.rows[0]!.contact).toMatchObject({ number: "595999999999", name: "Ana" });
    const first = await p.messages.list(ticketId, { offset: 0, limit: 2 });
    expect(first).toMatchObject({ count: 5, hasMore: true });
    const last = first.rows.at(-1)!.message;
    const byKey = await p.messages.list(ticketId, { limit: 2, after: [last.createdAt.getTime(), last.pk] });
    const byOffset = await p.messages.list(ticketId, { offset: 2, limit: 2 });
    expect(byKey.rows.map((r) => r.message.body)).toEqual(["m3", "m2"]);
    expect(byOffset.rows.map((r) => r.message.body)).toEqual(["m3", "m2"]);
    await expect(p.messages.list(999_999, { offset: 0, limit: 2 })).rejects.toMatchObject({
      code: "ERR_TICKET_NOT_FOUND",
    });
    expect((await p.messages.getAsync("L3")).body).toBe("m3");
    expect(await p.messages.findBody(p.conn.id, "L4")).toEqual({ body: "m4" });
    expect(await p.messages.findBody(p.conn.id, "NOPE")).toBeUndefined();
    await expect(p.messages.getAsync("NOPE")).rejects.toMatchObject({ code: "ERR_MESSAGE_NOT_FOUND" });
  });

  test("automation: the greeting of a new ticket; one queue routes it and sends the queue's greeting", async () => {
    await using s = await openTestStore(dialect);
    await using p = await pathOn(s, {
      greeting: "¡Hola! Gracias por escribir",
      queues: [{ name: "Soporte", greeting: "Soporte te atiende" }],
    });
    const r = (await p.messages.receive(p.conn.id, inbound("AU1", "595981234567", "hola")))!;
    await p.automation.idle();
    expect(await bodies(p, r.ticketId)).toEqual([
      "hola",
      "¡Hola! Gracias por escribir",
      "Soporte te atiende",
    ]);
    const ticket = await p.ticket(r.ticketId);
    // Automated messages are not a response and leave the unread count alone.
    expect(ticket).toMatchObject({ queueId: p.queues[0]!.id, unreadMessages: 1, firstResponseAt: null });
    const sent = await p.messages.list(r.ticketId, { offset: 0, limit: 10 });
    expect(sent.rows.filter((m) => m.message.fromMe).every((m) => m.message.isAutomated)).toBe(true);
  });

  test("automation: the queue menu repeats on a wrong answer and routes on the right one", async () => {
    await using s = await openTestStore(dialect);
    await using p = await pathOn(s, {
      greeting: "Bienvenido",
      queues: [{ name: "Ventas" }, { name: "Soporte", greeting: "Soporte aquí" }],
    });
    const menu = "Bienvenido\n\n1 - Ventas\n2 - Soporte";
    const r = (await p.messages.receive(p.conn.id, inbound("MN1", "595987654321", "hola")))!;
    await p.automation.idle();
    await p.messages.receive(p.conn.id, inbound("MN2", "595987654321", "7"));
    await p.automation.idle();
    expect((await p.ticket(r.ticketId)).queueId).toBe(null);
    await p.messages.receive(p.conn.id, inbound("MN3", "595987654321", " 2 "));
    await p.automation.idle();
    expect(await bodies(p, r.ticketId)).toEqual(["hola", menu, "7", menu, " 2 ", "Soporte aquí"]);
    expect((await p.ticket(r.ticketId)).queueId).toBe(p.queues[1]!.id);
  });

  test("automation: a close sends the farewell and the rating request; a 1–5 answer rates the closed ticket", async () => {
    await using s = await openTestStore(dialect);
    await using p = await pathOn(s, { farewell: "¡Hasta pronto!", rating: "Califique de 1 a 5" });
    const r = (await p.messages.receive(p.conn.id, inbound("RT1", "595981112223", "hola")))!;
    await s.store.write((q) => p.tickets.updateIn(q, r.ticketId, { status: "closed" }));
    await waitFor(async () => (await bodies(p, r.ticketId)).length === 3, { message: "farewell and rating" });
    await p.automation.idle();
    expect(await bodies(p, r.ticketId)).toEqual(["hola", "¡Hasta pronto!", "Califique de 1 a 5"]);
    p.setNow(T0 + 60_000);
    const answer = (await p.messages.receive(p.conn.id, inbound("RT2", "595981112223", "5")))!;
    expect(answer).toMatchObject({ ticketId: r.ticketId, created: false });
    const rated = await p.ticket(r.ticketId);
    expect(rated).toMatchObject({ status: "closed", rating: 5, unreadMessages: 0 });
    expect(rated.ratedAt?.getTime()).toBe(T0 + 60_000);
    await waitFor(() =>
      p.env.events.some((e) => e.envelope.event === "ticket_updated" && e.envelope.data.rating === 5),
    );
    // Rated: the next message is a new conversation.
    const next = (await p.messages.receive(p.conn.id, inbound("RT3", "595981112223", "4")))!;
    expect(next).toMatchObject({ created: true });
    expect(next.ticketId).not.toBe(r.ticketId);
  });
});
