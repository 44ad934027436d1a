import { z } from "@hono/zod-openapi";
import { positiveInt } from "./wire";

/**
 * Keyset pagination cursors. A cursor is the ORDER BY key of the last row of a page, with the list it
 * belongs to, as base64url JSON (`["tickets", updatedAt, id]`). It is opaque to clients: they pass back
 * `nextCursor` as `after=` and never build one. A cursor that does not decode, belongs to another list or
 * has the wrong shape is a 400 ERR_VALIDATION on `after`, like any other bad parameter.
 */

type Part = "int" | "string";
type Key<S extends readonly Part[]> = { [I in keyof S]: S[I] extends "int" ? number : string };

/** Every keyset list, with the types of its ORDER BY key (one place, so two lists can't share a cursor). */
export const CURSORS = {
  tickets: ["int", "int"], // updatedAt (ms), id
  messages: ["int", "int"], // createdAt (ms), pk
  contacts: ["string", "int"], // name, id
  deliveries: ["int"], // id
  queues: ["string", "int"], // name, id
  users: ["string", "int"],
  tags: ["string", "int"],
  tokens: ["int"], // id
  webhooks: ["int"], // id
} as const satisfies Record<string, readonly Part[]>;
export type CursorKind = keyof typeof CURSORS;
export type CursorKey<K extends CursorKind> = Key<(typeof CURSORS)[K]>;

export function encodeCursor<K extends CursorKind>(kind: K, key: CursorKey<K>): string {
  return Buffer.from(JSON.stringify([kind, ...(key as readonly unknown[])])).toString("base64url");
}

function decodeCursor<K extends CursorKind>(kind: K, text: string): CursorKey<K> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  const shape = CURSORS[kind] as readonly Part[];
  if (!Array.isArray(value) || value.length !== shape.length + 1 || value[0] !== kind) return undefined;
  const key = value.slice(1);
  const ok = shape.every((part, i) =>
    part === "int" ? Number.isSafeInteger(key[i]) : typeof key[i] === "string",
  );
  return ok ? (key as CursorKey<K>) : undefined;
}

/** The `after` query parameter of a keyset list: decoded to the key, or a validation error. */
export const cursorParam = <K extends CursorKind>(kind: K) =>
  z
    .string()
    .max(1024)
    .transform((text, ctx) => {
      const key = decodeCursor(kind, text);
      if (key === undefined) {
        ctx.addIssue({ code: "custom", message: "Not a cursor of this list (pass back nextCursor as is)" });
        return z.NEVER;
      }
      return key;
    })
    .optional()
    .openapi({
      type: "string",
      description:
        "Keyset pagination: the `nextCursor` of the previous page. Reads the rows after it at the cost of one page, at any depth; `page` is then not used.",
      example: "WyJ0aWNrZXRzIiwxNzMzMDUwMDAwMDAwLDQyXQ",
    });

/** `nextCursor` in a list answer: the key of the last row when more rows follow, else null. */
export const NextCursor = z.string().nullable().openapi({
  description: "Pass as `after=` to read the next page (keyset); null on the last page",
  example: "WyJ0aWNrZXRzIiwxNzMzMDUwMDAwMDAwLDQyXQ",
});

/** The cursor of a page's last row when more rows follow it, else null. */
export function nextCursorOf<T, K extends CursorKind>(
  kind: K,
  page: { rows: T[]; hasMore: boolean },
  keyOf: (row: T) => CursorKey<K>,
): string | null {
  const last = page.rows[page.rows.length - 1];
  return page.hasMore && last !== undefined ? encodeCursor(kind, keyOf(last)) : null;
}

/**
 * The lists answered as a bare JSON array (queues, users, tags, tokens, webhooks) stay whole unless the
 * client asks for a page with `limit` or `after`; the cursor of the next page is then in `X-Next-Cursor`
 * (absent on the last page), so the answer keeps its documented shape.
 */
export const arrayPageQuery = <K extends CursorKind>(kind: K) =>
  z.object({
    limit: positiveInt({ max: 100 }).optional().openapi({
      description:
        "Read one page of at most this many (1–100; 20 when only `after` is given) instead of the whole list; the next page's cursor is in the `X-Next-Cursor` header",
      example: 20,
    }),
    after: cursorParam(kind).openapi({
      description: "Keyset pagination: the `X-Next-Cursor` header of the previous page",
    }),
  });

export const ARRAY_PAGE_DEFAULT_LIMIT = 20;

/** The page a bare-array list was asked for, or undefined for the whole list. */
export function arrayPageOf<Key>(q: {
  limit?: number;
  after?: Key;
}): { limit: number; after?: Key } | undefined {
  if (q.limit === undefined && q.after === undefined) return undefined;
  return { limit: q.limit ?? ARRAY_PAGE_DEFAULT_LIMIT, after: q.after };
}

/** Response headers of a paged bare-array list, for the OpenAPI document. */
export const nextCursorHeader = {
  "X-Next-Cursor": {
    description:
      "Only with `limit` or `after`, and only when more rows follow: pass it as `after=` to read the next page",
    schema: { type: "string" as const },
  },
};
