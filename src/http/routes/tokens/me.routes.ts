import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../create-router";
import { commonErrors, json } from "../../wire";

/** Lets a client (the web panel) learn what its token may do without probing an admin route for a 403. */
export const meRouter = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/me",
    tags: ["Tokens"],
    summary: "The token making this request",
    description:
      "Its name and scope. `tokenId` is null for the API_TOKEN of the environment, which is not stored, and for a signed-in user (scope `admin` for role admin, else `api`; GET /auth/me tells more).",
    responses: {
      200: json(
        z.object({
          tokenId: z.number().int().nullable(),
          name: z.string(),
          scope: z.enum(["admin", "api"]),
        }),
        "Who is calling",
        { tokenId: 2, name: "n8n", scope: "api" },
      ),
      ...commonErrors,
    },
  }),
  (c) => {
    const p = c.get("principal");
    // A signed-in user (see GET /auth/me for role and queues) answers as an admin or api principal.
    if (p.kind === "user")
      return c.json(
        { tokenId: null, name: p.name, scope: p.role === "admin" ? "admin" : "api" } as const,
        200,
      );
    return c.json({ tokenId: p.tokenId > 0 ? p.tokenId : null, name: p.name, scope: p.scope }, 200);
  },
);
