/**
 * Where a list page starts: an offset (`page`), or the ORDER BY key of the row before it (`after`, keyset:
 * one index seek, whatever the depth).
 */
export type PageAt<Key> = { limit: number } & ({ offset: number; after?: undefined } | { after: Key });

/** A page of a list that is read whole unless asked for a page (the small catalogs): by key only. */
export type KeyPage<Key> = { limit: number; after?: Key };

/** A page query reads limit + 1 rows; the extra one only says that more rows follow. */
export function takePage<T>(rows: T[], limit: number): { rows: T[]; hasMore: boolean } {
  return rows.length > limit ? { rows: rows.slice(0, limit), hasMore: true } : { rows, hasMore: false };
}

/** The `page`/`after` of a list query as a PageAt. */
export const pageAt = <Key>(q: { page: number; limit: number; after?: Key }): PageAt<Key> =>
  q.after !== undefined
    ? { limit: q.limit, after: q.after }
    : { limit: q.limit, offset: (q.page - 1) * q.limit };
