import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { QueueRequest } from "../domain/message.service";
import { AppError } from "../errors";
import type { AppEnv } from "./context";

const Instant = z.iso.datetime({ offset: true });

/** The body fields every send endpoint takes to queue or schedule its message(s) instead of sending now. */
export const QueueBodyFields = {
  queue: z.boolean().optional().openapi({
    description:
      "Store the message(s) at once and answer 202 with status `queued`; the send queue sends them when the connection is CONNECTED, in order per chat, paced (see the connection's pacing settings). Same as the header `Prefer: respond-async`. Default false: send now (201/200, or 409 when not connected)",
  }),
  sendAt: Instant.optional().openapi({
    description: "Scheduled send (ISO 8601 with offset): queued, not sent before this time. Implies `queue`",
    example: "2024-12-24T09:00:00-03:00",
  }),
  expiresAt: Instant.optional().openapi({
    description:
      "Queued sends: fail (ERR_MESSAGE_EXPIRED, message_failed) when not sent by this time. Default sendAt + SEND_QUEUE_EXPIRY_HOURS (24 h)",
  }),
};

export const preferHeader = {
  prefer: z.string().optional().openapi({
    description: "`respond-async`: queue the message(s) and answer 202, as `queue: true` does",
  }),
};

/** Whether the request asked for a queued send, and with which times; undefined: send now. */
export function queueRequestOf(
  c: Context<AppEnv>,
  body: { queue?: boolean; sendAt?: string; expiresAt?: string },
): QueueRequest | undefined {
  const prefer = (c.req.header("prefer") ?? "")
    .split(",")
    .some((p) => p.trim().toLowerCase() === "respond-async");
  if (!body.queue && !prefer && body.sendAt === undefined) {
    if (body.expiresAt !== undefined)
      throw new AppError("ERR_VALIDATION", "expiresAt applies to queued sends only", [
        { path: "expiresAt", message: "Set queue: true or sendAt too" },
      ]);
    return undefined;
  }
  if (prefer) c.header("preference-applied", "respond-async");
  return {
    sendAt: body.sendAt === undefined ? null : Date.parse(body.sendAt),
    expiresAt: body.expiresAt === undefined ? null : Date.parse(body.expiresAt),
  };
}
