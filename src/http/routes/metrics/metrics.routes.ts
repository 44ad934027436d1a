import { createHash, timingSafeEqual } from "node:crypto";
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AppError } from "../../../errors";
import { authenticate, bearerToken } from "../../auth";
import type { AppEnv } from "../../context";
import { createRouter } from "../../create-router";
import { commonErrors } from "../../wire";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * A Prometheus scraper sends a fixed bearer secret (`authorization.credentials_file`): METRICS_TOKEN,
 * so it need not hold an admin token. An admin token works too, for a look by hand. Wrong secrets count
 * toward the same per-address failure limit as every other route.
 */
async function requireMetricsAccess(c: Context<AppEnv>): Promise<void> {
  const { config } = c.get("deps");
  const token = bearerToken(c);
  if (token && config.metricsToken && timingSafeEqual(digest(token), digest(config.metricsToken))) return;
  const principal = await authenticate(
    c,
    token,
    "Missing bearer token: send Authorization: Bearer <METRICS_TOKEN>",
  );
  c.set("principal", principal);
  if (principal.kind !== "token" || principal.scope !== "admin")
    throw new AppError("ERR_FORBIDDEN", "Metrics need METRICS_TOKEN or an admin token");
}

export const metricsRouter = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/metrics",
    tags: ["Health"],
    summary: "Prometheus metrics",
    description:
      "The Prometheus text exposition format (version 0.0.4). Needs `Authorization: Bearer <METRICS_TOKEN>`, or an admin token. See the README, section Monitoring, for every series.",
    responses: {
      200: {
        description: "Metrics in the text exposition format",
        content: {
          "text/plain": {
            schema: z.string(),
            example:
              '# HELP chasqui_messages_total Messages stored, by connection id and direction (in: received, out: sent).\n# TYPE chasqui_messages_total counter\nchasqui_messages_total{connection="1",direction="in"} 12\n',
          },
        },
      },
      ...commonErrors,
    },
  }),
  async (c) => {
    await requireMetricsAccess(c);
    const { metrics } = c.get("deps");
    const text = await metrics.render();
    return c.text(text, 200, { "content-type": metrics.contentType, "cache-control": "no-store" });
  },
);
