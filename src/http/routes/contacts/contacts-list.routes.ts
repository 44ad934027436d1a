import { createRoute, z } from "@hono/zod-openapi";
import { pageAt } from "../../../domain/paging";
import { createRouter } from "../../create-router";
import { cursorParam, NextCursor, nextCursorOf } from "../../cursor";
import { ContactSchema, commonErrors, contactWire, json, PageQuery } from "../../wire";

export const ContactListQuery = PageQuery.extend({
  search: z.string().trim().max(100).optional().openapi({
    description: "Part of the name (any case, diacritics ignored) or of the number",
    example: "maria",
  }),
  after: cursorParam("contacts"),
});

export const contactsListRouter = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/contacts",
    tags: ["Contacts"],
    summary: "List contacts",
    description:
      'By name. `search` matches part of the name or of the number, ignoring case and diacritics ("maria" finds "María"); several words must all match. Page with `page` (offset) or `after=<nextCursor>` (keyset).',
    request: { query: ContactListQuery },
    responses: {
      200: json(
        z.object({
          contacts: z.array(ContactSchema),
          count: z.number().int(),
          hasMore: z.boolean(),
          page: z.number().int(),
          limit: z.number().int(),
          nextCursor: NextCursor,
        }),
        "A page of contacts",
      ),
      ...commonErrors,
    },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const { services, readCache } = c.get("deps");
    const key = `contacts:${q.page}:${q.limit}:${q.after ? JSON.stringify(q.after) : ""}:${q.search === undefined ? "" : JSON.stringify(q.search)}`;
    // Contacts alone make this answer (the search reads their trigram index): other writes keep it cached.
    const body = await readCache.get(key, "contacts", async () => {
      const result = await services.contacts.list({ search: q.search, ...pageAt(q) });
      const nextCursor = nextCursorOf("contacts", result, (r) => [r.name, r.id]);
      const { rows, count, hasMore } = result;
      return JSON.stringify({
        contacts: rows.map(contactWire),
        count,
        hasMore,
        page: q.page,
        limit: q.limit,
        nextCursor,
      });
    });
    // The body is the already-serialized JSON of the typed shape above; the route's typing cannot see that.
    return c.body(body, 200, { "content-type": "application/json" }) as never;
  },
);
