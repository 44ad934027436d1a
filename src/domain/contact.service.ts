import { eq, sql } from "drizzle-orm";
import type { Tx } from "../db/client";
import { contacts } from "../db/schema";
import { AppError } from "../errors";
import type { DomainDeps } from "./deps";
import { normalizeNumber } from "./numbers";

export type Contact = typeof contacts.$inferSelect;

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

export function createContactService(deps: DomainDeps) {
  const { events, clock } = deps;

  // Prepared once; it runs on the shared connection, so inside a transaction it is part of it.
  const byNumber = deps.db
    .select()
    .from(contacts)
    .where(eq(contacts.number, sql.placeholder("number")))
    .prepare();

  function findByNumber(number: string): Contact | undefined {
    return byNumber.get({ number });
  }

  /** Creates or updates a contact inside the caller's transaction; emits contact_created / contact_updated. */
  function upsert(
    tx: Tx,
    input: ContactUpsert,
    connectionId: number | null,
  ): { contact: Contact; created: boolean } {
    const now = new Date(clock());
    const existing = findByNumber(input.number);
    if (!existing) {
      const contact = tx
        .insert(contacts)
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
        .returning()
        .get();
      events.emit(tx, "contact_created", connectionId, contactEventData(contact));
      return { contact, created: true };
    }
    const patch: Partial<Contact> = {};
    const name = input.name?.trim();
    if (input.overwriteName && name && name !== existing.name) patch.name = name;
    if (input.email !== undefined && input.email !== null && input.email !== existing.email)
      patch.email = input.email;
    if (input.profilePicUrl !== undefined && input.profilePicUrl !== existing.profilePicUrl)
      patch.profilePicUrl = input.profilePicUrl;
    if (input.lid && input.lid !== existing.lid) patch.lid = input.lid;
    if (Object.keys(patch).length === 0) return { contact: existing, created: false };
    const contact = tx
      .update(contacts)
      .set({ ...patch, updatedAt: now })
      .where(eq(contacts.id, existing.id))
      .returning()
      .get()!;
    events.emit(tx, "contact_updated", connectionId, contactEventData(contact));
    return { contact, created: false };
  }

  return {
    findByNumber,
    numberForLid(lid: string): string | undefined {
      return deps.db.select({ number: contacts.number }).from(contacts).where(eq(contacts.lid, lid)).get()
        ?.number;
    },
    upsert,
    getByNumber(numberInput: string): Contact {
      const contact = findByNumber(normalizeNumber(numberInput));
      if (!contact) throw new AppError("ERR_CONTACT_NOT_FOUND", "Contact not found");
      return contact;
    },
  };
}

export type ContactService = ReturnType<typeof createContactService>;
