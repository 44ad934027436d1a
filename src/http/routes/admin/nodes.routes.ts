import { createRoute, z } from "@hono/zod-openapi";
import { connectionOwner, describeCluster, moveConnection, nodeState } from "../../../cluster/nodes-admin";
import { AppError } from "../../../errors";
import { adminOnly } from "../../auth";
import { bodyDoc, readBody } from "../../body";
import { createRouter } from "../../create-router";
import { commonErrors, ErrorSchema, IdParam, json } from "../../wire";

const NodeSchema = z
  .object({
    id: z.string(),
    address: z.string().nullable(),
    /** The node that answered this request. */
    self: z.boolean(),
    load: z.number().int(),
    connections: z.array(z.number().int()),
    startedAt: z.string(),
    heartbeatAt: z.string(),
  })
  .openapi("ClusterNode");

const NodesResponse = z.object({
  database: z.enum(["postgres", "sqlite"]),
  nodes: z.array(NodeSchema),
  unowned: z.array(z.number().int()),
});

const MoveBody = z.object({ node: z.string().min(1).max(200) });
const MoveResponse = z.object({
  connectionId: z.number().int(),
  node: z.string(),
  from: z.string().nullable(),
  status: z.literal("requested"),
});

/** The nodes of a PostgreSQL cluster and an admin's move of a connection (what `chasqui nodes [move]` does). */
export const nodesRouter = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/nodes",
      tags: ["Admin"],
      summary: "The nodes of the cluster and the connections each runs (admin)",
      description:
        "On PostgreSQL (DATABASE_URL): every live node (heartbeat younger than CLUSTER_LEASE_TTL_MS) with its address, load (leases held) and connections, and the connections no live node runs (`unowned`); what `chasqui nodes` prints. On SQLite: the one node (`id` `local`), running the connections whose session is up; the others are `unowned`.",
      middleware: [adminOnly] as const,
      responses: {
        200: json(NodesResponse, "The cluster", {
          database: "postgres",
          nodes: [
            {
              id: "app-1-3f9a2c1e",
              address: "http://10.0.0.5:8080",
              self: true,
              load: 2,
              connections: [1, 3],
              startedAt: "2026-12-02T08:00:00.000Z",
              heartbeatAt: "2026-12-02T09:15:04.120Z",
            },
          ],
          unowned: [4],
        }),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { cluster, sessions, services } = c.get("deps");
      if (!cluster) {
        const running = new Set(sessions.ids());
        const all = (await services.connections.list()).map((x) => x.id).sort((a, b) => a - b);
        const now = new Date();
        return c.json(
          {
            database: "sqlite" as const,
            nodes: [
              {
                id: "local",
                address: c.get("deps").config.publicUrl,
                self: true,
                load: all.filter((id) => running.has(id)).length,
                connections: all.filter((id) => running.has(id)),
                startedAt: new Date(now.getTime() - process.uptime() * 1000).toISOString(),
                heartbeatAt: now.toISOString(),
              },
            ],
            unowned: all.filter((id) => !running.has(id)),
          },
          200,
        );
      }
      const view = await describeCluster(cluster.sql, cluster.ttlMs);
      return c.json(
        {
          database: "postgres" as const,
          nodes: view.nodes.map((n) => ({
            id: n.id,
            address: n.address,
            self: n.id === cluster.nodeId,
            load: n.connections.length,
            connections: n.connections,
            startedAt: n.startedAt.toISOString(),
            heartbeatAt: n.heartbeatAt.toISOString(),
          })),
          unowned: view.unowned,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/connections/{connectionId}/move",
      tags: ["Admin"],
      summary: "Move a connection to another node of the cluster (admin)",
      description:
        "PostgreSQL only. Asks that the connection run on `node` (a live node, see `GET /admin/nodes`): its owner closes the socket and releases the lease, then only that node takes it and connects it with the stored credentials. Both nodes are told at once; one that cannot be reached does it at its next lease renewal or claim round (within a third of CLUSTER_LEASE_TTL_MS each). Answers 202 once the nodes were told; follow `GET /admin/nodes` or the `connection_update` events. Same as `chasqui nodes move`. A server on SQLite answers 409 ERR_NEEDS_POSTGRES.",
      middleware: [adminOnly] as const,
      request: {
        params: IdParam("connectionId"),
        body: bodyDoc(MoveBody, { node: "app-2-7c01d4b9" }),
      },
      responses: {
        202: json(MoveResponse, "The move is requested", {
          connectionId: 3,
          node: "app-2-7c01d4b9",
          from: "app-1-3f9a2c1e",
          status: "requested",
        }),
        ...commonErrors,
        404: {
          description: "No such connection (ERR_CONNECTION_NOT_FOUND) or node (ERR_NODE_NOT_FOUND)",
          content: { "application/json": { schema: ErrorSchema } },
        },
        409: {
          description:
            "The node is not live (ERR_NODE_NOT_LIVE), or the server runs on SQLite: one node (ERR_NEEDS_POSTGRES)",
          content: { "application/json": { schema: ErrorSchema } },
        },
      },
    }),
    async (c) => {
      const { node } = await readBody(c, MoveBody);
      const { cluster, services } = c.get("deps");
      const connection = await services.connections.get(c.req.valid("param").connectionId);
      if (!cluster)
        throw new AppError(
          "ERR_NEEDS_POSTGRES",
          "Moving a connection needs a cluster on PostgreSQL (DATABASE_URL): this server is one node on SQLite",
        );
      const state = await nodeState(cluster.sql, cluster.ttlMs, node);
      if (state === "unknown")
        throw new AppError("ERR_NODE_NOT_FOUND", `No node ${node} in the cluster (see GET /admin/nodes)`);
      const from = await connectionOwner(cluster.sql, cluster.ttlMs, connection.id);
      const result =
        state === "live"
          ? await moveConnection(cluster.sql, cluster.ttlMs, connection.id, node)
          : "unknown-node";
      if (result === "unknown-connection")
        throw new AppError("ERR_CONNECTION_NOT_FOUND", "Connection not found");
      if (result === "unknown-node")
        throw new AppError(
          "ERR_NODE_NOT_LIVE",
          `Node ${node} is not live (no heartbeat within CLUSTER_LEASE_TTL_MS): move the connection to a live node`,
        );
      // Best effort: the owner's next renewal and the target's next claim round do the same within ttl/3 each.
      await cluster
        .nudgeMove(connection.id, from, node)
        .catch((err) =>
          c.get("deps").logger.warn({ err, connectionId: connection.id, node }, "nudging a move failed"),
        );
      return c.json({ connectionId: connection.id, node, from, status: "requested" as const }, 202);
    },
  );
