import { createRoute, z } from "@hono/zod-openapi";
import type { ContactNoteView } from "../../../domain/contact-note.service";
import { bodyDoc, readBody } from "../../body";
import { createRouter } from "../../create-router";
import { commonErrors, json, positiveInt } from "../../wire";

const NumberParam = z.object({
  number: z
    .string()
    .min(1)
    .openapi({ param: { name: "number", in: "path" }, example: "595991234567" }),
});
const NoteParam = NumberParam.extend({
  noteId: positiveInt().openapi({ param: { name: "noteId", in: "path" }, example: 1 }),
});

const NoteBody = z.object({
  body: z.string().trim().min(1).max(10_000),
  userId: z.number().int().positive().nullish().openapi({
    description:
      "The author (an agent) for a note written through an API token; omitted or null: none. A signed-in user is always the author of their notes (this field is then ignored)",
  }),
});
const EditBody = NoteBody.pick({ body: true });

export const ContactNoteSchema = z
  .object({
    id: z.number().int(),
    contactId: z.number().int(),
    body: z.string(),
    userId: z.number().int().nullable(),
    user: z.object({ id: z.number().int(), name: z.string() }).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("ContactNote", {
    example: {
      id: 1,
      contactId: 7,
      body: "Prefiere que lo llamen por la tarde",
      userId: 2,
      user: { id: 2, name: "Ana Agente" },
      createdAt: "2024-12-01T10:00:00.000Z",
      updatedAt: "2024-12-01T10:00:00.000Z",
    },
  });

const noteWire = (n: ContactNoteView) => ({
  ...n,
  createdAt: n.createdAt.toISOString(),
  updatedAt: n.updatedAt.toISOString(),
});

export const contactNotesRouter = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/contacts/{number}/notes",
      tags: ["Contacts"],
      summary: "List a contact's notes",
      description: "Internal notes, newest first; never sent to WhatsApp.",
      request: { params: NumberParam },
      responses: {
        200: json(z.object({ notes: z.array(ContactNoteSchema) }), "The notes, newest first"),
        ...commonErrors,
      },
    }),
    async (c) => {
      const notes = await c.get("deps").services.contactNotes.list(c.req.valid("param").number);
      return c.json({ notes: notes.map(noteWire) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/contacts/{number}/notes",
      tags: ["Contacts"],
      summary: "Add a note to a contact",
      request: {
        params: NumberParam,
        body: bodyDoc(NoteBody, { body: "Prefiere que lo llamen por la tarde", userId: 2 }),
      },
      responses: { 201: json(ContactNoteSchema, "Created"), ...commonErrors },
    }),
    async (c) => {
      const body = await readBody(c, NoteBody);
      const p = c.get("principal");
      const note = await c
        .get("deps")
        .services.contactNotes.add(
          c.req.valid("param").number,
          p.kind === "user" ? { ...body, userId: p.id } : body,
        );
      return c.json(noteWire(note), 201);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/contacts/{number}/notes/{noteId}",
      tags: ["Contacts"],
      summary: "Edit a note's text",
      description: "The author stays.",
      request: { params: NoteParam, body: bodyDoc(EditBody, { body: "Llamar después de las 15 h" }) },
      responses: { 200: json(ContactNoteSchema, "Updated"), ...commonErrors },
    }),
    async (c) => {
      const body = await readBody(c, EditBody);
      const { number, noteId } = c.req.valid("param");
      return c.json(noteWire(await c.get("deps").services.contactNotes.edit(number, noteId, body)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/contacts/{number}/notes/{noteId}",
      tags: ["Contacts"],
      summary: "Delete a note",
      request: { params: NoteParam },
      responses: {
        200: json(z.object({ message: z.string() }), "Deleted", { message: "Note deleted successfully" }),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { number, noteId } = c.req.valid("param");
      await c.get("deps").services.contactNotes.remove(number, noteId);
      return c.json({ message: "Note deleted successfully" }, 200);
    },
  );
