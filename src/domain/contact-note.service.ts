import { and, desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { contactNotes, users } from "../db/schema";
import { AppError } from "../errors";
import type { ContactService } from "./contact.service";

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
export function createContactNoteService(db: Db, contactsSvc: ContactService, clock: () => number) {
  const select = () =>
    db
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

  type Row = Awaited<ReturnType<ReturnType<typeof select>["all"]>>[number];
  const view = (r: Row): ContactNoteView => ({
    id: r.id,
    contactId: r.contactId,
    body: r.body,
    userId: r.userId,
    user: r.userId !== null && r.userName !== null ? { id: r.userId, name: r.userName } : null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  });

  const find = (contactId: number, noteId: number) => {
    const row = select()
      .where(and(eq(contactNotes.contactId, contactId), eq(contactNotes.id, noteId)))
      .get();
    if (!row) throw new AppError("ERR_NOTE_NOT_FOUND", "Note not found");
    return row;
  };

  const assertUser = (userId: number | null | undefined) => {
    if (userId != null && !db.select({ id: users.id }).from(users).where(eq(users.id, userId)).get())
      throw new AppError("ERR_USER_NOT_FOUND", `User #${userId} not found`);
  };

  return {
    list(number: string): ContactNoteView[] {
      const contact = contactsSvc.getByNumber(number);
      return select()
        .where(eq(contactNotes.contactId, contact.id))
        .orderBy(desc(contactNotes.id))
        .all()
        .map(view);
    },

    add(number: string, input: { body: string; userId?: number | null }): ContactNoteView {
      const contact = contactsSvc.getByNumber(number);
      assertUser(input.userId);
      const now = new Date(clock());
      const { id } = db
        .insert(contactNotes)
        .values({
          contactId: contact.id,
          userId: input.userId ?? null,
          body: input.body,
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: contactNotes.id })
        .get();
      return view(find(contact.id, id));
    },

    edit(number: string, noteId: number, input: { body: string }): ContactNoteView {
      const contact = contactsSvc.getByNumber(number);
      find(contact.id, noteId);
      db.update(contactNotes)
        .set({ body: input.body, updatedAt: new Date(clock()) })
        .where(eq(contactNotes.id, noteId))
        .run();
      return view(find(contact.id, noteId));
    },

    remove(number: string, noteId: number): void {
      const contact = contactsSvc.getByNumber(number);
      find(contact.id, noteId);
      db.delete(contactNotes).where(eq(contactNotes.id, noteId)).run();
    },
  };
}

export type ContactNoteService = ReturnType<typeof createContactNoteService>;
