import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { SentResult } from "../../../domain/message.service";
import { bodyDoc, fileSchema, MAX_TEXT, readBody } from "../../body";
import type { AppEnv } from "../../context";
import { createRouter } from "../../create-router";
import { idempotent, sendCompletion } from "../../idempotency";
import { preferHeader, QueueBodyFields, queueRequestOf } from "../../queued-send";
import { authorOf } from "../../visibility";
import { json, PttField, SentSchema, sendErrors, sentWire } from "../../wire";

const SendBody = z.object({
  number: z.string().min(1),
  body: z.string().max(MAX_TEXT).nullish(),
  whatsappId: z.number().int().positive().nullish(),
  queueId: z.number().int().positive().nullish(),
  userId: z.number().int().positive().nullish(),
  tagsId: z.number().int().positive().nullish(),
  quotedMsgId: z.string().min(1).nullish(),
  /** The original /api/send takes `quotedMsg` as an object with an id, or its JSON string. */
  quotedMsg: z.union([z.object({ id: z.string() }).loose(), z.string()]).nullish(),
  closeTicket: z.boolean().optional(),
  medias: z.array(fileSchema).optional(),
  mediaUrl: z.string().min(1).nullish(),
  filename: z.string().nullish(),
  ptt: PttField,
  ...QueueBodyFields,
});

const SendResponse = z.object({
  message: z.string(),
  ticketId: z.number().int(),
  contactId: z.number().int(),
  data: z.array(SentSchema),
});

async function send<S extends 200 | 201>(c: Context<AppEnv>, syncStatus: S) {
  const body = await readBody(c, SendBody);
  const queue = queueRequestOf(c, body);
  const status = queue ? 202 : syncStatus;
  const quotedMsgId =
    body.quotedMsgId ?? (typeof body.quotedMsg === "string" ? body.quotedMsg : body.quotedMsg?.id);
  const svc = c.get("deps").services.messages;
  const render = (r: { ticketId: number; contactId: number; results: SentResult[] }) => ({
    message: queue ? "Message(s) queued" : "Message(s) sent successfully",
    ticketId: r.ticketId,
    contactId: r.contactId,
    data: r.results.map((s) => sentWire(s, svc.mediaUrlOf)),
  });
  const r = await svc.sendToNumber(
    { ...body, quotedMsgId, tagId: body.tagsId },
    sendCompletion(c, status, render),
    authorOf(c),
    queue,
  );
  return c.json(render(r), status);
}

const route = <S extends 200 | 201>(summary: string, description: string, status: S) =>
  createRoute({
    method: "post",
    path: "/send",
    tags: ["Send"],
    summary,
    description,
    middleware: [idempotent] as const,
    request: {
      headers: z.object({ "idempotency-key": z.string().optional(), ...preferHeader }),
      body: bodyDoc(SendBody, {
        number: "595991234567",
        body: "Hola, te contactamos desde el sistema",
        whatsappId: 2,
        queueId: 1,
      }),
    },
    responses: {
      ...sendErrors,
      ...({ [status]: json(SendResponse, "Sent") } as Record<
        S,
        ReturnType<typeof json<typeof SendResponse>>
      >),
      202: json(SendResponse, "Queued (queue, sendAt or Prefer: respond-async): data has status `queued`"),
    },
  });

const DESCRIPTION =
  "Finds or creates the contact and its open/pending ticket on the connection (the default when whatsappId is omitted), then sends the text, the media from mediaUrl and each file in medias (caption on the first). closeTicket closes the ticket after sending. With `queue: true`, `sendAt` or `Prefer: respond-async` the message(s) are stored with status `queued` and the answer is 202; the send queue sends them (message_sent, or message_failed).";

export const sendV1Router = createRouter().openapi(route("Send to a number", DESCRIPTION, 201), (c) =>
  send(c, 201),
);

/** The original API answers 200, as the product it comes from did; the body is the v1 one. */
export const legacySendRouter = createRouter().openapi(
  route("Send to a number (original API)", `${DESCRIPTION} Same body as /api/v1/send, status 200.`, 200),
  (c) => send(c, 200),
);
