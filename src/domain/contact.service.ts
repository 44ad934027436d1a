import { and, count, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { contacts } from "../db/schema";
import { type ContactKey, contactSql } from "../db/sql/contacts";
import type { Query } from "../db/store";
import { preparedQuery } from "../db/store/prepared";
import { ONE_SNAPSHOT } from "../db/store/store";
import { AppError } from "../errors";
import type { ConnectionService } from "./connection.service";
import type { DomainDeps } from "./deps";
import { normalizeNumber } from "./numbers";
import { type PageAt, takePage } from "./paging";

export type Contact = typeof contacts.$inferSelect;
export type { ContactKey } from "../db/sql/contacts";

export const contactRef = (c: Contact) => ({ id: c.id, name: c.name, number: c.number });

export const contactEventData = (c: Contact) => ({
  id: c.id,
  name: c.name,
  number: c.number,
  email: c.email,
  profilePicUrl: c.profilePicUrl,
  isGroup: c.isGroup,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

export type ContactUpsert = {
  number: string;
  /** Set on create; on update only when `overwriteName` (an explicit API update), never from a push name. */
  name?: string | null;
  email?: string | null;
  profilePicUrl?: string | null;
  lid?: string | null;
  /** A WhatsApp group (number holds the group id); set on create only. */
  isGroup?: boolean;
  overwriteName?: boolean;
};

/** Rows per delete transaction when a contact is purged: the write lock is held for one batch at a time. */
const PURGE_BATCH = 500;

export type ContactRemoval = { tickets: number; messages: number; mediaFiles: number };

export function createContactService(deps: DomainDeps, connectionsSvc: ConnectionService) {
  const { events, clock } = deps;
  const { store } = deps;
  const stmts = contactSql[store.dialect];

  /**
   * Erases a contact with its tickets, their messages, reactions and media files. Messages go in batches
   * (each its own `store.write`, the event loop free between them), then whatever arrived meanwhile goes
   * with the tickets and the contact in one last transaction. Files are deleted after it commits.
   */
  async function purge(contact: Contact): Promise<ContactRemoval> {
    const { contacts, messages: messageTable, tickets: ticketTable } = store.t;
    let messages = 0;
    const files: string[] = [];
    const ticketIds = (
      await store.read((q) =>
        q.select({ id: ticketTable.id }).from(ticketTable).where(eq(ticketTable.contactId, contact.id)),
      )
    ).map((r) => r.id);
    for (const ticketId of ticketIds) {
      for (;;) {
        // Reactions go with their message (ON DELETE CASCADE).
        const batch = await store.write(async (q) => {
          const rows = await q
            .select({ pk: messageTable.pk, file: messageTable.mediaFile })
            .from(messageTable)
            .where(eq(messageTable.ticketId, ticketId))
            .limit(PURGE_BATCH);
          if (rows.length > 0)
            await q.delete(messageTable).where(
              inArray(
                messageTable.pk,
                rows.map((r) => r.pk),
              ),
            );
          return rows;
        });
        if (batch.length === 0) break;
        messages += batch.length;
        for (const row of batch) if (row.file) files.push(row.file);
      }
    }
    const tickets = await store.write(async (q) => {
      const current = await q
        .select({ id: ticketTable.id })
        .from(ticketTable)
        .where(eq(ticketTable.contactId, contact.id));
      if (current.length > 0) {
        const left = await q
          .select({ file: messageTable.mediaFile })
          .from(messageTable)
          .where(
            and(
              inArray(
                messageTable.ticketId,
                current.map((r) => r.id),
              ),
              isNotNull(messageTable.mediaFile),
            ),
          );
        for (const row of left) files.push(row.file!);
      }
      // Cascades to what is left of their messages and to ticket_tags; triggers keep ticket_counts exact.
      const deleted = await q
        .delete(ticketTable)
        .where(eq(ticketTable.contactId, contact.id))
        .returning({ id: ticketTable.id });
      await q.delete(contacts).where(eq(contacts.id, contact.id));
      return deleted.length;
    });
    let mediaFiles = 0;
    for (const file of files) {
      try {
        if (await deps.media.remove(file)) mediaFiles++;
      } catch (err) {
        deps.logger.warn({ err, file }, "deleting a purged contact's media file failed; it stays on disk");
      }
    }
    return { tickets, messages, mediaFiles };
  }

  /** The changes an upsert makes to an existing contact (empty: none). */
  function patchOf(existing: Contact, input: ContactUpsert): Partial<Contact> {
    const patch: Partial<Contact> = {};
    const name = input.name?.trim();
    if (input.overwriteName && name && name !== existing.name) patch.name = name;
    if (input.email !== undefined && input.email !== null && input.email !== existing.email)
      patch.email = input.email;
    if (input.profilePicUrl !== undefined && input.profilePicUrl !== existing.profilePicUrl)
      patch.profilePicUrl = input.profilePicUrl;
    if (input.lid && input.lid !== existing.lid) patch.lid = input.lid;
    return patch;
  }

  /**
   * `upsert` in the caller's `store.write`: the lookup and the write in one transaction. The event sink is
   * still synchronous and SQLite's (the writer connection, which on SQLite is the body's `q`).
   */
  // Every inbound message and every send to a number looks its contact up: compiled once per connection.
  const byNumberStmt = preparedQuery<{ number: string }, Contact[]>((q) =>
    q
      .select()
      .from(store.t.contacts)
      .where(eq(store.t.contacts.number, sql.placeholder("number"))),
  );

  async function upsertIn(
    q: Query,
    input: ContactUpsert,
    connectionId: number | null,
  ): Promise<{ contact: Contact; created: boolean }> {
    const { contacts: table } = store.t;
    const now = new Date(clock());
    let existing = await byNumberIn(q, input.number);
    if (!existing) {
      const [contact] = await q
        .insert(table)
        .values({
          number: input.number,
          name: input.name?.trim() || input.number,
          email: input.email ?? "",
          profilePicUrl: input.profilePicUrl ?? null,
          lid: input.lid ?? null,
          isGroup: input.isGroup ?? false,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing({ target: table.number })
        .returning();
      if (contact) {
        await events.emitIn(q, "contact_created", connectionId, contactEventData(contact));
        return { contact, created: true };
      }
      // PostgreSQL: another write (an inbound message and a send for one new number, on any node) inserted it
      // after this one read; the insert waited for its commit. This statement sees it: update that one.
      existing = await byNumberIn(q, input.number);
      if (!existing) throw new Error(`contact ${input.number}: inserted by another write, then gone`);
    }
    const patch = patchOf(existing, input);
    if (Object.keys(patch).length === 0) return { contact: existing, created: false };
    const [contact] = await q
      .update(table)
      .set({ ...patch, updatedAt: now })
      .where(eq(table.id, existing.id))
      .returning();
    await events.emitIn(q, "contact_updated", connectionId, contactEventData(contact!));
    return { contact: contact!, created: false };
  }

  /** The contact of a number (normalized), in the body's query. */
  async function byNumberIn(q: Query, number: string): Promise<Contact | undefined> {
    return (await byNumberStmt(q, { number }))[0];
  }

  /** The contact of a number (normalized), through the store. */
  function byNumberAsync(number: string): Promise<Contact | undefined> {
    return store.read((q) => byNumberIn(q, number));
  }

  return {
    byNumberIn,
    /**
     * A page of contacts by name; `count` is every contact the search matches. `search` matches part of the
     * name or of the number, without regard to case or diacritics ("maria" finds "María"): on SQLite words
     * of three characters or more through the trigram index `contacts_fts`, shorter ones with LIKE; on
     * PostgreSQL through pg_trgm (src/db/sql/contacts.ts).
     */
    async list(filter: { search?: string } & PageAt<ContactKey>) {
      const { contacts: table } = store.t;
      return store.read(async (q) => {
        if (filter.search) {
          const ids = await stmts.searchPage(q, filter.search, filter);
          // Only punctuation: nothing to search for, so nothing is found.
          if (ids === null) return { rows: [], count: 0, hasMore: false };
          const found = ids.length === 0 ? [] : await q.select().from(table).where(inArray(table.id, ids));
          const byId = new Map(found.map((c) => [c.id, c]));
          const rows = ids.map((id) => byId.get(id)).filter((c): c is Contact => c !== undefined);
          return { ...takePage(rows, filter.limit), count: (await stmts.searchCount(q, filter.search)) ?? 0 };
        }
        // The count is the trigger-kept row count.
        return { ...takePage(await stmts.page(q, filter), filter.limit), count: await stmts.count(q) };
      }, ONE_SNAPSHOT);
    },

    /** Asks WhatsApp whether a number is there; 409 when the connection cannot check. */
    async validate(numberInput: string, whatsappId: number | null | undefined) {
      const number = normalizeNumber(numberInput);
      const gw = connectionsSvc.requireConnected(await connectionsSvc.resolve(whatsappId));
      const check = await gw.checkNumber(number);
      const profilePicUrl = check.exists ? await gw.profilePicUrl(check.number).catch(() => null) : null;
      return { valid: check.exists, number: check.number, profilePicUrl };
    },

    /**
     * POST /contacts: creates or updates name and email. The number is checked on WhatsApp when the named
     * connection (which must then be connected) or the default one (when connected) can.
     */
    async save(input: {
      number: string;
      name?: string | null;
      email?: string | null;
      whatsappId?: number | null;
    }) {
      let number = normalizeNumber(input.number);
      let connectionId: number | null = null;
      let profilePicUrl: string | null | undefined;
      const connection =
        input.whatsappId != null
          ? await connectionsSvc.resolve(input.whatsappId)
          : await connectionsSvc.resolve(null).catch(() => null);
      if (connection) {
        connectionId = connection.id;
        const live =
          input.whatsappId != null || connectionsSvc.isConnected(connection.id)
            ? connectionsSvc.requireConnected(connection)
            : null;
        if (live) {
          const check = await live.checkNumber(number);
          if (!check.exists) throw new AppError("ERR_WAPP_INVALID_CONTACT", `${number} is not on WhatsApp`);
          number = check.number;
          profilePicUrl = await live.profilePicUrl(number).catch(() => null);
        }
      }
      return store.write((q) =>
        upsertIn(
          q,
          { number, name: input.name, email: input.email, profilePicUrl, overwriteName: true },
          connectionId,
        ),
      );
    },
    /** The number of the contact known by this LID (WhatsApp's privacy id), if any. */
    async numberForLid(lid: string): Promise<string | undefined> {
      const { contacts: table } = store.t;
      const [row] = await store.read((q) =>
        q.select({ number: table.number }).from(table).where(eq(table.lid, lid)),
      );
      return row?.number;
    },
    upsertIn,

    /**
     * DELETE /contacts/:number. A contact without tickets is deleted; one with tickets only with `purge`,
     * which erases its tickets, messages, reactions and media files too. No event is emitted.
     */
    async remove(numberInput: string, opts: { purge: boolean }): Promise<ContactRemoval> {
      const number = normalizeNumber(numberInput);
      if (opts.purge) {
        const contact = await byNumberAsync(number);
        if (!contact) throw new AppError("ERR_CONTACT_NOT_FOUND", "Contact not found");
        return purge(contact);
      }
      // Without purge: the check and the delete in one transaction (a ticket opened meanwhile refuses it).
      return store.write(async (q) => {
        const { contacts: table, tickets: ticketTable } = store.t;
        const [contact] = await q.select().from(table).where(eq(table.number, number));
        if (!contact) throw new AppError("ERR_CONTACT_NOT_FOUND", "Contact not found");
        const [held] = await q
          .select({ n: count() })
          .from(ticketTable)
          .where(eq(ticketTable.contactId, contact.id));
        const tickets = Number(held?.n ?? 0);
        if (tickets > 0)
          throw new AppError(
            "ERR_CONFLICT",
            `The contact has ${tickets} ticket(s): pass purge=true to erase them with their messages and media`,
          );
        await q.delete(table).where(eq(table.id, contact.id));
        return { tickets: 0, messages: 0, mediaFiles: 0 };
      });
    },
    async getByNumber(numberInput: string): Promise<Contact> {
      const contact = await byNumberAsync(normalizeNumber(numberInput));
      if (!contact) throw new AppError("ERR_CONTACT_NOT_FOUND", "Contact not found");
      return contact;
    },
  };
}

export type ContactService = ReturnType<typeof createContactService>;
