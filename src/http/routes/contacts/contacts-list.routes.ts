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
  (c) => {
    const q = c.req.valid("query");
    const result = c.get("deps").services.contacts.list({ search: q.search, ...pageAt(q) });
    const nextCursor = nextCursorOf("contacts", result, (r) => [r.name, r.id]);
    const { rows, count, hasMore } = result;
    return c.json(
      { contacts: rows.map(contactWire), count, hasMore, page: q.page, limit: q.limit, nextCursor },
      200,
    );
  },
);
