import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { isAdmin, PASSWORD_MAX, PASSWORD_MIN, type SessionRow } from "../../../domain/account.service";
import { AppError } from "../../../errors";
import { checkSameOrigin, SESSION_COOKIE } from "../../auth";
import { clientAddress } from "../../auth-throttle";
import { bodyDoc, readBody } from "../../body";
import type { AppEnv } from "../../context";
import { createRouter } from "../../create-router";
import { commonErrors, IdParam, json } from "../../wire";
import { UserSchema, userWire } from "../users/user-wire";

const LoginBody = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(PASSWORD_MAX),
});

const PasswordBody = z.object({
  currentPassword: z.string().min(1).max(PASSWORD_MAX),
  newPassword: z
    .string()
    .min(PASSWORD_MIN, `At least ${PASSWORD_MIN} characters`)
    .max(PASSWORD_MAX)
    .openapi({ description: `${PASSWORD_MIN} to ${PASSWORD_MAX} characters` }),
});

const SessionSchema = z
  .object({
    id: z.number().int(),
    userId: z.number().int(),
    current: z.boolean().openapi({ description: "The session of this request" }),
    createdAt: z.string(),
    lastSeenAt: z
      .string()
      .openapi({ description: "Last request (to the minute); idle expiry counts from here" }),
    expiresAt: z.string().openapi({ description: "Absolute expiry (SESSION_MAX_HOURS after sign-in)" }),
    idleExpiresAt: z.string().openapi({ description: "Ends here unless used before (SESSION_IDLE_MINUTES)" }),
    userAgent: z.string().nullable(),
    address: z.string().nullable(),
  })
  .openapi("Session", {
    example: {
      id: 7,
      userId: 1,
      current: true,
      createdAt: "2024-12-01T10:00:00.000Z",
      lastSeenAt: "2024-12-01T10:30:00.000Z",
      expiresAt: "2024-12-08T10:00:00.000Z",
      idleExpiresAt: "2024-12-01T22:30:00.000Z",
      userAgent: "Mozilla/5.0",
      address: "203.0.113.7",
    },
  });

const MeSchema = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("user"),
      user: UserSchema,
      sessionId: z.number().int(),
    }),
    z.object({
      kind: z.literal("token"),
      tokenId: z
        .number()
        .int()
        .nullable()
        .openapi({ description: "Null for the API_TOKEN of the environment" }),
      name: z.string(),
      scope: z.enum(["admin", "api"]),
    }),
  ])
  .openapi("Principal");

const authErrors = {
  ...commonErrors,
  401: {
    description: "Wrong email or password, or a user that may not sign in (ERR_INVALID_CREDENTIALS)",
    content: { "application/json": { schema: z.object({ error: z.string(), message: z.string() }) } },
  },
};

/** Secure when the request came over https, or PUBLIC_URL says the server is reached over https. */
function isSecure(c: Context<AppEnv>): boolean {
  const { config } = c.get("deps");
  return (
    new URL(c.req.url).protocol === "https:" ||
    (config.publicUrlConfigured && config.publicUrl.startsWith("https:"))
  );
}

function sessionWire(s: SessionRow, currentId: number | null, idleMs: number) {
  return {
    id: s.id,
    userId: s.userId,
    current: s.id === currentId,
    createdAt: s.createdAt.toISOString(),
    lastSeenAt: s.lastSeenAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    idleExpiresAt: new Date(Math.min(s.lastSeenAt.getTime() + idleMs, s.expiresAt.getTime())).toISOString(),
    userAgent: s.userAgent,
    address: s.address,
  };
}

/** Sign-in and sign-out: reachable without credentials (mounted before requireAuth). */
export const authPublicRouter = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/login",
      tags: ["Auth"],
      summary: "Sign in with email and password (the panel)",
      description: [
        "Sets the session cookie `chasqui_session` (HttpOnly, SameSite=Strict, Secure when the request or PUBLIC_URL is https, Path=/) and returns the user. The server stores only a SHA-256 of the cookie's secret.",
        "The session ends after SESSION_IDLE_MINUTES (default 720) without a request, SESSION_MAX_HOURS (default 168) after sign-in, on logout, on a password change or reset, or when the user is disabled or deleted.",
        "Failed sign-ins are limited per address (AUTH_FAIL_LIMIT a minute, shared with failed tokens) and per account (LOGIN_ACCOUNT_FAIL_LIMIT a minute, counted for unknown emails too): past either limit every attempt is 429 with Retry-After. A wrong password, an unknown email, a user without a password and a disabled user all get the same 401.",
        "With the cookie, every write (POST, PUT, PATCH, DELETE) must come from the panel's origin: `Sec-Fetch-Site: same-origin` and/or an `Origin` of this server, else 403 ERR_CSRF. Requests with `Authorization: Bearer` are not affected.",
      ].join("\n\n"),
      security: [],
      request: { body: bodyDoc(LoginBody, { email: "ana@example.com", password: "correct horse battery" }) },
      responses: {
        200: json(z.object({ user: UserSchema, session: SessionSchema }), "Signed in; the cookie is set"),
        ...authErrors,
      },
    }),
    async (c) => {
      checkSameOrigin(c, false);
      const body = await readBody(c, LoginBody);
      const { services, authThrottle, loginThrottle, config } = c.get("deps");
      const address = clientAddress(c);
      const account = body.email.toLowerCase();
      const wait = Math.max(
        authThrottle.retryAfterSeconds(address),
        loginThrottle.retryAfterSeconds(account),
      );
      if (wait > 0)
        throw new AppError(
          "ERR_TOO_MANY_REQUESTS",
          `Too many failed sign-in attempts: retry in ${wait} s`,
          undefined,
          { "retry-after": String(wait) },
        );
      const row = await services.accounts.verifyLogin(body.email, body.password);
      if (!row) {
        authThrottle.fail(address);
        loginThrottle.fail(account);
        throw new AppError("ERR_INVALID_CREDENTIALS", "Wrong email or password");
      }
      const { secret, session } = await services.accounts.createSession(row.id, {
        userAgent: c.req.header("user-agent") ?? null,
        address: address === "unknown" ? null : address,
      });
      setCookie(c, SESSION_COOKIE, secret, {
        httpOnly: true,
        sameSite: "Strict",
        secure: isSecure(c),
        path: "/",
        maxAge: Math.floor(config.sessionMaxMs / 1000),
      });
      return c.json(
        {
          user: userWire(await services.accounts.get(row.id)),
          session: sessionWire(session, session.id, config.sessionIdleMs),
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/logout",
      tags: ["Auth"],
      summary: "Sign out: ends this session and clears the cookie",
      description: "Always 200, also without a (valid) session.",
      security: [],
      responses: {
        200: json(z.object({ message: z.string() }), "Signed out", { message: "Signed out" }),
        ...commonErrors,
      },
    }),
    async (c) => {
      checkSameOrigin(c, false);
      const secret = getCookie(c, SESSION_COOKIE);
      const { services } = c.get("deps");
      if (secret) {
        const p = await services.accounts.authenticateSession(secret);
        if (p) await services.accounts.revokeSession(p.sessionId);
      }
      deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isSecure(c), httpOnly: true, sameSite: "Strict" });
      return c.json({ message: "Signed out" }, 200);
    },
  );

const SessionParam = IdParam("sessionId");

/** The signed-in principal, own password and sessions (behind requireAuth). */
export const authRouter = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/auth/me",
      tags: ["Auth"],
      summary: "Who is calling: the signed-in user (role, queues) or the API token (scope)",
      responses: { 200: json(MeSchema, "The principal"), ...commonErrors },
    }),
    async (c) => {
      const p = c.get("principal");
      if (p.kind === "user")
        return c.json(
          {
            kind: "user" as const,
            user: userWire(await c.get("deps").services.accounts.get(p.id)),
            sessionId: p.sessionId,
          },
          200,
        );
      return c.json(
        { kind: "token" as const, tokenId: p.tokenId > 0 ? p.tokenId : null, name: p.name, scope: p.scope },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/auth/password",
      tags: ["Auth"],
      summary: "Change my password",
      description:
        "Needs the current password (a wrong one is 403 ERR_WRONG_PASSWORD and counts toward the per-account sign-in limit). Ends every other session of mine; this one stays. Signed-in users only (a token gets 403).",
      request: {
        body: bodyDoc(PasswordBody, { currentPassword: "old password", newPassword: "a new long password" }),
      },
      responses: {
        200: json(z.object({ message: z.string() }), "Changed", { message: "Password changed" }),
        ...commonErrors,
      },
    }),
    async (c) => {
      const p = c.get("principal");
      if (p.kind !== "user")
        throw new AppError("ERR_FORBIDDEN", "Only a signed-in user has a password; tokens have none");
      const body = await readBody(c, PasswordBody);
      const { services, loginThrottle } = c.get("deps");
      const account = p.email.toLowerCase();
      const wait = loginThrottle.retryAfterSeconds(account);
      if (wait > 0)
        throw new AppError(
          "ERR_TOO_MANY_REQUESTS",
          `Too many failed password attempts: retry in ${wait} s`,
          undefined,
          { "retry-after": String(wait) },
        );
      try {
        await services.accounts.changePassword(p.id, body.currentPassword, body.newPassword, p.sessionId);
      } catch (err) {
        if (err instanceof AppError && err.code === "ERR_WRONG_PASSWORD") loginThrottle.fail(account);
        throw err;
      }
      return c.json({ message: "Password changed" }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/auth/sessions",
      tags: ["Auth"],
      summary: "My sessions (an admin may add ?all=true for everyone's)",
      request: {
        query: z.object({
          all: z.enum(["true", "false"]).optional().openapi({ description: "Admins: every user's sessions" }),
        }),
      },
      responses: { 200: json(z.array(SessionSchema), "Valid sessions, newest first"), ...commonErrors },
    }),
    async (c) => {
      const p = c.get("principal");
      const { services, config } = c.get("deps");
      const all = c.req.valid("query").all === "true";
      if (all && !isAdmin(p)) throw new AppError("ERR_FORBIDDEN", "Only admins may list every session");
      if (!all && p.kind !== "user") return c.json([], 200);
      const rows = await services.accounts.sessions(all ? undefined : (p as { id: number }).id);
      const current = p.kind === "user" ? p.sessionId : null;
      return c.json(
        rows.map((s) => sessionWire(s, current, config.sessionIdleMs)),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/auth/sessions/{sessionId}",
      tags: ["Auth"],
      summary: "End a session (mine; admins: anyone's)",
      request: { params: SessionParam },
      responses: {
        200: json(z.object({ message: z.string() }), "Ended", { message: "Session ended" }),
        ...commonErrors,
      },
    }),
    async (c) => {
      const p = c.get("principal");
      const { services } = c.get("deps");
      const { sessionId } = c.req.valid("param");
      const s = await services.accounts.session(sessionId);
      // Someone else's session is "not found" to a non-admin: ids are not a way to learn who is signed in.
      if (!s || (!isAdmin(p) && (p.kind !== "user" || s.userId !== p.id)))
        throw new AppError("ERR_SESSION_NOT_FOUND", "Session not found");
      await services.accounts.revokeSession(sessionId);
      return c.json({ message: "Session ended" }, 200);
    },
  );
