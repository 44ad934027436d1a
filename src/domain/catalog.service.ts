import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { queues, tags } from "../db/schema";
import { AppError, type ErrorCode } from "../errors";
import { type KeyPage, takePage } from "./paging";

/** SQLite reports the violated unique column as `table.column`; name it in the 409 message. */
function conflictField(err: unknown): string | null {
  const msg = err instanceof Error ? err.message : "";
  const m = /UNIQUE constraint failed: \w+\.(\w+)/.exec(msg);
  return m ? (m[1] ?? null) : null;
}

type CatalogTable = typeof queues | typeof tags;

/** Create, read, update and delete for the simple catalogs (queues, tags); users are in account.service. */
function createCatalog<T extends CatalogTable>(db: Db, table: T, notFound: ErrorCode, label: string) {
  type Row = T["$inferSelect"];
  type Insert = T["$inferInsert"];
  const t = table as unknown as typeof queues;

  const guard = <R>(fn: () => R): R => {
    try {
      return fn();
    } catch (err) {
      const field = conflictField(err);
      if (field)
        throw new AppError(
          "ERR_CONFLICT",
          `A ${label} with this ${field === "color" ? "color" : field} already exists`,
        );
      throw err;
    }
  };

  const get = (id: number): Row => {
    const row = db.select().from(t).where(eq(t.id, id)).get();
    if (!row) throw new AppError(notFound, `${label[0]!.toUpperCase()}${label.slice(1)} not found`);
    return row as Row;
  };

  return {
    list: (): Row[] => db.select().from(t).orderBy(asc(t.name), asc(t.id)).all() as Row[],
    /** One page by name, after the cursor's (name, id). */
    listPage(at: KeyPage<readonly [string, number]>): { rows: Row[]; hasMore: boolean } {
      const after = at.after ? sql`(${t.name}, ${t.id}) > (${at.after[0]}, ${at.after[1]})` : undefined;
      const rows = db
        .select()
        .from(t)
        .where(after)
        .orderBy(asc(t.name), asc(t.id))
        .limit(at.limit + 1)
        .all() as Row[];
      return takePage(rows, at.limit);
    },
    get,
    create: (values: Omit<Insert, "id" | "createdAt" | "updatedAt">): Row =>
      guard(
        () =>
          db
            .insert(t)
            .values(values as Insert as typeof queues.$inferInsert)
            .returning()
            .get() as Row,
      ),
    update: (id: number, values: Partial<Omit<Insert, "id" | "createdAt" | "updatedAt">>): Row => {
      get(id);
      return guard(
        () =>
          db
            .update(t)
            .set({ ...(values as object), updatedAt: new Date() })
            .where(eq(t.id, id))
            .returning()
            .get() as Row,
      );
    },
    remove: (id: number): void => {
      get(id);
      db.delete(t).where(eq(t.id, id)).run();
    },
  };
}

export function createCatalogServices(db: Db) {
  return {
    queues: createCatalog(db, queues, "ERR_QUEUE_NOT_FOUND", "queue"),
    tags: createCatalog(db, tags, "ERR_TAG_NOT_FOUND", "tag"),
  };
}
