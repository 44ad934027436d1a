/**
 * The session manager's ownership on PostgreSQL (docs/CLUSTER.md §4), assembled from what a server has: its
 * pool, this node's id and address, the lease ttl (CLUSTER_LEASE_TTL_MS) and a look-up of a connection.
 * The server passes the result as `createSessionManager({ ownership })` and calls `startOwnership()` instead of
 * starting every connection (see {@link runsAtStart}).
 */
import type { SQL } from "bun";
import type { SessionOwnership } from "../whatsapp/session-manager";
import { createNodeLeases } from "./leases";

type StoredConnection = { id: number; driver: string; number: string | null; status: string };

/**
 * Whether a connection's session runs when its node starts (or takes its lease): not a logged-out WhatsApp
 * connection, which waits for an operator to link it again; a sandbox one always.
 */
export const runsAtStart = (c: { driver: string; status: string }): boolean =>
  !(c.status === "DISCONNECTED" && c.driver !== "sandbox");

export function connectionOwnership(
  sql: SQL,
  opts: {
    /** Unique per process start: a restarted node must not count its predecessor's leases as its own. */
    nodeId: string;
    address: string | null;
    ttlMs: number;
    find: (connectionId: number) => Promise<StoredConnection | undefined>;
    /** This run's secret for internal calls (stored with its registry row), and the forwarding to other nodes. */
    secret?: string;
    remote?: SessionOwnership["remote"];
  },
): SessionOwnership {
  return {
    leases: createNodeLeases(sql, { nodeId: opts.nodeId, ttlMs: opts.ttlMs, secret: opts.secret }),
    address: opts.address,
    remote: opts.remote,
    loadConnection: async (id) => {
      const c = await opts.find(id);
      return c && runsAtStart(c) ? { id: c.id, driver: c.driver, number: c.number } : undefined;
    },
  };
}
