/**
 * What `chasqui nodes` shows and does (docs/CLUSTER.md §4): the live nodes of a PostgreSQL cluster with the
 * connections each leases, and an admin's move of a connection to a node. Liveness and expiry are the
 * database's time, like everywhere in src/cluster/.
 */
import type { SQL } from "bun";
import { createNodeLeases } from "./leases";

export type NodeView = {
  id: string;
  address: string | null;
  startedAt: Date;
  heartbeatAt: Date;
  /** Connection ids this node holds an unexpired lease of, ascending. */
  connections: number[];
};

export type ClusterView = {
  nodes: NodeView[];
  /** Connections no live node holds (unowned, expired, or held by a node that stopped heartbeating). */
  unowned: number[];
};

/** Live nodes (heartbeat younger than `ttlMs`) with their leases, and the connections nobody live runs. */
export async function describeCluster(sql: SQL, ttlMs: number): Promise<ClusterView> {
  const ttl = Math.max(1, Math.round(ttlMs));
  const nodes = (await sql`select id, address, started_at, heartbeat_at from nodes
    where heartbeat_at > now() - ${ttl}::int * interval '1 millisecond' order by id`) as {
    id: string;
    address: string | null;
    started_at: Date;
    heartbeat_at: Date;
  }[];
  const leases = (await sql`select l.connection_id::int as connection_id, l.node_id,
      (l.node_id is not null and l.expires_at > now()) as held
    from connection_leases l order by l.connection_id`) as {
    connection_id: number;
    node_id: string | null;
    held: boolean;
  }[];
  const byNode = new Map(nodes.map((n) => [n.id, [] as number[]]));
  const unowned: number[] = [];
  for (const l of leases) {
    const list = l.held && l.node_id !== null ? byNode.get(l.node_id) : undefined;
    if (list) list.push(l.connection_id);
    else unowned.push(l.connection_id);
  }
  return {
    nodes: nodes.map((n) => ({
      id: n.id,
      address: n.address,
      startedAt: n.started_at,
      heartbeatAt: n.heartbeat_at,
      connections: byNode.get(n.id) ?? [],
    })),
    unowned,
  };
}

export type MoveResult = "requested" | "unknown-connection" | "unknown-node";

/**
 * Asks that `connectionId` run on `nodeId`: its owner closes the socket at its next renewal and releases the
 * lease, then only that node may take it. "unknown-node" when the node is not live.
 */
export async function moveConnection(
  sql: SQL,
  ttlMs: number,
  connectionId: number,
  nodeId: string,
): Promise<MoveResult> {
  const [exists] =
    (await sql`select 1 as ok from connection_leases where connection_id = ${connectionId}`) as unknown[];
  if (!exists) return "unknown-connection";
  // Only requestMove of the node registry is used: the lease view's own node id plays no part in it.
  const leases = createNodeLeases(sql, { nodeId: "admin", ttlMs });
  return (await leases.requestMove(connectionId, nodeId)) ? "requested" : "unknown-node";
}

/**
 * A node id as the registry knows it: "live" (heartbeat younger than `ttlMs`), "dead" (a row, heartbeat too old),
 * "unknown" (no row: never registered, or unregistered at a clean stop).
 */
export async function nodeState(
  sql: SQL,
  ttlMs: number,
  nodeId: string,
): Promise<"live" | "dead" | "unknown"> {
  const ttl = Math.max(1, Math.round(ttlMs));
  const [row] = (await sql`select (heartbeat_at > now() - ${ttl}::int * interval '1 millisecond') as live
    from nodes where id = ${nodeId}`) as { live: boolean }[];
  return !row ? "unknown" : row.live ? "live" : "dead";
}

/** The live node holding the connection's lease now, or null (unowned, expired, or its node stopped heartbeating). */
export async function connectionOwner(sql: SQL, ttlMs: number, connectionId: number): Promise<string | null> {
  const ttl = Math.max(1, Math.round(ttlMs));
  const [row] = (await sql`select l.node_id from connection_leases l
      join nodes n on n.id = l.node_id and n.heartbeat_at > now() - ${ttl}::int * interval '1 millisecond'
    where l.connection_id = ${connectionId} and l.expires_at > now()`) as { node_id: string }[];
  return row?.node_id ?? null;
}

/** `chasqui nodes` as text: one block per live node, then the connections nobody runs. */
export function formatCluster(view: ClusterView): string {
  if (view.nodes.length === 0 && view.unowned.length === 0) return "no live nodes and no connections\n";
  const lines: string[] = [];
  for (const n of view.nodes) {
    lines.push(
      `${n.id}  address=${n.address ?? "-"}  load=${n.connections.length}  heartbeat=${n.heartbeatAt.toISOString()}  started=${n.startedAt.toISOString()}`,
    );
    lines.push(`  connections: ${n.connections.length ? n.connections.join(", ") : "(none)"}`);
  }
  if (view.nodes.length === 0) lines.push("no live nodes");
  lines.push(`unowned connections: ${view.unowned.length ? view.unowned.join(", ") : "(none)"}`);
  return `${lines.join("\n")}\n`;
}
