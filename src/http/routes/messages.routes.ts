import { createRoute, z } from "@hono/zod-openapi";
import { bodyDoc, fileSchema, readBody } from "../body";
import { createRouter } from "../create-router";
import { idempotent } from "../idempotency";
import { IdParam, json, SentSchema, sendErrors, sentWire } from "../wire";

const TicketParam = IdParam("ticketId");

const TextBody = z.object({
  body: z.string().trim().min(1, "Message body is required"),
  quotedMsgId: z.string().min(1).nullish(),
});

const MediaBody = z.object({
  medias: z.array(fileSchema).min(1, "At least one media file is required"),
  body: z.string().nullish(),
  quotedMsgId: z.string().min(1).nullish(),
});

const MediaUrlBody = z.object({
  mediaUrl: z.string().min(1, "Media URL is required"),
  body: z.string().nullish(),
  quotedMsgId: z.string().min(1).nullish(),
  filename: z.string().nullish(),
});

const ReplyBody = z.object({
  body: z.string().nullish(),
  medias: z.array(fileSchema).optional(),
  mediaUrl: z.string().min(1).nullish(),
  filename: z.string().nullish(),
});

const idempotencyHeader = z.object({
  "idempotency-key": z.string().optional().openapi({
    description: "Repeat-safe sends: the same key within 24 h returns the first response and sends nothing",
  }),
});

export const messagesRouter = createRouter()
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
      responses: { 201: json(z.object({ message: z.string(), data: SentSchema }), "Sent"), ...sendErrors },
    }),
    async (c) => {
      const body = await readBody(c, TextBody);
      const svc = c.get("deps").services.messages;
      const [sent] = await svc.sendToTicket(c.req.valid("param").ticketId, body);
      return c.json({ message: "Message sent successfully", data: sentWire(sent!, svc.mediaUrlOf) }, 201);
    },
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
        201: json(z.object({ message: z.string(), data: z.array(SentSchema) }), "Sent"),
        ...sendErrors,
      },
    }),
    async (c) => {
      const body = await readBody(c, MediaBody);
      const svc = c.get("deps").services.messages;
      const sent = await svc.sendToTicket(c.req.valid("param").ticketId, body);
      return c.json(
        { message: "Media message(s) sent successfully", data: sent.map((s) => sentWire(s, svc.mediaUrlOf)) },
        201,
      );
    },
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
      responses: { 201: json(z.object({ message: z.string(), data: SentSchema }), "Sent"), ...sendErrors },
    }),
    async (c) => {
      const body = await readBody(c, MediaUrlBody);
      const svc = c.get("deps").services.messages;
      const [sent] = await svc.sendToTicket(c.req.valid("param").ticketId, body);
      return c.json(
        { message: "Media message sent successfully", data: sentWire(sent!, svc.mediaUrlOf) },
        201,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/messages/{messageId}/reply",
      tags: ["Messages"],
      summary: "Reply to a message, quoting it",
      middleware: [idempotent] as const,
      request: {
        params: z.object({
          messageId: z
            .string()
            .min(1)
            .openapi({ param: { name: "messageId", in: "path" }, example: "3EB0ABC123" }),
        }),
        headers: idempotencyHeader,
        body: bodyDoc(ReplyBody, { body: "Esta es mi respuesta a tu mensaje" }),
      },
      responses: {
        201: json(
          z.object({ message: z.string(), ticketId: z.number().int(), data: z.array(SentSchema) }),
          "Sent",
        ),
        ...sendErrors,
      },
    }),
    async (c) => {
      const body = await readBody(c, ReplyBody);
      const svc = c.get("deps").services.messages;
      const { ticketId, results } = await svc.reply(c.req.valid("param").messageId, body);
      return c.json(
        {
          message: "Reply sent successfully",
          ticketId,
          data: results.map((r) => sentWire(r, svc.mediaUrlOf)),
        },
        201,
      );
    },
  );
