import { createRoute, z } from "@hono/zod-openapi";
import { type AnyColumn, asc, count, or, type SQL, sql } from "drizzle-orm";
import { contacts } from "../../db/schema";
import { createRouter } from "../create-router";
import { ContactSchema, commonErrors, contactWire, json, PageQuery } from "../wire";

const ListQuery = PageQuery.extend({
  search: z
    .string()
    .trim()
    .max(100)
    .optional()
    .openapi({ description: "Part of the name (any case) or of the number", example: "juan" }),
});

/**
 * Substring match where `%` and `_` typed by a user are literal characters, not wildcards. SQLite's LIKE is
 * case-insensitive for ASCII letters only.
 */
const likeEscaped = (column: AnyColumn, text: string) =>
  sql`${column} LIKE ${`%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`} ESCAPE '\\'`;

export const contactsListRouter = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/contacts",
    tags: ["Contacts"],
    summary: "List contacts",
    description: "By name. `search` matches part of the name (case-insensitive) or of the number.",
    request: { query: ListQuery },
    responses: {
      200: json(
        z.object({
          contacts: z.array(ContactSchema),
          count: z.number().int(),
          hasMore: z.boolean(),
          page: z.number().int(),
          limit: z.number().int(),
        }),
        "A page of contacts",
      ),
      ...commonErrors,
    },
  }),
  (c) => {
    const { page, limit, search } = c.req.valid("query");
    const db = c.get("deps").db;
    let where: SQL | undefined;
    if (search) {
      const digits = search.replace(/\D/g, "");
      where = or(
        likeEscaped(contacts.name, search),
        ...(digits ? [likeEscaped(contacts.number, digits)] : []),
      );
    }
    const total = db.select({ n: count() }).from(contacts).where(where).get()?.n ?? 0;
    const rows = db
      .select()
      .from(contacts)
      .where(where)
      .orderBy(asc(contacts.name), asc(contacts.id))
      .limit(limit)
      .offset((page - 1) * limit)
      .all();
    return c.json(
      { contacts: rows.map(contactWire), count: total, hasMore: page * limit < total, page, limit },
      200,
    );
  },
);
