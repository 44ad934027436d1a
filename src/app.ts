import type { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { RPC_PATH } from "./cluster/remote-gateway";
import { requireAuth } from "./http/auth";
import { createAuthThrottle } from "./http/auth-throttle";
import { bodyLimits, requestLimitBytes } from "./http/body-limit";
import type { AppDeps, AppEnv } from "./http/context";
import { createRouter } from "./http/create-router";
import { registerEventDocs } from "./http/event-docs";
import { renderError } from "./http/on-error";
import { servePublicMedia } from "./http/public-media";
import { observeRequests } from "./http/request-log";
import { adminRouter } from "./http/routes/admin/admin.routes";
import { nodesRouter } from "./http/routes/admin/nodes.routes";
import { authPublicRouter, authRouter } from "./http/routes/auth/auth.routes";
import { legacyQueueRouter, queuesRouter, tagsRouter } from "./http/routes/catalog/catalog.routes";
import { connectionsRouter } from "./http/routes/connections";
import { contactNotesRouter } from "./http/routes/contacts/contact-notes.routes";
import { contactsRouter } from "./http/routes/contacts/contacts.routes";
import { contactsListRouter } from "./http/routes/contacts/contacts-list.routes";
import { dashboardRouter } from "./http/routes/dashboard/dashboard.routes";
import { docsRouter } from "./http/routes/docs/docs";
import { eventsRouter } from "./http/routes/events/events.routes";
import { eventsStreamRouter } from "./http/routes/events/events-stream.routes";
import { healthRouter } from "./http/routes/health/health.routes";
import { messagesRouter } from "./http/routes/messages/messages.routes";
import { metricsRouter } from "./http/routes/metrics/metrics.routes";
import { quickAnswersRouter } from "./http/routes/quick-answers/quick-answers.routes";
import { messageSearchRouter } from "./http/routes/search/message-search.routes";
import { legacySendRouter, sendV1Router } from "./http/routes/send/send.routes";
import { ticketsRouter } from "./http/routes/tickets/tickets.routes";
import { meRouter } from "./http/routes/tokens/me.routes";
import { tokensRouter } from "./http/routes/tokens/tokens.routes";
import { usersRouter } from "./http/routes/users/users.routes";
import { webhookOpsRouter } from "./http/routes/webhook-ops/webhook-ops.routes";
import { mcpRouter } from "./mcp/mcp.routes";
import { panelRouter } from "./panel/panel.routes";

export const API_VERSION = "1.0.0";

export function createApp(
  given: Omit<AppDeps, "authThrottle" | "loginThrottle"> &
    Partial<Pick<AppDeps, "authThrottle" | "loginThrottle">> & { clock?: () => number },
) {
  const { clock, ...rest } = given;
  const deps: AppDeps = {
    ...rest,
    authThrottle:
      given.authThrottle ?? createAuthThrottle({ limitPerMinute: given.config.authFailLimit, clock }),
    loginThrottle:
      given.loginThrottle ??
      createAuthThrottle({ limitPerMinute: given.config.loginAccountFailLimit, clock }),
  };
  const app = createRouter();
  app.onError(renderError);
  app.notFound((c) =>
    c.json({ error: "ERR_NOT_FOUND", message: `No route for ${c.req.method} ${c.req.path}` }, 404),
  );
  app.use("*", async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  app.use("*", observeRequests);
  // On PostgreSQL, the parts not converted yet answer 503 instead of writing a local file (docs/CLUSTER.md §6).
  const notYet = deps.notYet;
  const notYetGuard = notYet
    ? createMiddleware<AppEnv>(async (c, next) => {
        const part = await notYet(c.req.method, c.req.path, () => c.req.raw.clone().json());
        if (!part) return next();
        return c.json(
          {
            error: "ERR_NOT_ON_POSTGRES",
            message: `Not available on PostgreSQL yet (DATABASE_URL): ${part.area}. Run on SQLite for it; see docs/CLUSTER.md`,
          },
          503,
        );
      })
    : undefined;

  app.get("/health", (c) =>
    c.json({
      status: "ok",
      version: API_VERSION,
      uptimeSeconds: Math.round(process.uptime()),
      // Survived, not fatal: a rising count asks the operator to look at the disk or the logs.
      logWriteErrors: deps.health.logWriteErrors,
      unhandledErrors: deps.health.unhandledErrors,
    }),
  );
  // PostgreSQL cluster: another node's call for a connection this node runs (not in the OpenAPI; absent on SQLite).
  const cluster = deps.cluster;
  if (cluster)
    app.post(`${RPC_PATH}/:connectionId/:op`, (c) =>
      cluster.rpc(c.req.raw, Number(c.req.param("connectionId")), c.req.param("op")),
    );
  app.route("/", healthRouter);
  app.route("/", metricsRouter);

  app.get("/public/:file", (c) => servePublicMedia(deps, c.req.param("file")));

  // Before requireAuth: the SSE route authenticates itself, also from ?access_token= (EventSource sends no headers).
  // On PostgreSQL the guard goes first (the stream answers before any later middleware could run).
  if (notYetGuard) app.use("/api/v1/events/stream", notYetGuard);
  app.route("/api/v1", eventsStreamRouter);
  // Sign-in and sign-out need no credentials; their bodies are small JSON.
  app.use("/api/v1/auth/login", bodyLimits({ maxJsonBytes: 16 * 1024, maxMultipartBytes: 16 * 1024 }));
  app.route("/api/v1", authPublicRouter);
  app.use("/api/*", requireAuth);
  if (notYetGuard) {
    app.use("/api/*", notYetGuard);
    app.use("/mcp", notYetGuard);
  }
  app.use(
    "/api/*",
    bodyLimits({
      maxJsonBytes: deps.config.maxJsonBodyBytes,
      maxMultipartBytes: requestLimitBytes(deps.config.maxUploadBytes),
    }),
  );

  const v1 = createRouter()
    .route("/", ticketsRouter)
    .route("/", messageSearchRouter)
    .route("/", messagesRouter)
    .route("/", sendV1Router)
    .route("/", contactsListRouter)
    .route("/", contactsRouter)
    .route("/", contactNotesRouter)
    .route("/", quickAnswersRouter)
    .route("/", dashboardRouter)
    .route("/", connectionsRouter)
    .route("/", queuesRouter)
    .route("/", usersRouter)
    .route("/", tagsRouter)
    .route("/", tokensRouter)
    .route("/", meRouter)
    .route("/", authRouter)
    .route("/", webhookOpsRouter)
    .route("/", adminRouter)
    .route("/", nodesRouter)
    .route("/", eventsRouter);
  app.route("/api/v1", v1);
  app.route("/api", createRouter().route("/", legacySendRouter).route("/", legacyQueueRouter));
  // AI agents: MCP over Streamable HTTP, same tokens as /api (see docs/MCP.md).
  app.route("/", mcpRouter);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "chasqui_session",
  });
  registerEventDocs(app);
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Chasqui API",
      version: API_VERSION,
      description:
        "Self-hosted WhatsApp helpdesk API. Every /api route needs `Authorization: Bearer <token>`, or the panel's session cookie from `POST /api/v1/auth/login` (writes with the cookie must also pass the same-origin check: see that route). Errors are always `{error, message}`.",
    },
    security: [{ bearer: [] }, { session: [] }],
  });
  app.route("/", docsRouter as unknown as Hono<AppEnv>);
  app.route("/", panelRouter);
  return app;
}

export type App = ReturnType<typeof createApp>;
