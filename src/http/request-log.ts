import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "./context";

/** Routes that send a WhatsApp message: their error answers count in chasqui_sends_failed_total. */
const SEND_ROUTES = new Set([
  "POST /api/v1/send",
  "POST /api/send",
  "POST /api/v1/tickets/:ticketId/messages",
  "POST /api/v1/tickets/:ticketId/messages/media",
  "POST /api/v1/tickets/:ticketId/messages/media-url",
  "POST /api/v1/messages/:messageId/reply",
]);

/** Polled by probes and scrapers every few seconds: logged at debug, or they would drown the rest. */
const QUIET_ROUTES = new Set(["/health", "/health/ready", "/metrics"]);

/**
 * The route template a request landed on (`/api/v1/tickets/:ticketId`), never its raw path, so metric
 * labels and log fields stay few. The endpoint is the last matched handler bound to a method; middleware
 * (`app.use`) is bound to ALL. A request no route matched is `unmatched`.
 */
export function routeTemplate(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i]!;
    if (r.method !== "ALL") return r.path;
  }
  return "unmatched";
}

/**
 * One log line and one metrics sample per request: method, route template, status, duration and the
 * token id of the caller (0 for API_TOKEN). Never the token, a body or a query string (an EventSource
 * sends its token as `?access_token=`). For a stream, the duration is the time to its first byte.
 */
export const observeRequests = createMiddleware<AppEnv>(async (c, next) => {
  const startedAt = performance.now();
  await next();
  const durationMs = performance.now() - startedAt;
  const deps = c.get("deps");
  // A read thread handed it back to the main thread, which logs and counts it once.
  if (!deps || c.get("forwarded")) return;
  const route = routeTemplate(c);
  const method = c.req.method;
  const status = c.res.status;
  deps.metrics.observeRequest(method, route, status, durationMs);
  const errorCode = c.get("errorCode");
  if (errorCode && SEND_ROUTES.has(`${method} ${route}`)) deps.metrics.sendFailed(errorCode);
  const principal = c.get("principal");
  const line = {
    method,
    route,
    // A path no route knows is worth seeing (a client on a wrong URL); its query string never is.
    ...(route === "unmatched" ? { path: c.req.path } : {}),
    status,
    durationMs: Math.round(durationMs * 10) / 10,
    tokenId: principal?.kind === "token" ? principal.tokenId : null,
    ...(principal?.kind === "user" ? { userId: principal.id } : {}),
    ...(errorCode ? { error: errorCode } : {}),
  };
  if (QUIET_ROUTES.has(route)) deps.logger.debug(line, "request");
  else deps.logger.info(line, "request");
});
