// The message lifecycle on both stores: edits, deletes for everyone and reactions (add, change, remove) asked
// through the API and reported by WhatsApp, each applied once with its event; read receipts; typing; the
// history import skipping what is stored or too old. The HTTP behaviour is tests/api (SQLite).
import { expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import type { Dialect } from "../../src/db/store";
import { createConnectionService } from "../../src/domain/connection.service";
import { createContactService } from "../../src/domain/contact.service";
import type { DomainDeps } from "../../src/domain/deps";
import { createMessageService } from "../../src/domain/message.service";
import { createMessageLifecycleService, EDIT_WINDOW_MS } from "../../src/domain/message-lifecycle.service";
import { createTicketService } from "../../src/domain/ticket.service";
import type { InboundMessage, InboundUpdate, MessageRef, WhatsAppGateway } from "../../src/whatsapp/gateway";
import { domainDeps } from "../support/domain-deps";
import { describeStores, openTestStore, type TestStore } from "../support/stores";

const T0 = 1_700_000_000_000;
const NUMBER = "595990000001";

/** A fake WhatsApp socket (the network edge): CONNECTED, it records what it is asked to do. */
function recordingGateway() {
  const calls: [string, ...unknown[]][] = [];
  const gw = {
    driver: "sandbox",
    status: () => "CONNECTED",
    editText: async (to: string, ref: MessageRef, body: string) =>
      void calls.push(["edit", to, ref.id, body]),
    revoke: async (to: string, ref: MessageRef) => void calls.push(["revoke", to, ref.id]),
    react: async (to: string, ref: MessageRef, emoji: string) =>
      void calls.push(["react", to, ref.id, emoji]),
    markRead: async (to: string, refs: MessageRef[]) => void calls.push(["read", to, refs.map((r) => r.id)]),
    sendPresence: async (to: string, state: string) => void calls.push(["presence", to, state]),
  } as unknown as WhatsAppGateway;
  return { gw, calls };
}

async function setup(s: TestStore, connection: { historyImportDays?: number } = {}) {
  let now = T0 + 60_000;
  const d = domainDeps(s, () => now);
  const fake = recordingGateway();
  const deps: DomainDeps = { ...d.deps, sessions: { get: () => fake.gw } };
  const { connections, contacts, messages, tickets } = s.store.t;
  const seeded = await s.store.write(async (q) => {
    const [conn] = await q
      .insert(connections)
      .values({ name: "A", driver: "sandbox", number: "595981111111", ...connection })
      .returning();
    const [contact] = await q.insert(contacts).values({ number: NUMBER, name: "María" }).returning();
    const [ticket] = await q
      .insert(tickets)
      .values({
        contactId: contact!.id,
        connectionId: conn!.id,
        status: "pending",
        lastMessage: "hola?",
        unreadMessages: 2,
      })
      .returning();
    const row = (id: string, fromMe: boolean, body: string, at: number) => ({
      id,
      connectionId: conn!.id,
      ticketId: ticket!.id,
      contactId: fromMe ? null : contact!.id,
      body,
      fromMe,
      ack: fromMe ? 1 : 0,
      timestamp: Math.floor(at / 1000),
      createdAt: new Date(at),
      updatedAt: new Date(at),
    });
    const [inbound1, inbound2, ours] = await q
      .insert(messages)
      .values([
        row("IN1", false, "hola", T0),
        row("IN2", false, "hola?", T0 + 1_000),
        row("3EB0OURS00000000000001", true, "buenas", T0 + 2_000),
      ])
      .returning();
    return {
      conn: conn!,
      contact: contact!,
      ticket: ticket!,
      inbound1: inbound1!,
      inbound2: inbound2!,
      ours: ours!,
    };
  });
  const connectionsSvc = createConnectionService(deps);
  const contactsSvc = createContactService(deps, connectionsSvc);
  const ticketsSvc = createTicketService(deps, contactsSvc, connectionsSvc);
  const messagesSvc = createMessageService(deps, contactsSvc, ticketsSvc, connectionsSvc);
  const lifecycle = createMessageLifecycleService(deps, messagesSvc, ticketsSvc, connectionsSvc);
  const { events } = d;
  return {
    ...seeded,
    d,
    fake,
    lifecycle,
    setNow: (ms: number) => {
      now = ms;
    },
    /** The events emitted so far (on PostgreSQL, once the sink's listeners read them from the feed). */
    eventsOf: async (name: string) => {
      await d.settled();
      return events.filter((e) => e.envelope.event === name).map((e) => e.envelope.data);
    },
    async row(pk: number) {
      const [m] = await s.store.read((q) => q.select().from(messages).where(eq(messages.pk, pk)));
      return m!;
    },
    async ticketRow() {
      const [t] = await s.store.read((q) => q.select().from(tickets).where(eq(tickets.id, seeded.ticket.id)));
      return t!;
    },
  };
}

describeStores("message lifecycle", (dialect: Dialect) => {
  test("edit: WhatsApp is asked, the body and the ticket's preview follow, message_updated once", async () => {
    await using s = await openTestStore(dialect);
    const x = await setup(s);
    using _ = x.d;
    const edited = await x.lifecycle.edit(x.ours.id, "buenas tardes");
    expect(x.fake.calls).toEqual([["edit", NUMBER, x.ours.id, "buenas tardes"]]);
    expect(edited).toMatchObject({ body: "buenas tardes", previousBody: "buenas", isEdited: true });
    expect(edited.editedAt?.getTime()).toBe(T0 + 60_000);
    expect((await x.ticketRow()).lastMessage).toBe("buenas tardes");
    expect(await x.eventsOf("message_updated")).toEqual([
      {
        messageId: x.ours.id,
        ticketId: x.ticket.id,
        body: "buenas tardes",
        previousBody: "buenas",
        isEdited: true,
        editedAt: new Date(T0 + 60_000).toISOString(),
        fromMe: true,
        contact: { id: x.contact.id, name: "María", number: NUMBER },
      },
    ]);
    // The same text again: nothing to do, nothing asked, no event.
    expect((await x.lifecycle.edit(x.ours.id, "buenas tardes")).body).toBe("buenas tardes");
    expect(x.fake.calls).toHaveLength(1);
    expect(await x.eventsOf("message_updated")).toHaveLength(1);
    // Not ours, past the window, unknown: the documented errors, nothing stored.
    await expect(x.lifecycle.edit("IN1", "x")).rejects.toMatchObject({ code: "ERR_MESSAGE_NOT_OURS" });
    await expect(x.lifecycle.edit("NOPE", "x")).rejects.toMatchObject({ code: "ERR_MESSAGE_NOT_FOUND" });
    x.setNow(T0 + 2_000 + EDIT_WINDOW_MS + 1);
    await expect(x.lifecycle.edit(x.ours.id, "tarde")).rejects.toMatchObject({
      code: "ERR_EDIT_WINDOW_EXPIRED",
    });
    expect((await x.row(x.ours.pk)).body).toBe("buenas tardes");
  });

  test("revoke: deleted for everyone once (message_deleted); then edits and reactions are refused", async () => {
    await using s = await openTestStore(dialect);
    const x = await setup(s);
    using _ = x.d;
    const deleted = await x.lifecycle.revoke(x.ours.id);
    expect(deleted).toMatchObject({ isDeleted: true, body: "buenas" });
    expect(deleted.deletedAt?.getTime()).toBe(T0 + 60_000);
    expect(await x.eventsOf("message_deleted")).toEqual([
      expect.objectContaining({ messageId: x.ours.id, isDeleted: true, fromMe: true, body: "buenas" }),
    ]);
    expect((await x.lifecycle.revoke(x.ours.id)).isDeleted).toBe(true);
    expect(x.fake.calls).toEqual([["revoke", NUMBER, x.ours.id]]);
    expect(await x.eventsOf("message_deleted")).toHaveLength(1);
    await expect(x.lifecycle.edit(x.ours.id, "x")).rejects.toMatchObject({ code: "ERR_MESSAGE_DELETED" });
    await expect(x.lifecycle.react(x.ours.id, "👍")).rejects.toMatchObject({ code: "ERR_MESSAGE_DELETED" });
  });

  test("reactions: add, change, the same again (nothing), remove; view and reactionsOf show them", async () => {
    await using s = await openTestStore(dialect);
    const x = await setup(s);
    using _ = x.d;
    x.setNow(T0 + 61_000);
    await x.lifecycle.react("IN1", "👍");
    x.setNow(T0 + 62_000);
    const changed = await x.lifecycle.react("IN1", "❤️");
    await x.lifecycle.react("IN1", "❤️");
    expect((await x.lifecycle.view(changed)).reactions).toEqual([
      { emoji: "❤️", fromMe: true, number: null, name: null, timestamp: Math.floor((T0 + 62_000) / 1000) },
    ]);
    // The customer reacts too (reported by WhatsApp: the reactor of a one-to-one chat is the contact).
    await x.lifecycle.applyUpdate(x.conn.id, {
      kind: "reaction",
      targetId: "IN1",
      fromMe: false,
      reactor: null,
      reactorName: null,
      emoji: "😂",
      timestampSec: Math.floor(T0 / 1000) + 70,
    });
    const view = await x.lifecycle.view(await x.row(x.inbound1.pk));
    expect(view.contact).toEqual({ id: x.contact.id, name: "María", number: NUMBER });
    expect(view.reactions.map((r) => [r.emoji, r.fromMe, r.number, r.name])).toEqual([
      ["❤️", true, null, null],
      ["😂", false, NUMBER, "María"],
    ]);
    await x.lifecycle.react("IN1", "");
    await x.lifecycle.react("IN1", ""); // nothing left to remove: no event
    const byPk = await x.lifecycle.reactionsOf([x.inbound1.pk, x.inbound2.pk]);
    expect(byPk.get(x.inbound1.pk)?.map((r) => r.emoji)).toEqual(["😂"]);
    expect(byPk.has(x.inbound2.pk)).toBe(false);
    expect((await x.eventsOf("message_reaction")).map((e) => [e.emoji, e.removed, e.fromMe])).toEqual([
      ["👍", false, true],
      ["❤️", false, true],
      ["😂", false, false],
      ["", true, true],
    ]);
    expect(x.fake.calls.filter((c) => c[0] === "react").map((c) => c[3])).toEqual(["👍", "❤️", "❤️", "", ""]);
    await expect(x.lifecycle.react("IN1", "👍👍")).rejects.toMatchObject({ code: "ERR_VALIDATION" });
  });

  test("updates from WhatsApp: only the author edits or deletes; a replay and an unknown message change nothing", async () => {
    await using s = await openTestStore(dialect);
    const x = await setup(s);
    using _ = x.d;
    const edit: InboundUpdate = {
      kind: "edit",
      targetId: "IN2",
      fromMe: false,
      body: "hola, buen día",
      timestampSec: 1,
    };
    await x.lifecycle.applyUpdate(x.conn.id, edit);
    await x.lifecycle.applyUpdate(x.conn.id, edit);
    expect(await x.row(x.inbound2.pk)).toMatchObject({ body: "hola, buen día", previousBody: "hola?" });
    // IN2 is the ticket's newest inbound but not its newest message (ours is): the preview stays.
    expect((await x.ticketRow()).lastMessage).toBe("hola?");
    // We did not write IN1: our own device cannot delete it for everyone in a one-to-one chat.
    await x.lifecycle.applyUpdate(x.conn.id, {
      kind: "revoke",
      targetId: "IN1",
      fromMe: true,
      timestampSec: 1,
    });
    expect((await x.row(x.inbound1.pk)).isDeleted).toBe(false);
    await x.lifecycle.applyUpdate(x.conn.id, {
      kind: "revoke",
      targetId: "IN1",
      fromMe: false,
      timestampSec: 1,
    });
    await x.lifecycle.applyUpdate(x.conn.id, {
      kind: "revoke",
      targetId: "NOPE",
      fromMe: false,
      timestampSec: 1,
    });
    expect((await x.row(x.inbound1.pk)).isDeleted).toBe(true);
    expect((await x.eventsOf("message_updated")).map((e) => e.messageId)).toEqual(["IN2"]);
    expect((await x.eventsOf("message_deleted")).map((e) => e.messageId)).toEqual(["IN1"]);
    expect(x.fake.calls).toEqual([]);
  });

  test("read receipts when an agent opens the ticket; typing; the history import skips stored and old messages", async () => {
    await using s = await openTestStore(dialect);
    const x = await setup(s, { historyImportDays: 1 });
    using _ = x.d;
    expect(await x.lifecycle.sendReadReceipts(x.ticket.id, 5)).toBe(2);
    expect(x.fake.calls).toEqual([["read", NUMBER, ["IN2", "IN1"]]]);
    await x.lifecycle.typing(x.ticket.id, "composing");
    expect(x.fake.calls[1]).toEqual(["presence", NUMBER, "composing"]);
    await expect(x.lifecycle.typing(x.ticket.id + 99, "paused")).rejects.toMatchObject({
      code: "ERR_TICKET_NOT_FOUND",
    });
    expect(await x.lifecycle.sendReadReceipts(x.ticket.id + 99, 5)).toBe(0);

    const inbound = (id: string, timestampSec: number): InboundMessage => ({
      id,
      from: NUMBER,
      fromMe: false,
      pushName: "María",
      body: id,
      mediaType: "chat",
      media: null,
      quotedMsgId: null,
      timestampSec,
    });
    const nowSec = Math.floor((T0 + 60_000) / 1000);
    // Already stored (IN1, ours) or older than the window: nothing is imported and nothing changes.
    const imported = await x.lifecycle.importHistory(x.conn.id, [
      inbound("IN1", nowSec - 60),
      inbound(x.ours.id, nowSec - 58),
      inbound("OLD", nowSec - 2 * 86_400),
    ]);
    expect(imported).toBe(0);
    const count = await s.store.read((q) => q.select().from(s.store.t.messages));
    expect(count.map((m) => m.id).sort()).toEqual(["3EB0OURS00000000000001", "IN1", "IN2"]);
    expect((await x.row(x.inbound1.pk)).body).toBe("hola");
  });
});
