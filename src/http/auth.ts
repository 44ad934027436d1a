import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { isAdmin, type Principal } from "../domain/account.service";
import type { TokenScope } from "../domain/token.service";
import { AppError } from "../errors";
import { clientAddress } from "./auth-throttle";
import type { AppEnv } from "./context";

/** The panel's session cookie: HttpOnly, SameSite=Strict, Secure on https (see routes/auth). */
export const SESSION_COOKIE = "chasqui_session";

/** Refuses with 429 + Retry-After while the address is past its limit of failed attempts. */
export function throttled(c: Context<AppEnv>, what: string): void {
  const { authThrottle } = c.get("deps");
  const wait = authThrottle.retryAfterSeconds(clientAddress(c));
  if (wait > 0)
    throw new AppError(
      "ERR_TOO_MANY_REQUESTS",
      `Too many failed ${what} attempts from this address: retry in ${wait} s`,
      undefined,
      { "retry-after": String(wait) },
    );
}

/**
 * Resolves a bearer token, counting failures per client address. A valid token is always accepted, also
 * from an address past its limit: only failed attempts are refused (429 with Retry-After) once over it.
 */
export async function authenticate(
  c: Context<AppEnv>,
  token: string | undefined,
  missing: string,
): Promise<Principal> {
  const { services, authThrottle } = c.get("deps");
  const principal = token ? await services.tokens.authenticate(token) : null;
  if (principal) return principal;
  throttled(c, "authentication");
  authThrottle.fail(clientAddress(c));
  throw new AppError("ERR_UNAUTHORIZED", token ? "Invalid or revoked token" : missing);
}

/** The token of an `Authorization: Bearer <token>` header, if the request has one. */
export const bearerToken = (c: Context<AppEnv>): string | undefined =>
  /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery guard for cookie-authenticated writes (SameSite=Strict is the first line):
 * a browser names the page that sent a request in `Origin` and `Sec-Fetch-Site`. A write is accepted when
 * `Sec-Fetch-Site` (if sent) is `same-origin` and `Origin` (if sent) is this server — the request's own
 * origin, its Host, or PUBLIC_URL — and at least one of the two is present. Bearer-token requests are not
 * checked: a browser never adds an Authorization header by itself.
 */
export function checkSameOrigin(c: Context<AppEnv>, required: boolean): void {
  const site = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  if (site === undefined && origin === undefined) {
    if (required)
      throw new AppError(
        "ERR_CSRF",
        "A write with the session cookie must come from the panel (Origin or Sec-Fetch-Site header)",
      );
    return;
  }
  if (site !== undefined && site !== "same-origin")
    throw new AppError("ERR_CSRF", "Cross-site request refused");
  if (origin !== undefined && !sameOrigin(c, origin))
    throw new AppError("ERR_CSRF", "Cross-origin request refused");
}

function sameOrigin(c: Context<AppEnv>, origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const own = new URL(c.req.url);
  if (url.origin === own.origin) return true;
  const { config } = c.get("deps");
  if (config.publicUrlConfigured && url.origin === new URL(config.publicUrl).origin) return true;
  // Behind a TLS-terminating proxy the request URL says http while the browser's origin says https.
  const host = c.req.header("host");
  return host !== undefined && url.host === host;
}

/** The principal of the session cookie, or null when there is none or it is no longer valid. */
export async function sessionPrincipal(c: Context<AppEnv>): Promise<Principal | null> {
  const secret = getCookie(c, SESSION_COOKIE);
  if (!secret) return null;
  return c.get("deps").services.accounts.authenticateSession(secret);
}

/**
 * Auth for every /api route: `Authorization: Bearer <token>` (integrations; the panel opened with a token),
 * else the panel's session cookie (with the same-origin check on writes). `admin` routes additionally need
 * an admin-scoped token or a user with role admin.
 */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c);
  if (token === undefined && getCookie(c, SESSION_COOKIE)) {
    const user = await sessionPrincipal(c);
    if (user) {
      if (!SAFE_METHODS.has(c.req.method)) checkSameOrigin(c, true);
      c.set("principal", user);
      return next();
    }
    // An ended session (expired, revoked) is not a guess: its 256-bit secret was real. It does not count
    // toward the address's failure limit, so an office of agents whose sessions ended is not locked out.
    throw new AppError("ERR_UNAUTHORIZED", "The session has ended: sign in again");
  }
  c.set(
    "principal",
    await authenticate(
      c,
      token,
      "Missing bearer token: send Authorization: Bearer <token>, or sign in (POST /api/v1/auth/login)",
    ),
  );
  await next();
});

export const requireScope = (scope: TokenScope) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const p = c.get("principal");
    if (scope === "admin" && !isAdmin(p)) {
      throw new AppError(
        "ERR_FORBIDDEN",
        p.kind === "token" ? "This token lacks the admin scope" : "Only admins may do this",
      );
    }
    await next();
  });

export const adminOnly = requireScope("admin");
