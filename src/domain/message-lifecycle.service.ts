import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { lifecycleSql, type ReactionRow } from "../db/sql/lifecycle";
import type { Query } from "../db/store";
import { preparedQuery } from "../db/store/prepared";
import { AppError } from "../errors";
import type { InboundMessage, InboundUpdate, MessageRef } from "../whatsapp/gateway";
import type { ConnectionService } from "./connection.service";
import { type Contact, contactRef } from "./contact.service";
import type { DomainDeps } from "./deps";
import { chatAddress, type MessageRow, type MessageService } from "./message.service";
import type { TicketService, TicketStatus } from "./ticket.service";

/** WhatsApp lets the author edit a message for about 15 minutes. */
export const EDIT_WINDOW_MS = 15 * 60_000;
/** … and delete it for everyone for about two days. */
export const REVOKE_WINDOW_MS = 48 * 3_600_000;

export type Reaction = {
  emoji: string;
  fromMe: boolean;
  /** Digits of who reacted; null for our own number. */
  number: string | null;
  name: string | null;
  timestamp: number;
};

const ME = "me";

/** Counts user-perceived characters: a reaction is one emoji (flags and skin tones included) or nothing. */
const graphemes = (s: string) =>
  [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(s)].length;

/**
 * What happens to a message after it was delivered: edits, deletes for everyone and reactions, both from
 * WhatsApp and asked for through the API; read receipts and typing presence; the history import at first
 * link. Every change is applied once: a replay of the same change finds nothing to do and emits nothing.
 */
export function createMessageLifecycleService(
  deps: DomainDeps,
  messagesSvc: MessageService,
  ticketsSvc: TicketService,
  connectionsSvc: ConnectionService,
) {
  const { store, events, clock, logger } = deps;
  const { bridge } = messagesSvc;
  const { contacts, messageReactions, messages, tickets } = store.t;
  const sqlq = lifecycleSql[store.dialect];
  const log = logger.child({ module: "message-lifecycle" });
  const ph = (name: string) => sql.placeholder(name);

  const contactOfTicket = preparedQuery<{ ticketId: number }, { contact: Contact }[]>((q) =>
    q
      .select({ contact: contacts })
      .from(tickets)
      .innerJoin(contacts, eq(contacts.id, tickets.contactId))
      .where(eq(tickets.id, ph("ticketId"))),
  );
  const ticketContact = async (q: Query, ticketId: number): Promise<Contact> =>
    (await contactOfTicket(q, { ticketId }))[0]!.contact;

  /** A queued, sending or failed message is not on WhatsApp (yet): nothing there to edit or react to. */
  const notSentYet = (m: MessageRow) => {
    if (m.status !== "sent")
      throw new AppError("ERR_MESSAGE_NOT_SENT", `The message is ${m.status}, not on WhatsApp yet`);
  };

  const ref = (m: MessageRow): MessageRef => ({
    id: m.id,
    fromMe: m.fromMe,
    remoteKey: m.remoteKey,
    participant: m.participant,
  });

  /** When the edited message is the ticket's newest, the ticket's preview follows the edit. */
  async function refreshPreview(q: Query, m: MessageRow, label: string) {
    const [newest] = await q
      .select({ pk: messages.pk })
      .from(messages)
      .where(eq(messages.ticketId, m.ticketId))
      .orderBy(desc(messages.createdAt), desc(messages.pk))
      .limit(1);
    if (newest?.pk === m.pk)
      await q.update(tickets).set({ lastMessage: label }).where(eq(tickets.id, m.ticketId));
  }

  async function applyEdit(q: Query, m: MessageRow, body: string): Promise<void> {
    if (m.isDeleted || m.body === body) return;
    const at = new Date(clock());
    await q
      .update(messages)
      .set({ previousBody: m.body, body, isEdited: true, editedAt: at, updatedAt: at })
      .where(eq(messages.pk, m.pk));
    if (m.mediaType === "chat") await refreshPreview(q, m, body);
    await events.emitIn(q, "message_updated", m.connectionId, {
      messageId: m.id,
      ticketId: m.ticketId,
      body,
      previousBody: m.body,
      isEdited: true,
      editedAt: at.toISOString(),
      fromMe: m.fromMe,
      contact: contactRef(await ticketContact(q, m.ticketId)),
    });
  }

  async function applyRevoke(q: Query, m: MessageRow): Promise<void> {
    if (m.isDeleted) return;
    const at = new Date(clock());
    await q
      .update(messages)
      .set({ isDeleted: true, deletedAt: at, updatedAt: at })
      .where(eq(messages.pk, m.pk));
    await events.emitIn(q, "message_deleted", m.connectionId, {
      messageId: m.id,
      ticketId: m.ticketId,
      body: m.body,
      fromMe: m.fromMe,
      isDeleted: true,
      deletedAt: at.toISOString(),
      contact: contactRef(await ticketContact(q, m.ticketId)),
    });
  }

  async function applyReaction(
    q: Query,
    m: MessageRow,
    r: { reactor: string; fromMe: boolean; name: string | null; emoji: string; timestampSec: number },
  ): Promise<boolean> {
    const where = and(eq(messageReactions.messagePk, m.pk), eq(messageReactions.reactor, r.reactor));
    const [existing] = await q.select().from(messageReactions).where(where);
    if (r.emoji === "") {
      if (!existing) return false;
      await q.delete(messageReactions).where(where);
    } else {
      if (existing?.emoji === r.emoji) return false;
      await q
        .insert(messageReactions)
        .values({
          messagePk: m.pk,
          reactor: r.reactor,
          fromMe: r.fromMe,
          name: r.name,
          emoji: r.emoji,
          timestamp: r.timestampSec,
        })
        .onConflictDoUpdate({
          target: [messageReactions.messagePk, messageReactions.reactor],
          set: { emoji: r.emoji, name: r.name, timestamp: r.timestampSec },
        });
    }
    await q
      .update(messages)
      .set({ updatedAt: new Date(clock()) })
      .where(eq(messages.pk, m.pk));
    await events.emitIn(q, "message_reaction", m.connectionId, {
      messageId: m.id,
      ticketId: m.ticketId,
      emoji: r.emoji,
      removed: r.emoji === "",
      fromMe: r.fromMe,
      reactor: { number: r.fromMe ? null : r.reactor, name: r.name },
      timestamp: r.timestampSec,
      contact: contactRef(await ticketContact(q, m.ticketId)),
    });
    return true;
  }

  /** The message the API addresses, with its live gateway and chat. */
  async function target(messageId: string) {
    const { m, contact } = await store.read(async (q) => {
      const m = await bridge.newestIn(q, messageId);
      if (!m) throw new AppError("ERR_MESSAGE_NOT_FOUND", "Message not found");
      return { m, contact: await ticketContact(q, m.ticketId) };
    });
    // A system line (a transfer) is a note of ours, not a WhatsApp message: nothing to edit, delete or react to.
    if (m.isSystem) throw new AppError("ERR_MESSAGE_NOT_EDITABLE", "A system line is not a WhatsApp message");
    const connection = await connectionsSvc.get(m.connectionId);
    return { m, connection, contact, to: chatAddress(contact) };
  }

  /**
   * Applies a change to message `pk` in one write, on the row as it is in that transaction (a concurrent change
   * committed since the caller read it is seen, so a replay finds nothing to do).
   */
  const changeStored = (pk: number, apply: (q: Query, m: MessageRow) => Promise<unknown>) =>
    store.write(async (q) => {
      const m = await bridge.byPkIn(q, pk);
      if (m) await apply(q, m);
    });

  const ticketById = preparedQuery<{ id: number }, (typeof tickets.$inferSelect)[]>((q) =>
    q
      .select()
      .from(tickets)
      .where(eq(tickets.id, ph("id"))),
  );

  /** Read receipts for the newest `count` received messages of a ticket. */
  async function sendReadReceipts(ticketId: number, count: number): Promise<number> {
    const [ticket] = await store.read((q) => ticketById(q, { id: ticketId }));
    if (!ticket) return 0;
    const connection = await connectionsSvc.find(ticket.connectionId);
    const gw = deps.sessions.get(ticket.connectionId);
    if (!connection?.sendReadReceipts || gw?.status() !== "CONNECTED") return 0;
    const { unread, contact } = await store.read(async (q) => ({
      unread: await q
        .select()
        .from(messages)
        .where(
          and(eq(messages.ticketId, ticketId), eq(messages.fromMe, false), eq(messages.isImported, false)),
        )
        .orderBy(desc(messages.createdAt), desc(messages.pk))
        .limit(Math.min(count, 100)),
      contact: await ticketContact(q, ticketId),
    }));
    if (unread.length === 0) return 0;
    await gw.markRead(chatAddress(contact), unread.map(ref));
    return unread.length;
  }

  /** Reactions of a page of messages, by message row key. */
  async function reactionsOf(pks: number[]): Promise<Map<number, Reaction[]>> {
    if (pks.length === 0) return new Map();
    return byMessage(await store.read((q) => sqlq.reactionsOf(q, pks)));
  }

  function byMessage(found: ReactionRow[]): Map<number, Reaction[]> {
    const out = new Map<number, Reaction[]>();
    // A page's few reactions are ordered here rather than by a sort in the database.
    const rows = found.sort((a, b) => a.timestamp - b.timestamp);
    for (const r of rows) {
      const list = out.get(r.messagePk) ?? [];
      const fromMe = r.fromMe === 1;
      list.push({
        emoji: r.emoji,
        fromMe,
        number: fromMe ? null : r.reactor,
        name: r.name,
        timestamp: r.timestamp,
      });
      out.set(r.messagePk, list);
    }
    return out;
  }

  const reload = async (pk: number) => (await store.read((q) => bridge.byPkIn(q, pk)))!;

  const senderOf = preparedQuery<{ id: number }, { id: number; name: string; number: string }[]>((q) =>
    q
      .select({ id: contacts.id, name: contacts.name, number: contacts.number })
      .from(contacts)
      .where(eq(contacts.id, ph("id"))),
  );

  return {
    /** An edit, delete or reaction reported by WhatsApp; changes to unknown messages are dropped. */
    async applyUpdate(connectionId: number, u: InboundUpdate): Promise<void> {
      const found = await store.write(async (q) => {
        const m = await bridge.findByWaIdIn(q, connectionId, u.targetId);
        if (!m) return false;
        // Only the author edits or deletes a message (group admins may delete others' messages too).
        const contact = await ticketContact(q, m.ticketId);
        if (u.kind === "edit") {
          if (u.fromMe === m.fromMe) await applyEdit(q, m, u.body);
        } else if (u.kind === "revoke") {
          if (u.fromMe === m.fromMe || contact.isGroup) await applyRevoke(q, m);
        } else {
          const reactor = u.fromMe ? ME : (u.reactor ?? (contact.isGroup ? null : contact.number));
          if (!reactor) return true;
          const name = u.fromMe ? null : (u.reactorName ?? (contact.isGroup ? null : contact.name));
          await applyReaction(q, m, {
            reactor,
            fromMe: u.fromMe,
            name,
            emoji: u.emoji,
            timestampSec: u.timestampSec,
          });
        }
        return true;
      });
      if (!found)
        log.debug(
          { connectionId, kind: u.kind, targetId: u.targetId },
          "update for a message we do not have",
        );
    },

    /** PUT /messages/:id — edits the text of a message we sent, within WhatsApp's window. */
    async edit(messageId: string, body: string): Promise<MessageRow> {
      const { m, connection, to } = await target(messageId);
      if (!m.fromMe)
        throw new AppError("ERR_MESSAGE_NOT_OURS", "Only messages sent from this number can be edited");
      if (m.isDeleted) throw new AppError("ERR_MESSAGE_DELETED", "The message was deleted");
      notSentYet(m);
      if (m.mediaType !== "chat")
        throw new AppError("ERR_MESSAGE_NOT_EDITABLE", "Only text messages can be edited");
      if (clock() - m.timestamp * 1000 > EDIT_WINDOW_MS)
        throw new AppError(
          "ERR_EDIT_WINDOW_EXPIRED",
          "WhatsApp only allows editing a message within 15 minutes of sending it",
        );
      if (m.body === body) return m;
      const gw = connectionsSvc.requireConnected(connection);
      await gw.editText(to, ref(m), body);
      await changeStored(m.pk, (q, fresh) => applyEdit(q, fresh, body));
      return reload(m.pk);
    },

    /** DELETE /messages/:id — deletes a message we sent, for everyone. Deleting twice is not an error. */
    async revoke(messageId: string): Promise<MessageRow> {
      const { m, connection, to } = await target(messageId);
      if (!m.fromMe)
        throw new AppError(
          "ERR_MESSAGE_NOT_OURS",
          "Only messages sent from this number can be deleted for everyone",
        );
      if (m.isDeleted) return m;
      notSentYet(m);
      if (clock() - m.timestamp * 1000 > REVOKE_WINDOW_MS)
        throw new AppError(
          "ERR_DELETE_WINDOW_EXPIRED",
          "WhatsApp only allows deleting a message for everyone within two days of sending it",
        );
      const gw = connectionsSvc.requireConnected(connection);
      await gw.revoke(to, ref(m));
      await changeStored(m.pk, applyRevoke);
      return reload(m.pk);
    },

    /** POST /messages/:id/reactions — our reaction; an empty emoji removes it. */
    async react(messageId: string, emoji: string): Promise<MessageRow> {
      if (emoji !== "" && graphemes(emoji) !== 1)
        throw new AppError(
          "ERR_VALIDATION",
          "emoji must be a single emoji, or empty to remove the reaction",
          [{ path: "emoji", message: "One emoji, or an empty string" }],
        );
      const { m, connection, to } = await target(messageId);
      if (m.isDeleted) throw new AppError("ERR_MESSAGE_DELETED", "The message was deleted");
      notSentYet(m);
      const gw = connectionsSvc.requireConnected(connection);
      await gw.react(to, ref(m), emoji);
      await changeStored(m.pk, (q, fresh) =>
        applyReaction(q, fresh, {
          reactor: ME,
          fromMe: true,
          name: null,
          emoji,
          timestampSec: Math.floor(clock() / 1000),
        }),
      );
      return reload(m.pk);
    },

    /** A message as the API shows it: with its sender (inbound) and its reactions. */
    async view(m: MessageRow) {
      const contact = m.contactId
        ? ((await store.read((q) => senderOf(q, { id: m.contactId! })))[0] ?? null)
        : null;
      return { message: m, contact, reactions: (await reactionsOf([m.pk])).get(m.pk) ?? [] };
    },

    reactionsOf,

    /**
     * PUT /tickets/:id. Opening a ticket with unread messages marks it read; WhatsApp is told too (blue
     * ticks on the customer's phone) when the connection sends read receipts. The receipt is best effort:
     * the update never waits for WhatsApp nor fails because of it.
     */
    async updateTicket(
      ticketId: number,
      input: {
        status?: TicketStatus;
        userId?: number | null;
        queueId?: number | null;
        tagIds?: number[];
        acceptedBy?: number;
      },
    ) {
      const [before] = await store.read((q) => ticketById(q, { id: ticketId }));
      const view = await ticketsSvc.updateById(ticketId, input);
      if (before && before.unreadMessages > 0) {
        sendReadReceipts(ticketId, before.unreadMessages).catch((err) =>
          log.warn({ err, ticketId }, "sending read receipts failed"),
        );
      }
      return view;
    },

    sendReadReceipts,

    /** POST /tickets/:id/typing — "typing…" in the customer's chat while an agent writes. */
    async typing(ticketId: number, state: "composing" | "paused"): Promise<void> {
      const found = await store.read(async (q) => {
        const [ticket] = await ticketById(q, { id: ticketId });
        return ticket && { ticket, contact: await ticketContact(q, ticketId) };
      });
      if (!found) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
      const gw = connectionsSvc.requireConnected(await connectionsSvc.get(found.ticket.connectionId));
      await gw.sendPresence(chatAddress(found.contact), state);
    },

    /**
     * Recent history WhatsApp sends at first link, when the connection asks for it: messages of the last
     * `historyImportDays` days go into the contact's newest ticket or a new closed one, marked imported,
     * without events. Messages already stored are skipped. Returns how many were imported.
     */
    async importHistory(connectionId: number, msgs: InboundMessage[]): Promise<number> {
      const days = (await connectionsSvc.find(connectionId))?.historyImportDays ?? 0;
      if (days <= 0) return 0;
      const since = Math.floor(clock() / 1000) - days * 86_400;
      let imported = 0;
      const inWindow = msgs.filter((m) => m.timestampSec >= since);
      // Messages already stored are skipped here, in one read per 500, rather than by a transaction each.
      const stored = new Set<string>();
      await store.read(async (q) => {
        for (let i = 0; i < inWindow.length; i += 500) {
          const ids = inWindow.slice(i, i + 500).map((m) => m.id);
          const rows = await q
            .select({ id: messages.id })
            .from(messages)
            .where(and(eq(messages.connectionId, connectionId), inArray(messages.id, ids)));
          for (const r of rows) stored.add(r.id);
        }
      });
      const recent = inWindow
        .filter((m) => !stored.has(m.id))
        .sort((a, b) => a.timestampSec - b.timestampSec);
      for (const m of recent) {
        try {
          const r = await messagesSvc.receive(connectionId, m, { imported: true });
          if (r && !r.duplicate) imported++;
        } catch (err) {
          log.warn({ err, connectionId, messageId: m.id }, "importing a history message failed");
        }
      }
      if (imported > 0) log.info({ connectionId, imported, days }, "imported recent history");
      return imported;
    },
  };
}

export type MessageLifecycleService = ReturnType<typeof createMessageLifecycleService>;
