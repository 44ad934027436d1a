import { asc, eq, sql } from "drizzle-orm";
import type { queues, tags } from "../db/schema";
import { type Store, uniqueViolation } from "../db/store";
import { AppError, type ErrorCode } from "../errors";
import { type KeyPage, takePage } from "./paging";

type CatalogTable = typeof queues | typeof tags;

/** Create, read, update and delete for the simple catalogs (queues, tags); users are in account.service. */
function createCatalog<T extends CatalogTable>(store: Store, table: T, notFound: ErrorCode, label: string) {
  type Row = T["$inferSelect"];
  type Insert = T["$inferInsert"];
  const t = table as unknown as typeof queues;

  /** The unique constraint that refused a write, as the 409 that names the field. */
  const conflict = (err: unknown): never => {
    const field = uniqueViolation(err);
    if (field)
      throw new AppError(
        "ERR_CONFLICT",
        `A ${label} with this ${field === "color" ? "color" : field} already exists`,
      );
    throw err;
  };

  const missing = () => new AppError(notFound, `${label[0]!.toUpperCase()}${label.slice(1)} not found`);

  const get = async (id: number): Promise<Row> => {
    const [row] = await store.read((q) => q.select().from(t).where(eq(t.id, id)));
    if (!row) throw missing();
    return row as Row;
  };

  return {
    list: (): Promise<Row[]> =>
      store.read((q) => q.select().from(t).orderBy(asc(t.name), asc(t.id))) as Promise<Row[]>,
    /** One page by name, after the cursor's (name, id). */
    async listPage(at: KeyPage<readonly [string, number]>): Promise<{ rows: Row[]; hasMore: boolean }> {
      const after = at.after ? sql`(${t.name}, ${t.id}) > (${at.after[0]}, ${at.after[1]})` : undefined;
      const rows = (await store.read((q) =>
        q
          .select()
          .from(t)
          .where(after)
          .orderBy(asc(t.name), asc(t.id))
          .limit(at.limit + 1),
      )) as Row[];
      return takePage(rows, at.limit);
    },
    get,
    async create(values: Omit<Insert, "id" | "createdAt" | "updatedAt">): Promise<Row> {
      const [row] = await store
        .write((q) =>
          q
            .insert(t)
            .values(values as Insert as typeof queues.$inferInsert)
            .returning(),
        )
        .catch(conflict);
      return row as Row;
    },
    async update(id: number, values: Partial<Omit<Insert, "id" | "createdAt" | "updatedAt">>): Promise<Row> {
      const [row] = await store
        .write((q) =>
          q
            .update(t)
            .set({ ...(values as object), updatedAt: new Date() })
            .where(eq(t.id, id))
            .returning(),
        )
        .catch(conflict);
      if (!row) throw missing();
      return row as Row;
    },
    async remove(id: number): Promise<void> {
      const [row] = await store.write((q) => q.delete(t).where(eq(t.id, id)).returning({ id: t.id }));
      if (!row) throw missing();
    },
  };
}

export function createCatalogServices(store: Store) {
  return {
    queues: createCatalog(store, store.t.queues, "ERR_QUEUE_NOT_FOUND", "queue"),
    tags: createCatalog(store, store.t.tags, "ERR_TAG_NOT_FOUND", "tag"),
  };
}
