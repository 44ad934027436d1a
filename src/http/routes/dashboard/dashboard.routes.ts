import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../create-router";
import { commonErrors, json } from "../../wire";

const Instant = z.iso
  .datetime({ offset: true })
  .transform((s) => Date.parse(s))
  .optional();

const DashboardQuery = z.object({
  from: Instant.openapi({
    type: "string",
    format: "date-time",
    description:
      "Start of the window for `closed` and the medians (default: this week's Monday 00:00 in `tz`)",
    example: "2024-12-02T00:00:00-03:00",
  }),
  to: Instant.openapi({
    type: "string",
    format: "date-time",
    description: "End of the window, exclusive (default: now)",
  }),
  tz: z.string().trim().min(1).max(64).optional().openapi({
    description: "IANA time zone for today, this week and the default window (default: the server's zone)",
    example: "America/Asuncion",
  }),
});

const Figures = {
  open: z.number().int(),
  pending: z.number().int(),
  closedToday: z.number().int(),
  closedThisWeek: z.number().int().openapi({ description: "Since Monday 00:00 in `tz`" }),
  closed: z.number().int().openapi({ description: "Closed within [from, to)" }),
  medianFirstResponseMs: z.number().int().nullable().openapi({
    description:
      "Median time from the customer's first message of a ticket to our first message after it, over the tickets first answered within [from, to); null when none",
  }),
  firstResponses: z.number().int().openapi({ description: "Tickets first answered within [from, to)" }),
  medianResolutionMs: z.number().int().nullable().openapi({
    description:
      "Median time from a ticket's creation to its close, over the tickets closed within [from, to)",
  }),
};

const EXAMPLE_FIGURES = {
  open: 4,
  pending: 2,
  closedToday: 3,
  closedThisWeek: 11,
  closed: 11,
  medianFirstResponseMs: 95_000,
  firstResponses: 14,
  medianResolutionMs: 5_400_000,
};

const DashboardSchema = z
  .object({
    timeZone: z.string(),
    from: z.string(),
    to: z.string(),
    todayFrom: z.string(),
    weekFrom: z.string(),
    generatedAt: z.string(),
    totals: z.object(Figures),
    queues: z.array(
      z.object({
        queueId: z.number().int().nullable().openapi({ description: "null: tickets without a queue" }),
        name: z.string().nullable(),
        ...Figures,
      }),
    ),
    agents: z.array(
      z.object({
        userId: z.number().int().nullable().openapi({ description: "null: tickets assigned to nobody" }),
        name: z.string().nullable(),
        ...Figures,
      }),
    ),
  })
  .openapi("Dashboard", {
    example: {
      timeZone: "America/Asuncion",
      from: "2024-12-02T03:00:00.000Z",
      to: "2024-12-04T15:00:00.001Z",
      todayFrom: "2024-12-04T03:00:00.000Z",
      weekFrom: "2024-12-02T03:00:00.000Z",
      generatedAt: "2024-12-04T15:00:00.000Z",
      totals: { ...EXAMPLE_FIGURES },
      queues: [{ queueId: 1, name: "Soporte", ...EXAMPLE_FIGURES }],
      agents: [{ userId: 2, name: "Ana Agente", ...EXAMPLE_FIGURES }],
    },
  });

export const dashboardRouter = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/dashboard",
    tags: ["Dashboard"],
    summary: "Helpdesk figures per queue and per agent",
    description:
      "Open and pending tickets now, tickets closed today and this week, and in [from, to) the number closed and the median first-response and resolution times, per queue and per agent (the ticket's assigned user). Every queue and user is listed, with zeros when idle.",
    request: { query: DashboardQuery },
    responses: { 200: json(DashboardSchema, "The figures"), ...commonErrors },
  }),
  async (c) => {
    const q = c.req.valid("query");
    return c.json(await c.get("deps").services.dashboard({ from: q.from, to: q.to, timeZone: q.tz }), 200);
  },
);
