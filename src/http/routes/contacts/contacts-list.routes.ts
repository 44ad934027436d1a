import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../create-router";
import { ContactSchema, commonErrors, contactWire, json, PageQuery } from "../../wire";

export const ContactListQuery = PageQuery.extend({
  search: z
    .string()
    .trim()
    .max(100)
    .optional()
    .openapi({ description: "Part of the name (any case) or of the number", example: "juan" }),
});

export const contactsListRouter = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/contacts",
    tags: ["Contacts"],
    summary: "List contacts",
    description: "By name. `search` matches part of the name (case-insensitive) or of the number.",
    request: { query: ContactListQuery },
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
    const { rows, count, hasMore } = c.get("deps").services.contacts.list({ page, limit, search });
    return c.json({ contacts: rows.map(contactWire), count, hasMore, page, limit }, 200);
  },
);
