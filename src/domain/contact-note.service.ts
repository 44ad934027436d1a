import { and, desc, eq } from "drizzle-orm";
import type { Query, Store } from "../db/store";
import { AppError } from "../errors";
import { normalizeNumber } from "./numbers";

export type ContactNoteView = {
  id: number;
  contactId: number;
  body: string;
  userId: number | null;
  user: { id: number; name: string } | null;
  createdAt: Date;
  updatedAt: Date;
};

/** Internal notes about a contact, newest first, each with its author; never sent to the customer. */
export function createContactNoteService(store: Store, clock: () => number) {
  const { contactNotes, contacts, users } = store.t;

  const select = (q: Query) =>
    q
      .select({
        id: contactNotes.id,
        contactId: contactNotes.contactId,
        body: contactNotes.body,
        userId: contactNotes.userId,
        userName: users.name,
        createdAt: contactNotes.createdAt,
        updatedAt: contactNotes.updatedAt,
      })
      .from(contactNotes)
      .leftJoin(users, eq(users.id, contactNotes.userId));

  type Row = Awaited<ReturnType<typeof select>>[number];
  const view = (r: Row): ContactNoteView => ({
    id: r.id,
    contactId: r.contactId,
    body: r.body,
    userId: r.userId,
    user: r.userId !== null && r.userName !== null ? { id: r.userId, name: r.userName } : null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  });

  /** The contact's id by its number (any accepted spelling), as ContactService.getByNumber finds it. */
  const contactIdOf = async (q: Query, number: string): Promise<number> => {
    const [row] = await q
      .select({ id: contacts.id })
      .from(contacts)
      .where(eq(contacts.number, normalizeNumber(number)));
    if (!row) throw new AppError("ERR_CONTACT_NOT_FOUND", "Contact not found");
    return row.id;
  };

  const find = async (q: Query, contactId: number, noteId: number): Promise<Row> => {
    const [row] = await select(q).where(
      and(eq(contactNotes.contactId, contactId), eq(contactNotes.id, noteId)),
    );
    if (!row) throw new AppError("ERR_NOTE_NOT_FOUND", "Note not found");
    return row;
  };

  const assertUser = async (q: Query, userId: number | null | undefined) => {
    if (userId == null) return;
    const [row] = await q.select({ id: users.id }).from(users).where(eq(users.id, userId));
    if (!row) throw new AppError("ERR_USER_NOT_FOUND", `User #${userId} not found`);
  };

  return {
    list(number: string): Promise<ContactNoteView[]> {
      return store.read(async (q) => {
        const contactId = await contactIdOf(q, number);
        const rows = await select(q)
          .where(eq(contactNotes.contactId, contactId))
          .orderBy(desc(contactNotes.id));
        return rows.map(view);
      });
    },

    add(number: string, input: { body: string; userId?: number | null }): Promise<ContactNoteView> {
      return store.write(async (q) => {
        const contactId = await contactIdOf(q, number);
        await assertUser(q, input.userId);
        const now = new Date(clock());
        const [row] = await q
          .insert(contactNotes)
          .values({
            contactId,
            userId: input.userId ?? null,
            body: input.body,
            createdAt: now,
            updatedAt: now,
          })
          .returning({ id: contactNotes.id });
        return view(await find(q, contactId, row!.id));
      });
    },

    edit(number: string, noteId: number, input: { body: string }): Promise<ContactNoteView> {
      return store.write(async (q) => {
        const contactId = await contactIdOf(q, number);
        await find(q, contactId, noteId);
        await q
          .update(contactNotes)
          .set({ body: input.body, updatedAt: new Date(clock()) })
          .where(eq(contactNotes.id, noteId));
        return view(await find(q, contactId, noteId));
      });
    },

    remove(number: string, noteId: number): Promise<void> {
      return store.write(async (q) => {
        const contactId = await contactIdOf(q, number);
        await find(q, contactId, noteId);
        await q.delete(contactNotes).where(eq(contactNotes.id, noteId));
      });
    },
  };
}

export type ContactNoteService = ReturnType<typeof createContactNoteService>;
