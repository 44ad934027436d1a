import { createRoute, z } from "@hono/zod-openapi";
import type { QuickAnswer } from "../../../domain/quick-answer.service";
import { adminOnly } from "../../auth";
import { bodyDoc, MAX_TEXT, readBody } from "../../body";
import { createRouter } from "../../create-router";
import { commonErrors, conflictErrors, IdParam, json } from "../../wire";

const Shortcut = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .regex(/^[\p{L}\p{N}_.-]+$/u, "Letters, digits, `_`, `.` and `-` only, no spaces")
  .openapi({ description: "Typed after `/` in the reply box; stored in lower case", example: "gracias" });

const MediaUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .nullish()
  .openapi({
    description:
      "Sent with the message: the panel passes it as `mediaUrl` to the send routes, which fetch it like any other mediaUrl",
    example: "https://example.com/catalogo.pdf",
  });

const CreateBody = z.object({
  shortcut: Shortcut,
  message: z.string().trim().min(1).max(MAX_TEXT),
  mediaUrl: MediaUrl,
});
const UpdateBody = CreateBody.partial();

export const QuickAnswerSchema = z
  .object({
    id: z.number().int(),
    shortcut: z.string(),
    message: z.string(),
    mediaUrl: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("QuickAnswer", {
    example: {
      id: 1,
      shortcut: "gracias",
      message: "¡Gracias por escribirnos! ¿Algo más en que podamos ayudarle?",
      mediaUrl: null,
      createdAt: "2024-12-01T10:00:00.000Z",
      updatedAt: "2024-12-01T10:00:00.000Z",
    },
  });

const quickAnswerWire = (q: QuickAnswer) => ({
  id: q.id,
  shortcut: q.shortcut,
  message: q.message,
  mediaUrl: q.mediaUrl,
  createdAt: q.createdAt.toISOString(),
  updatedAt: q.updatedAt.toISOString(),
});

const Param = IdParam("quickAnswerId");
const ListQuery = z.object({
  search: z.string().trim().max(50).optional().openapi({
    description: "The start of the shortcut (any case), for the `/` autocomplete",
    example: "gra",
  }),
});

export const quickAnswersRouter = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/quick-answers",
      tags: ["Quick answers"],
      summary: "List quick answers",
      description: "By shortcut. Any token reads them; admin tokens write them.",
      request: { query: ListQuery },
      responses: {
        200: json(z.object({ quickAnswers: z.array(QuickAnswerSchema) }), "Quick answers by shortcut"),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { search } = c.req.valid("query");
      const rows = await c.get("deps").services.quickAnswers.list({ search: search || undefined });
      return c.json({ quickAnswers: rows.map(quickAnswerWire) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/quick-answers/{quickAnswerId}",
      tags: ["Quick answers"],
      summary: "Get a quick answer",
      request: { params: Param },
      responses: { 200: json(QuickAnswerSchema, "The quick answer"), ...commonErrors },
    }),
    async (c) =>
      c.json(
        quickAnswerWire(await c.get("deps").services.quickAnswers.get(c.req.valid("param").quickAnswerId)),
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/quick-answers",
      tags: ["Quick answers"],
      summary: "Create a quick answer (admin)",
      description: "409 ERR_CONFLICT when the shortcut (any case) is taken.",
      middleware: [adminOnly] as const,
      request: {
        body: bodyDoc(CreateBody, { shortcut: "gracias", message: "¡Gracias por escribirnos!" }),
      },
      responses: { 201: json(QuickAnswerSchema, "Created"), ...conflictErrors },
    }),
    async (c) => {
      const body = await readBody(c, CreateBody);
      return c.json(quickAnswerWire(await c.get("deps").services.quickAnswers.create(body)), 201);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/quick-answers/{quickAnswerId}",
      tags: ["Quick answers"],
      summary: "Update a quick answer (admin)",
      description: "Only the fields sent change; `mediaUrl: null` removes the media.",
      middleware: [adminOnly] as const,
      request: { params: Param, body: bodyDoc(UpdateBody, { message: "¡Gracias! Que tenga un buen día." }) },
      responses: { 200: json(QuickAnswerSchema, "Updated"), ...conflictErrors },
    }),
    async (c) => {
      const body = await readBody(c, UpdateBody);
      const row = await c.get("deps").services.quickAnswers.update(c.req.valid("param").quickAnswerId, body);
      return c.json(quickAnswerWire(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/quick-answers/{quickAnswerId}",
      tags: ["Quick answers"],
      summary: "Delete a quick answer (admin)",
      middleware: [adminOnly] as const,
      request: { params: Param },
      responses: {
        200: json(z.object({ message: z.string() }), "Deleted", {
          message: "Quick answer deleted successfully",
        }),
        ...commonErrors,
      },
    }),
    async (c) => {
      await c.get("deps").services.quickAnswers.remove(c.req.valid("param").quickAnswerId);
      return c.json({ message: "Quick answer deleted successfully" }, 200);
    },
  );
