import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Principal, TokenScope } from "../domain/token.service";
import { AppError } from "../errors";
import { clientAddress } from "./auth-throttle";
import type { AppEnv } from "./context";

/**
 * Resolves a bearer token, counting failures per client address. A valid token is always accepted, also
 * from an address past its limit: only failed attempts are refused (429 with Retry-After) once over it.
 */
export function authenticate(c: Context<AppEnv>, token: string | undefined, missing: string): Principal {
  const { services, authThrottle } = c.get("deps");
  const principal = token ? services.tokens.authenticate(token) : null;
  if (principal) return principal;
  const address = clientAddress(c);
  const wait = authThrottle.retryAfterSeconds(address);
  if (wait > 0) {
    throw new AppError(
      "ERR_TOO_MANY_REQUESTS",
      `Too many failed authentication attempts from this address: retry in ${wait} s`,
      undefined,
      { "retry-after": String(wait) },
    );
  }
  authThrottle.fail(address);
  throw new AppError("ERR_UNAUTHORIZED", token ? "Invalid or revoked token" : missing);
}

/** The token of an `Authorization: Bearer <token>` header, if the request has one. */
export const bearerToken = (c: Context<AppEnv>): string | undefined =>
  /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];

/** Bearer auth for every /api route; `admin` routes additionally need an admin-scoped token. */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c);
  c.set("principal", authenticate(c, token, "Missing bearer token: send Authorization: Bearer <token>"));
  await next();
});

export const requireScope = (scope: TokenScope) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (scope === "admin" && c.get("principal").scope !== "admin") {
      throw new AppError("ERR_FORBIDDEN", "This token lacks the admin scope");
    }
    await next();
  });

export const adminOnly = requireScope("admin");
