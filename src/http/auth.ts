import { createMiddleware } from "hono/factory";
import type { TokenScope } from "../domain/token.service";
import { AppError } from "../errors";
import type { AppEnv } from "./context";

/** Bearer auth for every /api route; `admin` routes additionally need an admin-scoped token. */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1])
    throw new AppError("ERR_UNAUTHORIZED", "Missing bearer token: send Authorization: Bearer <token>");
  const principal = c.get("deps").services.tokens.authenticate(match[1]);
  if (!principal) throw new AppError("ERR_UNAUTHORIZED", "Invalid or revoked token");
  c.set("principal", principal);
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
