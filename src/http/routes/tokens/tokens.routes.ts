import { createRoute, z } from "@hono/zod-openapi";
import type { ApiToken } from "../../../domain/token.service";
import { adminOnly } from "../../auth";
import { bodyDoc, readBody } from "../../body";
import { createRouter } from "../../create-router";
import { arrayPageOf, arrayPageQuery, nextCursorHeader, nextCursorOf } from "../../cursor";
import { commonErrors, IdParam, json } from "../../wire";

const TokenSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    scope: z.enum(["admin", "api"]),
    hint: z.string().openapi({ description: "The last 4 characters, to tell tokens apart" }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiToken", {
    example: {
      id: 2,
      name: "n8n",
      scope: "api",
      hint: "x9Qa",
      createdAt: "2024-12-01T10:00:00.000Z",
      lastUsedAt: "2024-12-01T10:30:00.000Z",
      revokedAt: null,
    },
  });

const tokenWire = (t: ApiToken) => ({
  id: t.id,
  name: t.name,
  scope: t.scope,
  hint: t.hint,
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

const CreateBody = z.object({
  name: z.string().trim().min(1).max(100),
  scope: z.enum(["admin", "api"]).default("api"),
});

export const tokensRouter = createRouter();
tokensRouter.use("/tokens", adminOnly);
tokensRouter.use("/tokens/*", adminOnly);
tokensRouter
  .openapi(
    createRoute({
      method: "get",
      path: "/tokens",
      tags: ["Tokens"],
      summary: "List API tokens (admin)",
      description: "By id. Whole, or one page with `limit` / `after` (cursor in `X-Next-Cursor`).",
      request: { query: arrayPageQuery("tokens") },
      responses: {
        200: {
          ...json(z.array(TokenSchema), "All tokens (or the page asked for); secrets are never shown"),
          headers: nextCursorHeader,
        },
        ...commonErrors,
      },
    }),
    async (c) => {
      const tokens = c.get("deps").services.tokens;
      const at = arrayPageOf(c.req.valid("query"));
      if (!at) return c.json((await tokens.list()).map(tokenWire), 200);
      const page = await tokens.listPage(at);
      const next = nextCursorOf("tokens", page, (r) => [r.id]);
      if (next) c.header("X-Next-Cursor", next);
      return c.json(page.rows.map(tokenWire), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/tokens",
      tags: ["Tokens"],
      summary: "Create an API token (admin)",
      description: "The token is in this response only; only its SHA-256 hash is stored.",
      request: { body: bodyDoc(CreateBody, { name: "n8n", scope: "api" }) },
      responses: { 201: json(TokenSchema.extend({ token: z.string() }), "Created"), ...commonErrors },
    }),
    async (c) => {
      const body = await readBody(c, CreateBody);
      const { token, record } = await c.get("deps").services.tokens.create(body.name, body.scope);
      return c.json({ ...tokenWire(record), token }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/tokens/{tokenId}",
      tags: ["Tokens"],
      summary: "Revoke an API token (admin)",
      request: { params: IdParam("tokenId") },
      responses: { 200: json(TokenSchema, "Revoked"), ...commonErrors },
    }),
    async (c) =>
      c.json(tokenWire(await c.get("deps").services.tokens.revoke(c.req.valid("param").tokenId)), 200),
  );
