import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError } from "../errors";
import type { AppEnv } from "./context";

/** The single place errors become responses: always `{error, message}`, never a stack. */
export function renderError(err: Error, c: Context<AppEnv>) {
  if (err instanceof AppError) {
    const body: Record<string, unknown> = { error: err.code, message: err.message };
    if (err.details) body.details = err.details;
    for (const [name, value] of Object.entries(err.headers ?? {})) c.header(name, value);
    c.set("errorCode", err.code);
    return c.json(body, err.status as ContentfulStatusCode);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code =
      status === 401
        ? "ERR_UNAUTHORIZED"
        : status === 403
          ? "ERR_FORBIDDEN"
          : status === 404
            ? "ERR_NOT_FOUND"
            : status === 413
              ? "ERR_PAYLOAD_TOO_LARGE"
              : status === 415
                ? "ERR_UNSUPPORTED_MEDIA_TYPE"
                : status < 500
                  ? "ERR_VALIDATION"
                  : "ERR_INTERNAL";
    c.set("errorCode", code);
    return c.json({ error: code, message: err.message || "Request failed" }, status);
  }
  const sqliteCode = (err as { code?: string }).code;
  if (sqliteCode === "SQLITE_FULL" || sqliteCode === "SQLITE_BUSY")
    c.set("errorCode", "ERR_SERVICE_UNAVAILABLE");
  if (sqliteCode === "SQLITE_FULL") {
    return c.json({ error: "ERR_SERVICE_UNAVAILABLE", message: "The database disk is full" }, 503);
  }
  if (sqliteCode === "SQLITE_BUSY") {
    return c.json({ error: "ERR_SERVICE_UNAVAILABLE", message: "The database is busy, retry shortly" }, 503);
  }
  c.get("deps")?.logger.error({ err, path: c.req.path, method: c.req.method }, "unhandled error");
  c.set("errorCode", "ERR_INTERNAL");
  return c.json({ error: "ERR_INTERNAL", message: "Internal server error" }, 500);
}
