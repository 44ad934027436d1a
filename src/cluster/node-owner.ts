// Who holds a row "in flight" across the cluster (docs/CLUSTER.md §4): an owner names a node *and its start*, so a
// node that restarted under the same id does not claim what its previous run left unfinished. An owner is live while
// that node's registry row (`nodes`, src/cluster/leases.ts) still has that start and a fresh heartbeat.
import type { SQL } from "bun";

/** `<node id>@<start in ms>`: the owner string of this run of node `nodeId` (registered first). */
export async function nodeOwner(sql: SQL, nodeId: string): Promise<string> {
  const [row] = (await sql`
    select (extract(epoch from started_at) * 1000)::bigint as started from nodes where id = ${nodeId}`) as {
    started: unknown;
  }[];
  if (!row) throw new Error(`node ${nodeId} is not registered`);
  return `${nodeId}@${Number(row.started)}`;
}

/** Whether `owner` (from `nodeOwner`) is a node still running that start, its heartbeat younger than `ttlMs`. */
export function nodeLiveness(sql: SQL, ttlMs: number): (owner: string) => Promise<boolean> {
  const ttl = Math.max(1, Math.round(ttlMs));
  return async (owner) => {
    const at = owner.lastIndexOf("@");
    const started = Number(owner.slice(at + 1));
    if (at <= 0 || !Number.isSafeInteger(started)) return false;
    const found = await sql`
      select 1 from nodes
      where id = ${owner.slice(0, at)}
        and (extract(epoch from started_at) * 1000)::bigint = ${started}
        and heartbeat_at > now() - ${ttl}::int * interval '1 millisecond'`;
    return found.length > 0;
  };
}
