import { createRoute, z } from "@hono/zod-openapi";
import { PASSWORD_MAX, PASSWORD_MIN } from "../../../domain/account.service";
import { adminOnly } from "../../auth";
import { bodyDoc, readBody } from "../../body";
import { createRouter } from "../../create-router";
import { arrayPageOf, arrayPageQuery, nextCursorHeader, nextCursorOf } from "../../cursor";
import { commonErrors, conflictErrors, IdParam, json } from "../../wire";
import { RoleField, UserSchema, userWire } from "./user-wire";

const Password = z
  .string()
  .min(PASSWORD_MIN, `At least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX)
  .openapi({
    description: `Sets the password (${PASSWORD_MIN}–${PASSWORD_MAX} characters; stored as argon2id). Setting it on an update ends the user's sessions.`,
  });

const CreateBody = z.object({
  name: z.string().trim().min(1).max(100),
  email: z.email(),
  role: RoleField.optional().openapi({ description: "Default `agent`" }),
  queueIds: z.array(z.number().int().positive()).max(1000).optional(),
  signature: z.boolean().optional().openapi({ description: "Default true" }),
  notifications: z.boolean().optional().openapi({ description: "Default true" }),
  disabled: z.boolean().optional().openapi({ description: "Disabling ends the user's sessions" }),
  password: Password.optional(),
});
const UpdateBody = CreateBody.partial();

const Param = IdParam("id");

/**
 * Users: any principal lists and reads them (the panel shows who a ticket is assigned to); only admins
 * (admin tokens, users with role admin) create, change, delete them or reset a password.
 */
export const usersRouter = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/users",
      tags: ["Users"],
      summary: "List users",
      description:
        "By name (then id). Whole, or one page with `limit` / `after` (cursor in `X-Next-Cursor`).",
      request: { query: arrayPageQuery("users") },
      responses: {
        200: {
          ...json(z.array(UserSchema), "All users by name, or the page asked for"),
          headers: nextCursorHeader,
        },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { accounts } = c.get("deps").services;
      const at = arrayPageOf(c.req.valid("query"));
      if (!at) return c.json((await accounts.list()).map(userWire), 200);
      const page = await accounts.listPage(at);
      const next = nextCursorOf("users", page, (r) => [r.name, r.id]);
      if (next) c.header("X-Next-Cursor", next);
      return c.json(page.rows.map(userWire), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/users/{id}",
      tags: ["Users"],
      summary: "Get a user",
      request: { params: Param },
      responses: { 200: json(UserSchema, "The user"), ...commonErrors },
    }),
    async (c) => c.json(userWire(await c.get("deps").services.accounts.get(c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/users",
      tags: ["Users"],
      summary: "Create a user (admin)",
      description:
        "Without `password` the user cannot sign in until one is set (PUT with `password`, or POST /users/{id}/password for a generated one).",
      middleware: [adminOnly] as const,
      request: {
        body: bodyDoc(CreateBody, {
          name: "Ana Agente",
          email: "ana@example.com",
          role: "agent",
          queueIds: [1],
          password: "a long password",
        }),
      },
      responses: { 201: json(UserSchema, "Created"), ...conflictErrors },
    }),
    async (c) => {
      const body = await readBody(c, CreateBody);
      return c.json(userWire(await c.get("deps").services.accounts.create(body)), 201);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/users/{id}",
      tags: ["Users"],
      summary: "Update a user (admin)",
      description:
        "`queueIds` replaces the user's queues. Setting `password` or `disabled: true` ends every session of the user.",
      middleware: [adminOnly] as const,
      request: { params: Param, body: bodyDoc(UpdateBody, { role: "supervisor", queueIds: [1, 2] }) },
      responses: { 200: json(UserSchema, "Updated"), ...conflictErrors },
    }),
    async (c) => {
      const body = await readBody(c, UpdateBody);
      return c.json(
        userWire(await c.get("deps").services.accounts.update(c.req.valid("param").id, body)),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/users/{id}/password",
      tags: ["Users"],
      summary: "Reset a user's password (admin)",
      description:
        "Generates a new password, answers it once (`password`), and ends every session of the user. Give it to the user, who changes it with PUT /auth/password.",
      middleware: [adminOnly] as const,
      request: { params: Param },
      responses: {
        200: json(z.object({ user: UserSchema, password: z.string() }), "The one-time password"),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { user, password } = await c.get("deps").services.accounts.resetPassword(c.req.valid("param").id);
      return c.json({ user: userWire(user), password }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/users/{id}",
      tags: ["Users"],
      summary: "Delete a user (admin)",
      description:
        "Their tickets become unassigned and their sessions end; messages they sent keep their `userId`.",
      middleware: [adminOnly] as const,
      request: { params: Param },
      responses: {
        200: json(z.object({ message: z.string() }), "Deleted", { message: "User deleted successfully" }),
        ...commonErrors,
      },
    }),
    async (c) => {
      await c.get("deps").services.accounts.remove(c.req.valid("param").id);
      return c.json({ message: "User deleted successfully" }, 200);
    },
  );
