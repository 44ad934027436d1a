import { createHash } from "node:crypto";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { principalKey } from "../domain/account.service";
import type { SendCompletion } from "../domain/idempotency";
import { AppError } from "../errors";
import type { AppEnv } from "./context";

/** The Idempotency-Key of the current request, as the `idempotent` middleware reserved it. */
export type IdempotencyHandle = {
  principal: number;
  key: string;
  /** A message left (or may have): a failure now cannot free the key. */
  messageLeft: boolean;
  /** The send stored its answer with its last message. */
  completed: boolean;
};

/**
 * `Idempotency-Key` on a send: a repeat within 24 h returns the stored response and sends nothing; the
 * same key with a different body is a 409. The key is reserved durably before anything is sent, and the
 * answer stored in the transaction of the messages it created, so a crash in between never lets a retry
 * send again: it gets 409 ERR_IDEMPOTENCY_OUTCOME_UNKNOWN. Only 2xx responses are stored; a request that
 * failed before any message left (e.g. the phone was offline) frees the key for a retry.
 */
export const idempotent = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header("idempotency-key")?.trim();
  if (!key) return next();
  if (key.length > 255)
    throw new AppError("ERR_VALIDATION", "Idempotency-Key must be at most 255 characters");
  const { services, logger } = c.get("deps");
  const store = services.idempotency;
  const principal = principalKey(c.get("principal"));
  const requestHash = await hashRequest(c.req.raw, c.req.path);

  const stored = await store.reserve(principal, key, requestHash);
  if (stored) {
    return c.body(stored.responseBody, stored.statusCode as 200, {
      "content-type": "application/json",
      "idempotent-replayed": "true",
    });
  }
  const handle: IdempotencyHandle = { principal, key, messageLeft: false, completed: false };
  c.set("idempotency", handle);
  let failed = true;
  try {
    await next();
    failed = c.error !== undefined || c.res.status < 200 || c.res.status >= 300;
  } finally {
    try {
      if (failed) {
        if (handle.messageLeft) await store.abandon(principal, key);
        else await store.release(principal, key);
      } else if (!handle.completed) {
        // A send that did not store its answer itself (it should): store it now, late but not lost.
        logger.warn({ path: c.req.path }, "idempotent send did not complete its key in its transaction");
        await store.completeAfter(principal, key, {
          statusCode: c.res.status,
          responseBody: await c.res.clone().text(),
        });
      }
    } catch (err) {
      // The answer stands; the key stays in_progress, which a later request treats as still running
      // (this process) or of unknown outcome (after a restart): never as a licence to send again.
      logger.error({ err, path: c.req.path }, "settling an Idempotency-Key failed");
    }
  }
});

/**
 * The completion a send runs for the request's Idempotency-Key (undefined without one): `render` builds
 * the route's answer from the send's result, and that exact JSON is stored with the last message.
 */
export function sendCompletion<R>(
  c: Context<AppEnv>,
  status: number,
  render: (result: R) => unknown,
): SendCompletion<R> | undefined {
  const handle = c.get("idempotency");
  if (!handle) return undefined;
  const store = c.get("deps").services.idempotency;
  return {
    messageLeft: () => {
      handle.messageLeft = true;
    },
    complete: async (q, result) => {
      await store.completeIn(q, handle.principal, handle.key, {
        statusCode: status,
        responseBody: JSON.stringify(render(result)),
      });
      handle.completed = true;
    },
  };
}

/** Hash of path and body; a multipart boundary is random per client call, so it is neutralised. */
async function hashRequest(req: Request, path: string): Promise<string> {
  const bytes = Buffer.from(await req.clone().arrayBuffer());
  let text = bytes.toString("latin1");
  const boundary = /boundary=("?)([^";]+)\1/i.exec(req.headers.get("content-type") ?? "")?.[2];
  if (boundary) text = text.replaceAll(boundary, "BOUNDARY");
  return createHash("sha256").update(path).update("\n").update(text, "latin1").digest("hex");
}
