import { createRoute, z } from "@hono/zod-openapi";
import { adminOnly } from "../../auth";
import { bodyDoc, readBody } from "../../body";
import { createRouter } from "../../create-router";
import { ContactSchema, commonErrors, contactWire, ErrorSchema, json, sendErrors } from "../../wire";

const NumberParam = z.object({
  number: z
    .string()
    .min(1)
    .openapi({ param: { name: "number", in: "path" }, example: "595991234567" }),
});

const ValidateBody = z.object({
  number: z.string().min(1),
  whatsappId: z.number().int().positive().nullish(),
});

const DeleteQuery = z.object({
  purge: z.enum(["true", "false"]).optional().openapi({
    description: "`true`: also erase the contact's tickets, messages, reactions and media files",
    example: "true",
  }),
});

const DeletedSchema = z.object({
  message: z.string(),
  deleted: z.object({
    tickets: z.number().int(),
    messages: z.number().int(),
    mediaFiles: z.number().int(),
  }),
});

const UpsertBody = z.object({
  number: z.string().min(1),
  name: z.string().trim().min(1).max(200).nullish(),
  email: z.union([z.email(), z.literal("")]).nullish(),
  whatsappId: z.number().int().positive().nullish(),
});

export const contactsRouter = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/contacts/validate",
      tags: ["Contacts"],
      summary: "Check whether a number is on WhatsApp",
      description: "Always 200 with `valid`; 409 ERR_WAPP_NOT_CONNECTED when the connection cannot check.",
      request: { body: bodyDoc(ValidateBody, { number: "595991234567", whatsappId: 2 }) },
      responses: {
        200: json(
          z.object({ valid: z.boolean(), number: z.string(), profilePicUrl: z.string().nullable() }),
          "The result of the check",
          { valid: true, number: "595991234567", profilePicUrl: "https://pps.whatsapp.net/v/t61/abc.jpg" },
        ),
        ...sendErrors,
      },
    }),
    async (c) => {
      const body = await readBody(c, ValidateBody);
      return c.json(await c.get("deps").services.contacts.validate(body.number, body.whatsappId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/contacts/{number}",
      tags: ["Contacts"],
      summary: "Get a contact by number",
      request: { params: NumberParam },
      responses: { 200: json(ContactSchema, "The contact"), ...commonErrors },
    }),
    async (c) =>
      c.json(
        contactWire(await c.get("deps").services.contacts.getByNumber(c.req.valid("param").number)),
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/contacts",
      tags: ["Contacts"],
      summary: "Create or update a contact",
      description:
        "Upsert by number: creates the contact (201) or updates its name and email (200). When a connection is connected the number is first checked on WhatsApp (400 ERR_WAPP_INVALID_CONTACT when it is not there).",
      request: {
        body: bodyDoc(UpsertBody, {
          number: "595991234567",
          name: "María García",
          email: "maria@example.com",
        }),
      },
      responses: {
        201: json(z.object({ message: z.string(), contact: ContactSchema }), "Created"),
        200: json(z.object({ message: z.string(), contact: ContactSchema }), "Updated"),
        ...sendErrors,
      },
    }),
    async (c) => {
      const body = await readBody(c, UpsertBody);
      const { contact, created } = await c.get("deps").services.contacts.save(body);
      return created
        ? c.json({ message: "Contact created successfully", contact: contactWire(contact) }, 201)
        : c.json({ message: "Contact updated successfully", contact: contactWire(contact) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/contacts/{number}",
      tags: ["Contacts"],
      summary: "Delete a contact; with purge=true erase everything about it (admin)",
      description:
        "A contact without tickets is deleted. One with tickets answers 409 ERR_CONFLICT unless `purge=true`, which erases the contact, its tickets, their messages and reactions, and their media files (GDPR erasure). No event is emitted. Events already stored (webhook payloads, the event feed) keep their copy until EVENT_RETENTION_HOURS / WEBHOOK_RETENTION_DAYS.",
      middleware: [adminOnly] as const,
      request: { params: NumberParam, query: DeleteQuery },
      responses: {
        200: json(DeletedSchema, "Deleted", {
          message: "Contact deleted successfully",
          deleted: { tickets: 2, messages: 120, mediaFiles: 7 },
        }),
        ...commonErrors,
        409: {
          description: "The contact has tickets and `purge=true` was not given (ERR_CONFLICT)",
          content: { "application/json": { schema: ErrorSchema } },
        },
      },
    }),
    async (c) => {
      const deleted = await c.get("deps").services.contacts.remove(c.req.valid("param").number, {
        purge: c.req.valid("query").purge === "true",
      });
      return c.json({ message: "Contact deleted successfully", deleted }, 200);
    },
  );
