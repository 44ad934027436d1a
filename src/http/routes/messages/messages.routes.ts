import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { visibleQueues } from "../../../domain/account.service";
import type { MessageRow, OutgoingContent, SentResult } from "../../../domain/message.service";
import { AppError } from "../../../errors";
import { bodyDoc, fileSchema, MAX_TEXT, readBody } from "../../body";
import type { AppEnv } from "../../context";
import { createRouter } from "../../create-router";
import { idempotent, sendCompletion } from "../../idempotency";
import { preferHeader, QueueBodyFields, queueRequestOf } from "../../queued-send";
import { assertMessageVisible, assertTicketVisible, authorOf } from "../../visibility";
import {
  commonErrors,
  IdParam,
  json,
  lifecycleErrors,
  MessageSchema,
  messageWire,
  PageQuery,
  PttField,
  positiveInt,
  SentSchema,
  sendErrors,
  sentWire,
} from "../../wire";

const TicketParam = IdParam("ticketId");

/** Exported: the MCP `send_message` tool derives its arguments from it. */
export const TextBody = z.object({
  body: z.string().trim().min(1, "Message body is required").max(MAX_TEXT),
  quotedMsgId: z.string().min(1).nullish(),
  ...QueueBodyFields,
});

const MediaBody = z.object({
  medias: z.array(fileSchema).min(1, "At least one media file is required"),
  body: z.string().max(MAX_TEXT).nullish(),
  quotedMsgId: z.string().min(1).nullish(),
  ptt: PttField,
  ...QueueBodyFields,
});

const MediaUrlBody = z.object({
  mediaUrl: z.string().min(1, "Media URL is required"),
  body: z.string().max(MAX_TEXT).nullish(),
  quotedMsgId: z.string().min(1).nullish(),
  filename: z.string().nullish(),
  ptt: PttField,
  ...QueueBodyFields,
});

const ReplyBody = z.object({
  body: z.string().max(MAX_TEXT).nullish(),
  medias: z.array(fileSchema).optional(),
  mediaUrl: z.string().min(1).nullish(),
  filename: z.string().nullish(),
  ptt: PttField,
  ...QueueBodyFields,
});

const MessageParam = z.object({
  messageId: z
    .string()
    .min(1)
    .openapi({ param: { name: "messageId", in: "path" }, example: "3EB0ABC123" }),
});

const EditBody = z.object({ body: z.string().trim().min(1, "Message body is required").max(MAX_TEXT) });
const ReactionBody = z.object({
  emoji: z.string().max(32).openapi({ description: "One emoji; an empty string removes our reaction" }),
});
const MessageResponse = z.object({ message: z.string(), data: MessageSchema });

const idempotencyHeader = z.object({
  "idempotency-key": z.string().optional().openapi({
    description: "Repeat-safe sends: the same key within 24 h returns the first response and sends nothing",
  }),
  ...preferHeader,
});

const QueueListQuery = PageQuery.extend({
  status: z
    .enum(["queued", "sending"])
    .default("queued")
    .openapi({ description: "`queued` (waiting, scheduled included) or `sending` (handed to WhatsApp now)" }),
  whatsappId: positiveInt().optional().openapi({ description: "Only this connection's queue" }),
});

const QUEUED = "Queued (queue, sendAt or Prefer: respond-async): each message has status `queued`";

/** The answers of a ticket send route: 201 sent or 202 queued, both `{message, data}`, and the send errors. */
const ticketSendAnswers = <T extends z.ZodType>(data: T) => {
  const body = z.object({ message: z.string(), data });
  return { 201: json(body, "Sent"), 202: json(body, QUEUED), ...sendErrors };
};

/**
 * A signed-in agent's reply takes the ticket first, as the panel's Accept does: a pending ticket becomes open
 * and theirs (when unassigned), a closed one is reopened (409 ERR_OPEN_TICKET_EXISTS when the customer already
 * has another open ticket on the connection). API tokens and the automation leave the status as it is (the
 * seed's behaviour).
 */
async function takeForReply(c: Context<AppEnv>, ticketId: number): Promise<void> {
  const p = c.get("principal");
  if (p.kind !== "user") return;
  const { tickets, lifecycle } = c.get("deps").services;
  if ((await tickets.get(ticketId)).status === "open") return;
  await lifecycle.updateTicket(ticketId, { status: "open", acceptedBy: p.id });
}

/**
 * The three ticket send routes once their body is read: visibility, a signed-in reply takes the ticket,
 * then send now (201) or queue (202, `queue`/`sendAt`/Prefer), storing the answer for an Idempotency-Key.
 */
async function sendOnTicket<R>(
  c: Context<AppEnv>,
  ticketId: number,
  body: OutgoingContent & {
    quotedMsgId?: string | null;
    queue?: boolean;
    sendAt?: string;
    expiresAt?: string;
  },
  render: (sent: SentResult[], queued: boolean) => R,
) {
  const svc = c.get("deps").services.messages;
  const queue = queueRequestOf(c, body);
  const answer = (sent: SentResult[]) => render(sent, queue !== undefined);
  await assertTicketVisible(c, ticketId);
  await takeForReply(c, ticketId);
  const status = queue ? 202 : 201;
  const sent = await svc.sendToTicket(ticketId, body, sendCompletion(c, status, answer), authorOf(c), queue);
  return c.json(answer(sent), status);
}

export const messagesRouter = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/messages",
      tags: ["Messages"],
      summary: "List queued and scheduled messages",
      description:
        "The send queue: messages stored with `queue`, `sendAt` or `Prefer: respond-async` that have not gone out yet, next due first (by `sendAt`). Cancel one with DELETE /messages/{messageId}. Signed-in agents get 403 (it spans every ticket).",
      request: { query: QueueListQuery },
      responses: {
        200: json(
          z.object({
            messages: z.array(MessageSchema),
            count: z.number().int(),
            hasMore: z.boolean(),
            page: z.number().int(),
            limit: z.number().int(),
          }),
          "A page of the queue",
        ),
        ...commonErrors,
      },
    }),
    async (c) => {
      // The queue spans every ticket: an agent sees a queued message in the conversation of their tickets.
      if (visibleQueues(c.get("principal")) !== null)
        throw new AppError(
          "ERR_FORBIDDEN",
          "The send queue lists every ticket's messages: agents see queued messages in their conversations",
        );
      const { status, whatsappId, page, limit } = c.req.valid("query");
      const svc = c.get("deps").services.messages;
      const { rows, count, hasMore } = await svc.queue.list({
        status,
        connectionId: whatsappId,
        page,
        limit,
      });
      const messages = rows.map((m) => messageWire(m, null, svc.mediaUrlOf));
      return c.json({ messages, count, hasMore, page, limit }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/tickets/{ticketId}/messages",
      tags: ["Messages"],
      summary: "Send a text message on a ticket",
      middleware: [idempotent] as const,
      request: {
        params: TicketParam,
        headers: idempotencyHeader,
        body: bodyDoc(TextBody, { body: "Gracias por contactarnos" }),
      },
      responses: {
        ...ticketSendAnswers(SentSchema),
      },
    }),
    async (c) =>
      sendOnTicket(
        c,
        c.req.valid("param").ticketId,
        await readBody(c, TextBody),
        ([sent]: SentResult[], queued) => ({
          message: queued ? "Message queued" : "Message sent successfully",
          data: sentWire(sent!, c.get("deps").services.messages.mediaUrlOf),
        }),
      ),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/tickets/{ticketId}/messages/media",
      tags: ["Messages"],
      summary: "Send files on a ticket",
      description: "One WhatsApp message per file, in order; the caption goes on the first.",
      middleware: [idempotent] as const,
      request: {
        params: TicketParam,
        headers: idempotencyHeader,
        body: bodyDoc(MediaBody, {}, { multipartOnly: true }),
      },
      responses: {
        ...ticketSendAnswers(z.array(SentSchema)),
      },
    }),
    async (c) =>
      sendOnTicket(
        c,
        c.req.valid("param").ticketId,
        await readBody(c, MediaBody),
        (sent: SentResult[], queued) => ({
          message: queued ? "Media message(s) queued" : "Media message(s) sent successfully",
          data: sent.map((s) => sentWire(s, c.get("deps").services.messages.mediaUrlOf)),
        }),
      ),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/tickets/{ticketId}/messages/media-url",
      tags: ["Messages"],
      summary: "Send media downloaded from a URL",
      description:
        "http and https only; private, loopback and metadata addresses are refused (400 ERR_INVALID_MEDIA_URL) unless MEDIA_FETCH_ALLOW_PRIVATE=true; redirects are not followed; a failed download is 502 ERR_MEDIA_FETCH_FAILED.",
      middleware: [idempotent] as const,
      request: {
        params: TicketParam,
        headers: idempotencyHeader,
        body: bodyDoc(MediaUrlBody, {
          mediaUrl: "https://example.com/image.jpg",
          body: "Esta imagen es de internet",
          filename: "imagen_descargada.jpg",
        }),
      },
      responses: {
        ...ticketSendAnswers(SentSchema),
      },
    }),
    async (c) =>
      sendOnTicket(
        c,
        c.req.valid("param").ticketId,
        await readBody(c, MediaUrlBody),
        ([sent]: SentResult[], queued) => ({
          message: queued ? "Media message queued" : "Media message sent successfully",
          data: sentWire(sent!, c.get("deps").services.messages.mediaUrlOf),
        }),
      ),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/messages/{messageId}/reply",
      tags: ["Messages"],
      summary: "Reply to a message, quoting it",
      middleware: [idempotent] as const,
      request: {
        params: MessageParam,
        headers: idempotencyHeader,
        body: bodyDoc(ReplyBody, { body: "Esta es mi respuesta a tu mensaje" }),
      },
      responses: {
        201: json(
          z.object({ message: z.string(), ticketId: z.number().int(), data: z.array(SentSchema) }),
          "Sent",
        ),
        202: json(
          z.object({ message: z.string(), ticketId: z.number().int(), data: z.array(SentSchema) }),
          QUEUED,
        ),
        ...sendErrors,
      },
    }),
    async (c) => {
      const body = await readBody(c, ReplyBody);
      const svc = c.get("deps").services.messages;
      const queue = queueRequestOf(c, body);
      const render = ({ ticketId, results }: { ticketId: number; results: SentResult[] }) => ({
        message: queue ? "Reply queued" : "Reply sent successfully",
        ticketId,
        data: results.map((r) => sentWire(r, svc.mediaUrlOf)),
      });
      const { messageId } = c.req.valid("param");
      await assertMessageVisible(c, messageId);
      await takeForReply(c, (await c.get("deps").services.messages.getAsync(messageId)).ticketId);
      const status = queue ? 202 : 201;
      const sent = await svc.reply(messageId, body, sendCompletion(c, status, render), authorOf(c), queue);
      return c.json(render(sent), status);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/messages/{messageId}",
      tags: ["Messages"],
      summary: "Edit a text message we sent",
      description:
        "WhatsApp allows editing for 15 minutes after sending (then 422 ERR_EDIT_WINDOW_EXPIRED). The customer's phone shows the new text marked as edited; `previousBody` keeps the old one. Emits `message_updated`.",
      request: { params: MessageParam, body: bodyDoc(EditBody, { body: "Gracias, ya lo revisamos" }) },
      responses: { 200: json(MessageResponse, "Edited"), ...lifecycleErrors },
    }),
    async (c) => {
      const body = await readBody(c, EditBody);
      await assertMessageVisible(c, c.req.valid("param").messageId);
      const m = await c.get("deps").services.lifecycle.edit(c.req.valid("param").messageId, body.body);
      return c.json({ message: "Message edited", data: await messageData(c, m) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/messages/{messageId}",
      tags: ["Messages"],
      summary: "Delete a message we sent, for everyone; or cancel a queued one",
      description:
        "WhatsApp allows it for about two days after sending (then 422 ERR_DELETE_WINDOW_EXPIRED). The message stays stored with `isDeleted: true` and its body. Deleting again answers 200. Emits `message_deleted`. A message still `queued` is cancelled instead: it becomes `failed` with error ERR_MESSAGE_CANCELLED and emits `message_failed`; one the queue is sending now is 409 ERR_MESSAGE_SENDING, one that failed 409 ERR_MESSAGE_NOT_SENT.",
      request: { params: MessageParam },
      responses: { 200: json(MessageResponse, "Deleted for everyone"), ...lifecycleErrors },
    }),
    async (c) => {
      const { lifecycle, messages } = c.get("deps").services;
      const id = c.req.valid("param").messageId;
      await assertMessageVisible(c, id);
      const target = await messages.getAsync(id);
      if (target.fromMe && target.status !== "sent") {
        const m = await messages.queue.cancel(target);
        return c.json({ message: "Queued message cancelled", data: await messageData(c, m) }, 200);
      }
      const m = await lifecycle.revoke(id);
      return c.json({ message: "Message deleted", data: await messageData(c, m) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/messages/{messageId}/reactions",
      tags: ["Messages"],
      summary: "React to a message",
      description:
        "One reaction per person: a new emoji replaces ours, an empty `emoji` removes it. Emits `message_reaction`.",
      request: { params: MessageParam, body: bodyDoc(ReactionBody, { emoji: "👍" }) },
      responses: { 200: json(MessageResponse, "Reacted"), ...lifecycleErrors },
    }),
    async (c) => {
      const body = await readBody(c, ReactionBody);
      await assertMessageVisible(c, c.req.valid("param").messageId);
      const m = await c.get("deps").services.lifecycle.react(c.req.valid("param").messageId, body.emoji);
      return c.json({ message: "Reaction saved", data: await messageData(c, m) }, 200);
    },
  );

/** A message as the API shows it: its sender (inbound) and reactions. */
async function messageData(c: Context<AppEnv>, m: MessageRow) {
  const { lifecycle, messages } = c.get("deps").services;
  const v = await lifecycle.view(m);
  return messageWire(v.message, v.contact, messages.mediaUrlOf, v.reactions);
}
