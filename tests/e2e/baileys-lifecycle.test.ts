import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { SAMPLES } from "../media/samples";
import { sseReader } from "../panel/sse";
import { waitFor } from "../support/test-app";
import type { SimAccount } from "../wasim/fake-whatsapp";
import { filterLibsignalSessionChurnLogs } from "../wasim/sim-signal-device";
import { type E2E, startE2E } from "./harness";

/**
 * Never miss what the customer sends: the real server (child process) and the real Baileys client against
 * the fake WhatsApp server, which queues what arrives while the device is away and replays it at login
 * with the offline marker, and speaks edits, revokes, reactions, groups, receipts and presence.
 */
const TOKEN = "e2e-lifecycle-token-0123456789";
const PHONE = "595981000300";
const CUSTOMER = "595991000301";
const OTHER = "595991000302";

filterLibsignalSessionChurnLogs();
setDefaultTimeout(40_000);

let e2e: E2E;
let phone: SimAccount;
let customer: SimAccount;
let other: SimAccount;
let connectionId: number;
const api = (method: string, path: string, body?: unknown) => e2e.api(method, path, body);
const hook = (event: string, pred?: (data: any) => boolean) => e2e.hook(event, pred);
const messagesOf = async (ticketId: number) =>
  (await api("GET", `/api/v1/tickets/${ticketId}/messages?limit=100`)).body.messages as any[];

beforeAll(async () => {
  e2e = await startE2E({ token: TOKEN, env: { LOG_LEVEL: "info", WA_RECONNECT_BASE_MS: "100" } });
  phone = e2e.wa.createAccount(PHONE, "Helpdesk");
  customer = e2e.wa.createContact(CUSTOMER, "Juan Pérez");
  other = e2e.wa.createContact(OTHER, "Ana Gómez");
  connectionId = await e2e.link(phone, "Soporte");
}, 40_000);

afterAll(() => e2e?.close());

describe("offline replay", () => {
  let ticketId: number;

  test("messages sent while the server is stopped arrive after it starts, each once", async () => {
    const first = await customer.sendText(phone, "Hola");
    ticketId = (await hook("message_received", (d) => d.messageId === first)).data.ticketId;
    expect(await e2e.stop()).toBe(0);
    // WhatsApp queues for a device it knows is gone; wait until the fake server saw the socket close.
    await e2e.wa.changesUntil(() => phone.linkedDevices().every((d) => !d.connected), "device offline");
    const ids = [
      await customer.sendText(phone, "¿Están ahí?"),
      await customer.sendText(phone, "Necesito ayuda con mi pedido"),
      await customer.sendText(phone, "Es urgente"),
    ];
    // The owner answers from the phone while the server is down: stored as ours.
    const fromPhone = await phone.sendText(customer, "Te atiendo en un momento");
    await e2e.start();
    for (const id of ids) await hook("message_received", (d) => d.messageId === id);
    // Typed on the phone: ours, announced like every message of ours (message_sent).
    const fromMe = await hook("message_sent", (d) => d.messageId === fromPhone);
    expect(fromMe.data).toMatchObject({ fromMe: true, body: "Te atiendo en un momento", ticketId });
    const stored = await messagesOf(ticketId);
    for (const id of [...ids, fromPhone]) expect(stored.filter((m) => m.id === id)).toHaveLength(1);
    expect(stored.find((m) => m.id === ids[2])).toMatchObject({ body: "Es urgente", fromMe: false });
    // Nothing twice: one webhook per message.
    for (const id of ids) expect(e2e.hooksOf("message_received", (d) => d.messageId === id)).toHaveLength(1);
    // The owner's answer from the phone came last, so the ticket counts as answered.
    const ticket = (await api("GET", `/api/v1/tickets/${ticketId}`)).body;
    expect(ticket).toMatchObject({ unreadMessages: 0, lastMessage: "Te atiendo en un momento" });
  });

  test("messages sent while the socket is down arrive after the automatic reconnect, each once", async () => {
    e2e.wa.refuseConnections(true);
    phone.disconnect("drop");
    await hook("connection_update", (d) => d.status === "OPENING");
    const ids = [
      await customer.sendText(phone, "uno"),
      await customer.sendText(phone, "dos"),
      await customer.sendText(phone, "tres"),
    ];
    e2e.wa.refuseConnections(false);
    for (const id of ids) await hook("message_received", (d) => d.messageId === id);
    const stored = await messagesOf(ticketId);
    for (const id of ids) {
      expect(stored.filter((m) => m.id === id)).toHaveLength(1);
      expect(e2e.hooksOf("message_received", (d) => d.messageId === id)).toHaveLength(1);
    }
  });

  test("our own sends are stored once, not again from their echo", async () => {
    const sent = await api("POST", `/api/v1/tickets/${ticketId}/messages`, { body: "Ya lo revisamos" });
    expect(sent.status).toBe(201);
    const id = sent.body.data.messageId;
    await customer.waitForMessage((m) => m.id === id);
    await hook("message_sent", (d) => d.messageId === id);
    // A later message proves the echo, if any, was handled before it.
    const later = await customer.sendText(phone, "gracias");
    await hook("message_received", (d) => d.messageId === later);
    expect((await messagesOf(ticketId)).filter((m) => m.id === id)).toHaveLength(1);
    expect(e2e.hooksOf("message_sent", (d) => d.messageId === id)).toHaveLength(1);
    expect(e2e.hooksOf("message_received", (d) => d.messageId === id)).toHaveLength(0);
  });
});

describe("edits, deletes and reactions", () => {
  let ticketId: number;
  let original: string;

  test("the customer's edit, delete and reaction reach the ticket, the webhook and the SSE stream", async () => {
    original = await customer.sendText(phone, "Quiero 2 unidades");
    ticketId = (await hook("message_received", (d) => d.messageId === original)).data.ticketId;
    const stream = await fetch(`${e2e.chasqui.url}/api/v1/events/stream?connectionId=${connectionId}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const sse = sseReader(stream);
    const sseEvent = async (name: string, pred: (d: any) => boolean) => {
      for (;;) {
        const f = await sse.next();
        if (f.event === name && f.data && pred(JSON.parse(f.data).data)) return JSON.parse(f.data).data;
      }
    };
    await customer.sendEdit(phone, original, "Quiero 3 unidades");
    const edited = await hook("message_updated", (d) => d.messageId === original);
    expect(edited.data).toMatchObject({
      body: "Quiero 3 unidades",
      previousBody: "Quiero 2 unidades",
      fromMe: false,
    });
    await sseEvent("message_updated", (d) => d.messageId === original);
    expect((await messagesOf(ticketId)).find((m) => m.id === original)).toMatchObject({
      body: "Quiero 3 unidades",
      previousBody: "Quiero 2 unidades",
      isEdited: true,
    });

    const ours = await api("POST", `/api/v1/tickets/${ticketId}/messages`, { body: "Anotado" });
    const oursId = ours.body.data.messageId;
    await customer.waitForMessage((m) => m.id === oursId);
    await customer.sendReaction(phone, { id: oursId, fromMe: false }, "👍");
    const reacted = await hook("message_reaction", (d) => d.messageId === oursId);
    expect(reacted.data).toMatchObject({
      emoji: "👍",
      removed: false,
      fromMe: false,
      reactor: { number: CUSTOMER },
    });
    await sseEvent("message_reaction", (d) => d.messageId === oursId);
    expect((await messagesOf(ticketId)).find((m) => m.id === oursId).reactions).toEqual([
      expect.objectContaining({ emoji: "👍", number: CUSTOMER }),
    ]);

    await customer.sendRevoke(phone, original);
    const deleted = await hook("message_deleted", (d) => d.messageId === original);
    expect(deleted.data).toMatchObject({ body: "Quiero 3 unidades", isDeleted: true });
    await sseEvent("message_deleted", (d) => d.messageId === original);
    expect((await messagesOf(ticketId)).find((m) => m.id === original)).toMatchObject({ isDeleted: true });
    await sse.cancel();
  });

  test("ours reach the customer's phone: reaction, edit and delete for everyone", async () => {
    const sent = await api("POST", `/api/v1/tickets/${ticketId}/messages`, { body: "El total es 100" });
    const id = sent.body.data.messageId;
    await customer.waitForMessage((m) => m.id === id);

    // A deleted message takes no reactions; a live one does.
    const refused = await api("POST", `/api/v1/messages/${original}/reactions`, { emoji: "🙏" });
    expect(refused.body.error).toBe("ERR_MESSAGE_DELETED");
    const theirs = await customer.sendText(phone, "¿Cuánto es?");
    await hook("message_received", (d) => d.messageId === theirs);
    const reaction = await api("POST", `/api/v1/messages/${theirs}/reactions`, { emoji: "🙏" });
    expect(reaction.status).toBe(200);
    const gotReaction = await customer.waitForMessage((m) => m.reaction?.targetId === theirs);
    expect(gotReaction.reaction?.emoji).toBe("🙏");

    const edit = await api("PUT", `/api/v1/messages/${id}`, { body: "El total es 120" });
    expect(edit.status).toBe(200);
    const gotEdit = await customer.waitForMessage((m) => m.edit?.targetId === id);
    expect(gotEdit.edit?.text).toBe("El total es 120");
    await hook("message_updated", (d) => d.messageId === id && d.fromMe === true);

    const del = await api("DELETE", `/api/v1/messages/${id}`);
    expect(del.body.data).toMatchObject({ isDeleted: true, body: "El total es 120" });
    await customer.waitForMessage((m) => m.revoke?.targetId === id);
    // Our own echoes of these changes do not produce second events.
    const later = await customer.sendText(phone, "ok");
    await hook("message_received", (d) => d.messageId === later);
    expect(e2e.hooksOf("message_deleted", (d) => d.messageId === id)).toHaveLength(1);
    expect(e2e.hooksOf("message_updated", (d) => d.messageId === id)).toHaveLength(1);
  });
});

describe("read receipts, typing and voice notes", () => {
  test("reading the ticket sends read receipts to the customer's phone", async () => {
    const id = await customer.sendText(phone, "¿Me leyeron?");
    const { ticketId } = (await hook("message_received", (d) => d.messageId === id)).data;
    expect((await api("PUT", `/api/v1/tickets/${ticketId}`, { status: "open" })).status).toBe(200);
    const receipt = await customer.waitForReceipt((r) => r.type === "read" && r.ids.includes(id));
    expect(receipt.from).toBe(PHONE);
  });

  test("typing presence reaches the customer's phone", async () => {
    const { ticketId } = e2e.hooksOf("message_received").at(-1)!.data;
    expect((await api("POST", `/api/v1/tickets/${ticketId}/typing`, { state: "composing" })).status).toBe(
      200,
    );
    await customer.waitForChatState((s) => s.state === "composing" && s.from === PHONE);
    await api("POST", `/api/v1/tickets/${ticketId}/typing`, { state: "paused" });
    await customer.waitForChatState((s) => s.state === "paused" && s.from === PHONE);
  });

  test("voice notes keep mediaType ptt both ways", async () => {
    const inboundId = await customer.sendAudio(phone, Buffer.from(SAMPLES.oggOpus), {
      ptt: true,
      mimetype: "audio/ogg; codecs=opus",
    });
    const received = await hook("message_received", (d) => d.messageId === inboundId);
    expect(received.data).toMatchObject({ mediaType: "ptt", hasMedia: true });
    const form = new FormData();
    form.append("medias", new File([SAMPLES.oggOpus], "nota.ogg", { type: "audio/ogg; codecs=opus" }));
    const sent = await api("POST", `/api/v1/tickets/${received.data.ticketId}/messages/media`, form);
    expect(sent.body.data[0].mediaType).toBe("ptt");
    const got = await customer.waitForMessage((m) => m.id === sent.body.data[0].messageId);
    expect(got.ptt).toBe(true);
  });
});

describe("group chats", () => {
  test("ignored by default; in tickets mode one ticket per group, participants kept, replies go to the group", async () => {
    const group = e2e.wa.createGroup(customer, "Clientes VIP", [phone, other]);
    const ignored = await customer.sendGroupText(group, "hola a todos");
    const marker = await customer.sendText(phone, "después del grupo");
    await hook("message_received", (d) => d.messageId === marker);
    expect(e2e.hooksOf("message_received", (d) => d.messageId === ignored)).toHaveLength(0);

    expect((await api("PUT", `/api/v1/connections/${connectionId}`, { groups: "tickets" })).body.groups).toBe(
      "tickets",
    );
    const a = await customer.sendGroupText(group, "¿Alguien del soporte?");
    const first = await hook("message_received", (d) => d.messageId === a);
    expect(first.data.participant).toEqual({ number: CUSTOMER, name: "Juan Pérez" });
    const b = await other.sendGroupText(group, "Yo también tengo una duda");
    const second = await hook("message_received", (d) => d.messageId === b);
    expect(second.data.ticketId).toBe(first.data.ticketId);
    const ticket = (await api("GET", `/api/v1/tickets/${first.data.ticketId}`)).body;
    expect(ticket.contact).toMatchObject({
      isGroup: true,
      name: "Clientes VIP",
      number: group.jid.split("@")[0],
    });

    const reply = await api("POST", `/api/v1/tickets/${first.data.ticketId}/messages`, {
      body: "¡Hola! Les ayudo",
    });
    expect(reply.status).toBe(201);
    const replyId = reply.body.data.messageId;
    for (const member of [customer, other]) {
      const got = await member.waitForMessage((m) => m.id === replyId);
      expect(got).toMatchObject({ chat: group.jid, text: "¡Hola! Les ayudo" });
    }
    await waitFor(async () => (await messagesOf(first.data.ticketId)).length === 3);
  });
});

describe("recent history on first link", () => {
  test("with historyImportDays, recent chats land in closed tickets marked imported, without webhooks", async () => {
    const store = e2e.wa.createAccount("595981000399", "Tienda");
    const now = Math.floor(Date.now() / 1000);
    const [chat] = store.seedHistory([
      {
        with: customer,
        messages: [
          { fromMe: false, text: "Pedido de hace un mes", timestamp: now - 30 * 86_400 },
          { fromMe: false, text: "¿Llegó mi pedido?", timestamp: now - 2 * 86_400 },
          { fromMe: true, text: "Sí, sale mañana", timestamp: now - 2 * 86_400 + 60 },
        ],
      },
    ]);
    const hooksBefore = e2e.hooks.length;
    const id = await e2e.link(store, "Tienda", { historyImportDays: 7 });
    expect((await api("GET", `/api/v1/connections/${id}`)).body.historyImportDays).toBe(7);
    const [, recent, answer] = chat!.messages;
    const ticket = await waitFor(async () => {
      const list = (await api("GET", `/api/v1/tickets?whatsappId=${id}&status=closed`)).body.tickets;
      return list.find((t: any) => t.contact.number === CUSTOMER);
    });
    const stored = await waitFor(async () => {
      const msgs = await messagesOf(ticket.id);
      return msgs.length === 2 ? msgs : null;
    });
    expect(stored.map((m) => [m.id, m.body, m.fromMe, m.isImported]).sort()).toEqual(
      [
        [recent!.id, "¿Llegó mi pedido?", false, true],
        [answer!.id, "Sí, sale mañana", true, true],
      ].sort(),
    );
    // The past is not news: no message events for imported history. (Only this connection's: an earlier test's
    // last webhooks may still be arriving, now that several are in flight per webhook.)
    const newHooks = e2e.hooks
      .slice(hooksBefore)
      .filter((h) => h.connectionId === id && h.event.startsWith("message_"));
    expect(newHooks).toEqual([]);
    // Live traffic after the import opens a new pending ticket as usual.
    const live = await customer.sendText(store, "Hola de nuevo");
    const got = await hook("message_received", (d) => d.messageId === live);
    expect(got.data.ticketId).not.toBe(ticket.id);
  });
});
