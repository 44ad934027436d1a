import { asc, eq, sql } from "drizzle-orm";
import type { quickAnswers } from "../db/schema";
import { type Query, type Store, uniqueViolation } from "../db/store";
import { AppError } from "../errors";

export type QuickAnswer = typeof quickAnswers.$inferSelect;
export type QuickAnswerInput = { shortcut: string; message: string; mediaUrl?: string | null };

/**
 * Canned replies. Shortcuts are stored in lower case, so `/Gracias` and `/gracias` are one shortcut and the
 * panel's `/` autocomplete is case-insensitive. Using one sends `message` (and `mediaUrl`, when set) through
 * the normal send routes: nothing here talks to WhatsApp.
 */
export function createQuickAnswerService(store: Store, clock: () => number) {
  const { quickAnswers: qa } = store.t;
  const notFound = () => new AppError("ERR_QUICK_ANSWER_NOT_FOUND", "Quick answer not found");
  const conflict = (shortcut: string) =>
    new AppError("ERR_CONFLICT", `A quick answer with the shortcut "${shortcut}" already exists`);

  const find = async (q: Query, id: number): Promise<QuickAnswer> => {
    const [row] = await q.select().from(qa).where(eq(qa.id, id));
    if (!row) throw notFound();
    return row;
  };

  const taken = async (q: Query, shortcut: string, exceptId?: number) => {
    const [row] = await q.select({ id: qa.id }).from(qa).where(eq(qa.shortcut, shortcut));
    if (row && row.id !== exceptId) throw conflict(shortcut);
  };

  /** A concurrent twin got past the check: the unique index refuses it with the same answer. */
  const guard = (shortcut: string) => (err: unknown) => {
    throw uniqueViolation(err) === "shortcut" ? conflict(shortcut) : err;
  };

  return {
    get: (id: number): Promise<QuickAnswer> => store.read((q) => find(q, id)),

    /** By shortcut; `search` is a prefix of the shortcut (any case), for the `/` autocomplete. */
    list(filter: { search?: string }): Promise<QuickAnswer[]> {
      const prefix = filter.search?.toLowerCase();
      // Length in characters (code points), as SQLite's and PostgreSQL's substr count them.
      const where = prefix ? sql`substr(${qa.shortcut}, 1, ${[...prefix].length}) = ${prefix}` : undefined;
      return store.read((q) => q.select().from(qa).where(where).orderBy(asc(qa.shortcut)));
    },

    create(input: QuickAnswerInput): Promise<QuickAnswer> {
      const shortcut = input.shortcut.toLowerCase();
      const now = new Date(clock());
      return store
        .write(async (q) => {
          // Checked first for a clear message; the unique index still guards against a concurrent twin.
          await taken(q, shortcut);
          const [row] = await q
            .insert(qa)
            .values({
              shortcut,
              message: input.message,
              mediaUrl: input.mediaUrl ?? null,
              createdAt: now,
              updatedAt: now,
            })
            .returning();
          return row!;
        })
        .catch(guard(shortcut));
    },

    update(id: number, input: Partial<QuickAnswerInput>): Promise<QuickAnswer> {
      const shortcut = input.shortcut?.toLowerCase();
      return store
        .write(async (q) => {
          const current = await find(q, id);
          if (shortcut !== undefined && shortcut !== current.shortcut) await taken(q, shortcut, id);
          const [row] = await q
            .update(qa)
            .set({
              shortcut: shortcut ?? current.shortcut,
              message: input.message ?? current.message,
              mediaUrl: input.mediaUrl === undefined ? current.mediaUrl : input.mediaUrl,
              updatedAt: new Date(clock()),
            })
            .where(eq(qa.id, id))
            .returning();
          return row!;
        })
        .catch(guard(shortcut ?? ""));
    },

    async remove(id: number): Promise<void> {
      const [row] = await store.write((q) => q.delete(qa).where(eq(qa.id, id)).returning({ id: qa.id }));
      if (!row) throw notFound();
    },
  };
}

export type QuickAnswerService = ReturnType<typeof createQuickAnswerService>;
