import { createHash } from "node:crypto";
import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import type { AppEnv } from "./context";

/**
 * `Idempotency-Key` on a send: a repeat within 24 h returns the stored response and sends nothing;
 * the same key with a different body is a 409. Only 2xx responses are stored, so a request that failed
 * (e.g. the phone was offline) can be retried with the same key.
 */
export const idempotent = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header("idempotency-key")?.trim();
  if (!key) return next();
  if (key.length > 255)
    throw new AppError("ERR_VALIDATION", "Idempotency-Key must be at most 255 characters");
  const { services } = c.get("deps");
  const principal = c.get("principal").tokenId;
  const requestHash = await hashRequest(c.req.raw, c.req.path);
  const inFlightKey = `${principal}:${key}`;

  const stored = services.idempotency.find(principal, key);
  if (stored) {
    if (stored.requestHash !== requestHash) {
      throw new AppError(
        "ERR_IDEMPOTENCY_KEY_REUSED",
        "This Idempotency-Key was already used with a different request",
      );
    }
    return c.body(stored.responseBody, stored.statusCode as 200, {
      "content-type": "application/json",
      "idempotent-replayed": "true",
    });
  }
  if (inFlight.has(inFlightKey)) {
    throw new AppError(
      "ERR_IDEMPOTENCY_KEY_REUSED",
      "A request with this Idempotency-Key is still in progress",
    );
  }
  inFlight.add(inFlightKey);
  try {
    await next();
    if (c.res.status >= 200 && c.res.status < 300) {
      const body = await c.res.clone().text();
      services.idempotency.save(principal, key, {
        requestHash,
        statusCode: c.res.status,
        responseBody: body,
      });
    }
  } finally {
    inFlight.delete(inFlightKey);
  }
});

const inFlight = new Set<string>();

/** Hash of path and body; a multipart boundary is random per client call, so it is neutralised. */
async function hashRequest(req: Request, path: string): Promise<string> {
  const bytes = Buffer.from(await req.clone().arrayBuffer());
  let text = bytes.toString("latin1");
  const boundary = /boundary=("?)([^";]+)\1/i.exec(req.headers.get("content-type") ?? "")?.[2];
  if (boundary) text = text.replaceAll(boundary, "BOUNDARY");
  return createHash("sha256").update(path).update("\n").update(text, "latin1").digest("hex");
}
