import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { quickAnswers } from "../db/schema";
import { AppError } from "../errors";

export type QuickAnswer = typeof quickAnswers.$inferSelect;
export type QuickAnswerInput = { shortcut: string; message: string; mediaUrl?: string | null };

/**
 * Canned replies. Shortcuts are stored in lower case, so `/Gracias` and `/gracias` are one shortcut and the
 * panel's `/` autocomplete is case-insensitive. Using one sends `message` (and `mediaUrl`, when set) through
 * the normal send routes: nothing here talks to WhatsApp.
 */
export function createQuickAnswerService(db: Db, clock: () => number) {
  const get = (id: number): QuickAnswer => {
    const row = db.select().from(quickAnswers).where(eq(quickAnswers.id, id)).get();
    if (!row) throw new AppError("ERR_QUICK_ANSWER_NOT_FOUND", "Quick answer not found");
    return row;
  };

  const taken = (shortcut: string, exceptId?: number) => {
    const row = db
      .select({ id: quickAnswers.id })
      .from(quickAnswers)
      .where(eq(quickAnswers.shortcut, shortcut))
      .get();
    if (row && row.id !== exceptId)
      throw new AppError("ERR_CONFLICT", `A quick answer with the shortcut "${shortcut}" already exists`);
  };

  return {
    get,

    /** By shortcut; `search` is a prefix of the shortcut (any case), for the `/` autocomplete. */
    list(filter: { search?: string }): QuickAnswer[] {
      const prefix = filter.search?.toLowerCase();
      return db
        .select()
        .from(quickAnswers)
        .where(prefix ? sql`substr(${quickAnswers.shortcut}, 1, length(${prefix})) = ${prefix}` : undefined)
        .orderBy(asc(quickAnswers.shortcut))
        .all();
    },

    create(input: QuickAnswerInput): QuickAnswer {
      const shortcut = input.shortcut.toLowerCase();
      // Checked first for a clear message; the unique index still guards against a concurrent twin.
      taken(shortcut);
      const now = new Date(clock());
      return db
        .insert(quickAnswers)
        .values({
          shortcut,
          message: input.message,
          mediaUrl: input.mediaUrl ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .get();
    },

    update(id: number, input: Partial<QuickAnswerInput>): QuickAnswer {
      const current = get(id);
      const shortcut = input.shortcut?.toLowerCase();
      if (shortcut !== undefined && shortcut !== current.shortcut) taken(shortcut, id);
      return db
        .update(quickAnswers)
        .set({
          shortcut: shortcut ?? current.shortcut,
          message: input.message ?? current.message,
          mediaUrl: input.mediaUrl === undefined ? current.mediaUrl : input.mediaUrl,
          updatedAt: new Date(clock()),
        })
        .where(eq(quickAnswers.id, id))
        .returning()
        .get()!;
    },

    remove(id: number): void {
      get(id);
      db.delete(quickAnswers).where(eq(quickAnswers.id, id)).run();
    },
  };
}

export type QuickAnswerService = ReturnType<typeof createQuickAnswerService>;
