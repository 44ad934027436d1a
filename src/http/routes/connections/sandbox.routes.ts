import { createRoute, z } from "@hono/zod-openapi";
import { bodyDoc, MAX_TEXT, readBody } from "../../body";
import { createRouter } from "../../create-router";
import { IdParam, json, sendErrors } from "../../wire";

const ConnectionParam = IdParam("connectionId");
const InboundBody = z.object({
  number: z
    .string()
    .min(1)
    .openapi({ description: "Who writes: the contact, or in a group the participant" }),
  body: z.string().max(MAX_TEXT).nullish(),
  name: z.string().trim().max(200).nullish(),
  mediaUrl: z.string().min(1).nullish(),
  filename: z.string().nullish(),
  quotedMsgId: z.string().min(1).nullish(),
  fromMe: z.boolean().optional(),
  groupId: z.string().min(1).max(60).nullish().openapi({
    description:
      "A group chat (needs `groups: tickets` on the connection): the group id, e.g. 120363025246125888",
  }),
  groupName: z.string().trim().max(200).nullish().openapi({ description: "The group's subject" }),
  edit: z.string().min(1).nullish().openapi({ description: "Edit this message id: `body` is the new text" }),
  delete: z.string().min(1).nullish().openapi({ description: "Delete this message id for everyone" }),
  reactTo: z.string().min(1).nullish().openapi({ description: "React to this message id with `emoji`" }),
  emoji: z.string().max(32).nullish().openapi({ description: "The reaction; empty removes it" }),
  ptt: z.boolean().optional().openapi({ description: "The audio in mediaUrl is a voice note" }),
});

/** The sandbox driver: a simulated customer writes, edits, deletes, reacts. */
export const sandboxRouter = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/connections/{connectionId}/sandbox/inbound",
    tags: ["Sandbox"],
    summary: "Inject an inbound message on a sandbox connection",
    description:
      "Runs exactly the pipeline a real WhatsApp message runs: contact upsert with the push name, ticket find-or-create as pending, message stored, unread count, lastMessage and events. With `groupId` the message comes from a group (the connection needs `groups: tickets`). With `edit`, `delete` or `reactTo` (a message id) the customer edits, deletes for everyone or reacts instead (200; events message_updated, message_deleted, message_reaction). 409 ERR_NOT_SANDBOX on other drivers. In the sandbox every 8–15 digit number is on WhatsApp except those ending in 0000.",
    request: {
      params: ConnectionParam,
      body: bodyDoc(InboundBody, {
        number: "595991234567",
        name: "Juan Pérez",
        body: "Hola, necesito ayuda",
      }),
    },
    responses: {
      201: json(
        z.object({ messageId: z.string(), ticketId: z.number().int(), contactId: z.number().int() }),
        "Received",
        { messageId: "3EB0C0FFEE1234567890AB", ticketId: 1, contactId: 1 },
      ),
      200: json(
        z.object({ messageId: z.string(), ticketId: z.number().int(), contactId: z.number().int() }),
        "An edit, delete or reaction applied to messageId",
        { messageId: "3EB0C0FFEE1234567890AB", ticketId: 1, contactId: 1 },
      ),
      ...sendErrors,
    },
  }),
  async (c) => {
    const body = await readBody(c, InboundBody);
    const { status, ...r } = await c
      .get("deps")
      .services.sandbox.inject(c.req.valid("param").connectionId, body);
    return status === 200 ? c.json(r, 200) : c.json(r, 201);
  },
);
