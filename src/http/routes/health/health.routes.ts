import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../create-router";
import { json } from "../../wire";

const ReadinessSchema = z
  .object({
    ready: z.boolean(),
    checks: z.object({
      database: z.enum(["ok", "error"]),
      migrations: z.enum(["ok", "pending", "unknown"]),
      media: z.enum(["ok", "error"]),
    }),
    media: z.object({
      store: z
        .enum(["local", "s3"])
        .openapi({ description: "DATA_DIR/media, or the MEDIA_S3_BUCKET bucket" }),
      error: z
        .string()
        .nullable()
        .openapi({ description: "Why the media store failed last; null while it works" }),
    }),
    connections: z.array(z.object({ id: z.number().int(), name: z.string(), status: z.string() })),
    readFront: z
      .object({
        threads: z.number().int().openapi({ description: "HTTP_READ_THREADS" }),
        running: z
          .number()
          .int()
          .openapi({ description: "Threads listening now; a dead one is started again within a second" }),
      })
      .nullable()
      .openapi({
        description:
          "The HTTP read threads (they answer the GET lists the main thread hands them, from read-only connections): how many there are and how many are ready; null when HTTP_READ_THREADS=0. While none is ready the main thread answers the lists itself, so a dead thread does not make the answer 503.",
      }),
    outbox: z
      .object({
        pending: z.number().int(),
        oldestPendingAgeSeconds: z.number().int(),
        stuck: z.boolean(),
        dispatcherRunning: z.boolean(),
      })
      .nullable(),
    postgres: z
      .object({
        node: z
          .string()
          .openapi({ description: "This node's id (NODE_ID, or hostname + a random suffix per start)" }),
        address: z
          .string()
          .openapi({ description: "Where this node is reached (NODE_ADDRESS, or PUBLIC_URL)" }),
        database: z.enum(["ok", "error"]).openapi({ description: "PostgreSQL answers a query" }),
        migrations: z
          .enum(["ok", "pending", "unknown"])
          .openapi({ description: "Every PostgreSQL migration this binary embeds is applied" }),
        notYet: z.array(z.string()).openapi({
          description:
            "Parts that do not run on PostgreSQL yet: their routes answer 503 and their background work does not start",
        }),
      })
      .optional()
      .openapi({
        description:
          "Only with DATABASE_URL: this node and its PostgreSQL. `checks.database`/`checks.migrations` fail when either the PostgreSQL database or the node's local SQLite file fails.",
      }),
  })
  .openapi("Readiness");

const example = {
  ready: true,
  checks: { database: "ok", migrations: "ok", media: "ok" },
  media: { store: "s3", error: null },
  connections: [{ id: 2, name: "Soporte", status: "qrcode" }],
  readFront: { threads: 1, running: 1 },
  outbox: { pending: 3, oldestPendingAgeSeconds: 4, stuck: false, dispatcherRunning: true },
};

/** Readiness for a load balancer or an orchestrator; `/health` (liveness) stays in app.ts. */
export const healthRouter = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/health/ready",
    tags: ["Health"],
    summary: "Readiness: the store answers and the migrations ran",
    description:
      "No token needed. 200 once the database answers a query and every migration is applied, else 503 with the same shape (`outbox` null). `connections` lists the connections that are not CONNECTED; `outbox.pending` counts undelivered webhook deliveries, `oldestPendingAgeSeconds` is the age of the oldest one of an enabled webhook, and `stuck` is true when that age passes OUTBOX_STUCK_AFTER_MS (15 min by default): the dispatcher is stopped or a receiver has failed that long. Neither makes the answer 503. `checks.media` is `error` while the media store fails (`media.error` says why): a MEDIA_S3_BUCKET that has not worked since the start (a wrong setting) makes the answer 503; one that fails after working (an outage) does not, as text messages still flow.",
    security: [],
    responses: {
      200: json(ReadinessSchema, "Ready", example),
      503: json(
        ReadinessSchema,
        "Not ready: the database does not answer, migrations are pending, or the media bucket never worked",
        {
          ready: false,
          checks: { database: "error", migrations: "unknown", media: "ok" },
          media: { store: "local", error: null },
          connections: [],
          readFront: null,
          outbox: null,
        },
      ),
    },
  }),
  async (c) => {
    const readiness = await c.get("deps").readiness();
    // Readiness is polled: a cached answer would hide the very change it reports.
    c.header("cache-control", "no-store");
    return readiness.ready ? c.json(readiness, 200) : c.json(readiness, 503);
  },
);
