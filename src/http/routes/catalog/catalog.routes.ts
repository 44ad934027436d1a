import { createRoute, z } from "@hono/zod-openapi";
import type { Services } from "../../../domain";
import { isValidTimeZone, minutesOf, TIME_OF_DAY, WEEKDAYS } from "../../../domain/automation/schedule";
import { adminOnly } from "../../auth";
import { bodyDoc, MAX_TEXT, readBody } from "../../body";
import { createRouter } from "../../create-router";
import { arrayPageOf, arrayPageQuery, nextCursorHeader, nextCursorOf } from "../../cursor";
import { commonErrors, conflictErrors, IdParam, json } from "../../wire";

const Color = z.string().trim().min(1).max(32).openapi({ example: "#4CAF50" });
const stamp = { createdAt: z.string(), updatedAt: z.string() };

const TimeRange = z
  .object({
    start: z.string().regex(TIME_OF_DAY, "A time of day, HH:MM (00:00–23:59)"),
    end: z.string().regex(TIME_OF_DAY, "A time of day, HH:MM (00:01–24:00)"),
  })
  .refine(
    (r) => !TIME_OF_DAY.test(r.start) || !TIME_OF_DAY.test(r.end) || minutesOf(r.start) < minutesOf(r.end),
    {
      message: "start must be before end; split a range that crosses midnight in two days",
      path: ["end"],
    },
  );
const ScheduleSchema = z
  .strictObject(
    Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(TimeRange).max(10).optional()])) as Record<
      (typeof WEEKDAYS)[number],
      z.ZodOptional<z.ZodArray<typeof TimeRange>>
    >,
  )
  .openapi("QueueSchedule", {
    description:
      "Opening hours per weekday (`mon`…`sun`), each a list of local `HH:MM` ranges (end exclusive, `24:00` allowed); a missing day is closed",
    example: {
      mon: [
        { start: "09:00", end: "13:00" },
        { start: "14:00", end: "18:00" },
      ],
      sat: [{ start: "09:00", end: "12:00" }],
    },
  });
const TimeZone = z.string().refine(isValidTimeZone, "Not an IANA time zone (e.g. America/Asuncion)");

export const QueueSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    color: z.string(),
    greetingMessage: z.string().nullable(),
    schedule: ScheduleSchema.nullable(),
    timeZone: z.string().nullable(),
    outOfHoursMessage: z.string().nullable(),
    ...stamp,
  })
  .openapi("Queue", {
    example: {
      id: 1,
      name: "Soporte",
      color: "#4CAF50",
      greetingMessage: null,
      schedule: null,
      timeZone: null,
      outOfHoursMessage: null,
      createdAt: "2024-12-01T10:00:00.000Z",
      updatedAt: "2024-12-01T10:00:00.000Z",
    },
  });
const stampExample = { createdAt: "2024-12-01T10:00:00.000Z", updatedAt: "2024-12-01T10:00:00.000Z" };
const TagSchema = z
  .object({ id: z.number().int(), name: z.string(), color: z.string(), ...stamp })
  .openapi("Tag", { example: { id: 1, name: "VIP", color: "#FFC107", ...stampExample } });

type CatalogRow = { id: number; name: string; createdAt: Date; updatedAt: Date };

const withDates = <T extends { createdAt: Date; updatedAt: Date }>(r: T) => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** The same five routes for each catalog: list and get for any principal, writes for admins. Users have their own routes (routes/users). */
function catalogRoutes<K extends keyof Services["catalog"]>(opts: {
  key: K;
  path: string;
  tag: string;
  label: string;
  schema: z.ZodType;
  create: z.ZodObject<z.ZodRawShape>;
  example: Record<string, unknown>;
}) {
  const Param = IdParam("id");
  const ListQuery = arrayPageQuery(opts.key as "queues");
  const update = opts.create.partial();
  const svc = (c: { get(k: "deps"): { services: Services } }) =>
    c.get("deps").services.catalog[opts.key] as unknown as {
      list(): Promise<CatalogRow[]>;
      listPage(at: { limit: number; after?: readonly [string, number] }): Promise<{
        rows: CatalogRow[];
        hasMore: boolean;
      }>;
      get(id: number): Promise<{ createdAt: Date; updatedAt: Date }>;
      create(v: object): Promise<{ createdAt: Date; updatedAt: Date }>;
      update(id: number, v: object): Promise<{ createdAt: Date; updatedAt: Date }>;
      remove(id: number): Promise<void>;
    };
  return createRouter()
    .openapi(
      createRoute({
        method: "get",
        path: opts.path,
        tags: [opts.tag],
        summary: `List ${opts.label}s`,
        description:
          "By name (then id). Whole, or one page with `limit` / `after` (cursor in `X-Next-Cursor`).",
        request: { query: ListQuery },
        responses: {
          200: {
            ...json(z.array(opts.schema), `All ${opts.label}s by name, or the page asked for`),
            headers: nextCursorHeader,
          },
          ...commonErrors,
        },
      }),
      async (c) => {
        const at = arrayPageOf(c.req.valid("query"));
        if (!at) return c.json((await svc(c).list()).map(withDates), 200);
        const page = await svc(c).listPage(at);
        // queues, users and tags share the key shape (name, id).
        const next = nextCursorOf(opts.key as "queues", page, (r) => [r.name, r.id]);
        if (next) c.header("X-Next-Cursor", next);
        return c.json(page.rows.map(withDates), 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: `${opts.path}/{id}`,
        tags: [opts.tag],
        summary: `Get a ${opts.label}`,
        request: { params: Param },
        responses: { 200: json(opts.schema, `The ${opts.label}`), ...commonErrors },
      }),
      async (c) => c.json(withDates(await svc(c).get(c.req.valid("param").id)), 200),
    )
    .openapi(
      createRoute({
        method: "post",
        path: opts.path,
        tags: [opts.tag],
        summary: `Create a ${opts.label} (admin)`,
        middleware: [adminOnly] as const,
        request: { body: bodyDoc(opts.create, opts.example) },
        responses: { 201: json(opts.schema, "Created"), ...conflictErrors },
      }),
      async (c) => c.json(withDates(await svc(c).create(await readBody(c, opts.create))), 201),
    )
    .openapi(
      createRoute({
        method: "put",
        path: `${opts.path}/{id}`,
        tags: [opts.tag],
        summary: `Update a ${opts.label} (admin)`,
        middleware: [adminOnly] as const,
        request: { params: Param, body: bodyDoc(update, opts.example) },
        responses: { 200: json(opts.schema, "Updated"), ...conflictErrors },
      }),
      async (c) => {
        const values = await readBody(c, update);
        return c.json(withDates(await svc(c).update(c.req.valid("param").id, values)), 200);
      },
    )
    .openapi(
      createRoute({
        method: "delete",
        path: `${opts.path}/{id}`,
        tags: [opts.tag],
        summary: `Delete a ${opts.label} (admin)`,
        middleware: [adminOnly] as const,
        request: { params: Param },
        responses: {
          200: json(z.object({ message: z.string() }), "Deleted", {
            message: `${opts.label[0]!.toUpperCase()}${opts.label.slice(1)} deleted successfully`,
          }),
          ...commonErrors,
        },
      }),
      async (c) => {
        await svc(c).remove(c.req.valid("param").id);
        return c.json(
          { message: `${opts.label[0]!.toUpperCase()}${opts.label.slice(1)} deleted successfully` },
          200,
        );
      },
    );
}

export const queuesRouter = catalogRoutes({
  key: "queues",
  path: "/queues",
  tag: "Queues",
  label: "queue",
  schema: QueueSchema,
  create: z.object({
    name: z.string().trim().min(1).max(100),
    color: Color,
    greetingMessage: z.string().max(MAX_TEXT).nullish().openapi({
      description:
        "Sent when the customer picks this queue in the connection's menu, or a ticket lands in it as the connection's only queue",
    }),
    schedule: ScheduleSchema.nullish().openapi({ description: "Opening hours; null = always open" }),
    timeZone: TimeZone.nullish().openapi({
      description: "IANA time zone the schedule is read in (default UTC)",
      example: "America/Asuncion",
    }),
    outOfHoursMessage: z.string().max(MAX_TEXT).nullish().openapi({
      description:
        "Sent when a customer writes on a ticket of this queue outside the schedule, at most once per ticket per closed window",
    }),
  }),
  example: {
    name: "Soporte",
    color: "#4CAF50",
    schedule: { mon: [{ start: "09:00", end: "18:00" }] },
    timeZone: "America/Asuncion",
    outOfHoursMessage: "Estamos cerrados; te respondemos mañana desde las 9:00.",
  },
});

export const tagsRouter = catalogRoutes({
  key: "tags",
  path: "/tags",
  tag: "Tags",
  label: "tag",
  schema: TagSchema,
  create: z.object({ name: z.string().trim().min(1).max(100), color: Color }),
  example: { name: "VIP", color: "#FFC107" },
});

export const legacyQueueRouter = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/queue/list",
    tags: ["Queues"],
    summary: "List queues (original API)",
    responses: {
      200: json(
        z.array(z.object({ id: z.number().int(), name: z.string(), color: z.string() })),
        "Queues by name",
        [
          { id: 1, name: "Soporte", color: "#4CAF50" },
          { id: 2, name: "Ventas", color: "#2196F3" },
        ],
      ),
      ...commonErrors,
    },
  }),
  async (c) =>
    c.json(
      (await c.get("deps").services.catalog.queues.list()).map(({ id, name, color }) => ({
        id,
        name,
        color,
      })),
      200,
    ),
);
