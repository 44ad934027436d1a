/**
 * Connection ownership on PostgreSQL (docs/CLUSTER.md §4): each WhatsApp connection is run by one node at a
 * time, the holder of its row in `connection_leases`. A small API over a `Bun.SQL` client (the store hands it
 * its pool); nothing here reads a node's wall clock: every expiry is compared with the database's `now()`.
 *
 * - acquire: a conditional UPDATE that takes an unowned or expired lease and returns the fencing token, which
 *   grows at every acquisition;
 * - renew every ttl/3 while the socket lives; zero rows means the lease is lost: close the socket at once;
 * - self-fencing ({@link SelfFence}): a node that has not completed a renewal within ttl − margin of sending the
 *   last successful one stops on its own, before the lease can expire in database time;
 * - fenced writes ({@link withFence}): every write of session keys checks the token under `FOR KEY SHARE` in its
 *   own transaction, so a takeover (`FOR UPDATE` of that row first) waits for it, and a write after takeover
 *   fails; the owner's renewals (`FOR NO KEY UPDATE`) do not wait for its own writes;
 * - spreading ({@link NodeLeases.claimNext}): the least-loaded live node claims an unowned or expired lease;
 * - admin move: `wanted_node`; the owner lets go at its next renewal, then only the wanted node may take it.
 */
import type { SQL } from "bun";

/** The lease of one connection as a node holds it: `token` fences every write made under it. */
export type Lease = { connectionId: number; nodeId: string; token: number };

/** The lease is not (or no longer) held under this token: close the socket, write nothing. */
export class LeaseLost extends Error {
  constructor(
    readonly connectionId: number,
    readonly nodeId: string,
    readonly token: number,
  ) {
    super(`connection ${connectionId}: lease ${token} of node ${nodeId} is lost`);
    this.name = "LeaseLost";
  }
}

/** What a renewal found: still ours; gone (taken, released or expired); or an admin asked to move it. */
export type RenewResult = "renewed" | "lost" | "move";

/** A live node and how many unexpired leases it holds. */
export type LiveNode = { id: string; address: string | null; load: number };

export type NodeLeasesOptions = {
  /** This node's id: unique per process start (a restarted node must not inherit its predecessor's leases). */
  nodeId: string;
  /** Lease lifetime, and how long a node stays live after its last heartbeat. */
  ttlMs: number;
  /**
   * This run's secret for internal calls from other nodes (src/cluster/remote-gateway.ts), stored with its
   * registry row; absent: the node takes no internal calls.
   */
  secret?: string;
};

/** Anything that runs a tagged-template query: a pool, a reserved connection, a transaction. */
type Queryable = Pick<SQL, "unsafe"> &
  ((strings: TemplateStringsArray, ...values: unknown[]) => Promise<unknown>);

const rows = async <T>(q: Promise<unknown>): Promise<T[]> => (await q) as T[];

/**
 * Checks, inside the transaction of a write made on behalf of a connection's socket, that `nodeId` still holds
 * its lease under `token` (unexpired in database time), and keeps the lease row share-locked until that
 * transaction ends: a takeover's UPDATE waits for the write to commit, so no write of the old owner commits
 * after the new owner took the lease. Throws {@link LeaseLost} otherwise: the caller's transaction rolls back.
 */
export async function withFence(
  tx: Queryable,
  connectionId: number,
  nodeId: string,
  token: number,
): Promise<void> {
  const found = await rows(
    tx`select 1 as ok from connection_leases
       where connection_id = ${connectionId} and node_id = ${nodeId} and token = ${token} and expires_at > now()
       for key share`,
  );
  if (found.length === 0) throw new LeaseLost(connectionId, nodeId, token);
}

/** Runs `fn` in a transaction fenced by `lease` ({@link withFence} first): all of it commits, or nothing. */
export function fencedWrite<T>(sql: SQL, lease: Lease, fn: (tx: SQL) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    await withFence(tx, lease.connectionId, lease.nodeId, lease.token);
    return fn(tx);
  }) as Promise<T>;
}

export type NodeLeases = ReturnType<typeof createNodeLeases>;

/** One node's view of the leases and of the node registry, on `sql`. */
export function createNodeLeases(sql: SQL, options: NodeLeasesOptions) {
  const { nodeId: me, ttlMs } = options;
  const secret = options.secret ?? null;
  let address: string | null = null;
  const ttl = Math.max(1, Math.round(ttlMs));
  /** A node may take a lease wanted by nobody, by itself, or by a node that is not live (the move is moot). */
  const wantedOk = (alias: string) => `(${alias}.wanted_node is null or ${alias}.wanted_node = $1
     or not exists (select 1 from nodes n where n.id = ${alias}.wanted_node
                    and n.heartbeat_at > now() - $2::int * interval '1 millisecond'))`;
  const lease = (r: { connection_id: unknown; token: unknown }): Lease => ({
    connectionId: Number(r.connection_id),
    nodeId: me,
    token: Number(r.token),
  });

  return {
    nodeId: me,
    ttlMs: ttl,

    /** Registers this node (or refreshes its row): `started_at` and `heartbeat_at` are now, database time. */
    async register(at: string | null = null): Promise<void> {
      address = at;
      await sql`insert into nodes (id, address, secret) values (${me}, ${address}, ${secret})
        on conflict (id) do update set address = excluded.address, secret = excluded.secret,
          started_at = now(), heartbeat_at = now()`;
    },

    /** Marks this node live for another ttl; registers it again (same address and secret) if its row went away. */
    async heartbeat(): Promise<void> {
      await sql`insert into nodes (id, address, secret) values (${me}, ${address}, ${secret})
        on conflict (id) do update set heartbeat_at = now()`;
    },

    /** Changes the address other nodes reach this one at (known only once it listens, with PORT=0). */
    async advertise(at: string | null): Promise<void> {
      address = at;
      await sql`update nodes set address = ${address} where id = ${me}`;
    },

    /** Removes this node from the registry (at stop, after releasing its leases). */
    async unregister(): Promise<void> {
      await sql`delete from nodes where id = ${me}`;
    },

    /** Nodes whose heartbeat is younger than ttl (database time), with their unexpired leases, by id. */
    async liveNodes(): Promise<LiveNode[]> {
      const found = await rows<{ id: string; address: string | null; load: unknown }>(
        sql`select n.id, n.address,
              (select count(*) from connection_leases l where l.node_id = n.id and l.expires_at > now()) as load
            from nodes n where n.heartbeat_at > now() - ${ttl}::int * interval '1 millisecond'
            order by n.id`,
      );
      return found.map((n) => ({ id: n.id, address: n.address, load: Number(n.load) }));
    },

    /**
     * Takes the lease of `connectionId` if it is unowned or expired (and not wanted by another live node):
     * the token grows by one. Undefined when another node holds it.
     */
    async acquire(connectionId: number): Promise<Lease | undefined> {
      const [row] = await rows<{ connection_id: unknown; token: unknown }>(
        sql.unsafe(
          // FOR UPDATE first: it waits for a fenced write in flight (FOR KEY SHARE), which a plain UPDATE of
          // these columns (FOR NO KEY UPDATE) would not; then the row is checked again as committed.
          `with locked as (select connection_id from connection_leases where connection_id = $3 for update)
           update connection_leases l
             set node_id = $1, token = l.token + 1, expires_at = now() + $2::int * interval '1 millisecond',
                 wanted_node = null
           from locked
           where l.connection_id = locked.connection_id and (l.node_id is null or l.expires_at < now())
             and ${wantedOk("l")}
           returning l.connection_id, l.token`,
          [me, ttl, connectionId],
        ),
      );
      return row ? lease(row) : undefined;
    },

    /**
     * Extends the lease by ttl from now (database time). "lost": no row matched (taken, released, expired, or
     * the connection deleted) — close the socket at once. "move": renewed, but an admin wants it on another
     * live node — close the socket, then {@link release}.
     */
    async renew(held: Lease): Promise<RenewResult> {
      const [row] = await rows<{ wanted_node: string | null; wanted_live: boolean }>(
        sql`update connection_leases
              set expires_at = now() + ${ttl}::int * interval '1 millisecond', wanted_node = nullif(wanted_node, ${me})
            where connection_id = ${held.connectionId} and node_id = ${me} and token = ${held.token}
              and expires_at > now()
            returning wanted_node, exists (select 1 from nodes n where n.id = wanted_node
              and n.heartbeat_at > now() - ${ttl}::int * interval '1 millisecond') as wanted_live`,
      );
      if (!row) return "lost";
      // A move to a node that died since it was asked for is moot: keep the socket.
      return row.wanted_node !== null && row.wanted_live ? "move" : "renewed";
    },

    /** Gives the lease up (fenced by its token): unowned and expired at once, its token kept. */
    async release(held: Lease): Promise<boolean> {
      const done = await rows(
        // Truncated: the column keeps milliseconds, and now() rounded up to the next one would still read as live
        // (expires_at > now()) to a statement in the same millisecond.
        sql`update connection_leases set node_id = null, expires_at = date_trunc('milliseconds', now())
            where connection_id = ${held.connectionId} and node_id = ${me} and token = ${held.token}
            returning 1 as ok`,
      );
      return done.length > 0;
    },

    /** The unexpired leases this node holds. */
    async owned(): Promise<Lease[]> {
      const found = await rows<{ connection_id: unknown; token: unknown }>(
        sql`select connection_id, token from connection_leases
            where node_id = ${me} and expires_at > now() order by connection_id`,
      );
      return found.map(lease);
    },

    /**
     * Spreading: if this node holds no more leases than the least-loaded live node, takes one unowned or
     * expired lease (those an admin wants here first, whatever the load), skipping rows another node is
     * taking at this instant (`for update skip locked`). Undefined when there is nothing for this node to take.
     */
    async claimNext(): Promise<Lease | undefined> {
      const [row] = await rows<{ connection_id: unknown; token: unknown }>(
        sql.unsafe(
          `with live as (
             select n.id,
               (select count(*) from connection_leases x where x.node_id = n.id and x.expires_at > now()) as load
             from nodes n where n.heartbeat_at > now() - $2::int * interval '1 millisecond'),
           mine as (select count(*) as load from connection_leases where node_id = $1 and expires_at > now()),
           pick as (
             select l.connection_id from connection_leases l
             where (l.node_id is null or l.expires_at < now()) and ${wantedOk("l")}
               and (l.wanted_node = $1 or (select load from mine) <= (select coalesce(min(load), 0) from live))
             order by (l.wanted_node is not distinct from $1) desc, l.connection_id
             limit 1
             for update of l skip locked)
           update connection_leases l
             set node_id = $1, token = l.token + 1, expires_at = now() + $2::int * interval '1 millisecond',
                 wanted_node = null
           from pick where l.connection_id = pick.connection_id
           returning l.connection_id, l.token`,
          [me, ttl],
        ),
      );
      return row ? lease(row) : undefined;
    },

    /**
     * An admin's move: asks that `connectionId` run on `toNode`. False when that node is not live (or the
     * connection has no lease row). The owner sees it at its next renewal ("move"), closes its socket and
     * releases; then only `toNode` may take it (or anyone, once `toNode` is no longer live).
     */
    async requestMove(connectionId: number, toNode: string): Promise<boolean> {
      const done = await rows(
        sql`update connection_leases set wanted_node = ${toNode}
            where connection_id = ${connectionId} and exists (
              select 1 from nodes where id = ${toNode} and heartbeat_at > now() - ${ttl}::int * interval '1 millisecond')
            returning 1 as ok`,
      );
      return done.length > 0;
    },
  };
}

export type SelfFenceOptions = {
  ttlMs: number;
  /** Safety margin for clock-rate differences and the time the socket takes to close. */
  marginMs: number;
  /** A monotonic clock in ms (default `performance.now`): never the wall clock, which may jump. */
  now?: () => number;
};

/**
 * The self-fencing rule as a pure object: the lease lasts at least ttl after the database received the last
 * successful renewal, which was after this node *sent* it; so a node that stops by `sentAt + ttl − margin` (its
 * own monotonic clock) has stopped before anyone else may take the lease, even when it cannot reach the
 * database at all. `sending()` stamps a renewal (or the acquire) as it leaves; `succeeded(stamp)` records that
 * it was stored.
 */
export class SelfFence {
  readonly ttlMs: number;
  readonly marginMs: number;
  private readonly now: () => number;
  private lastOkSentAt: number | undefined;

  constructor(options: SelfFenceOptions) {
    if (options.marginMs >= options.ttlMs) throw new Error("the self-fencing margin must be below the ttl");
    this.ttlMs = options.ttlMs;
    this.marginMs = options.marginMs;
    this.now = options.now ?? (() => performance.now());
  }

  /** Stamps a renewal (or the acquire) as it is sent. */
  sending(): number {
    return this.now();
  }

  /** The renewal sent at `stamp` was stored: the deadline moves to `stamp + ttl − margin` (never backwards). */
  succeeded(stamp: number): void {
    if (this.lastOkSentAt === undefined || stamp > this.lastOkSentAt) this.lastOkSentAt = stamp;
  }

  /** The monotonic time by which the socket must be closed; −∞ before any success. */
  get deadline(): number {
    return this.lastOkSentAt === undefined
      ? Number.NEGATIVE_INFINITY
      : this.lastOkSentAt + this.ttlMs - this.marginMs;
  }

  /** Ms left before the node must stop on its own (≤ 0: now). */
  remainingMs(): number {
    return this.deadline - this.now();
  }

  get expired(): boolean {
    return this.remainingMs() <= 0;
  }
}

export type LeaseKeeperOptions = {
  leases: NodeLeases;
  lease: Lease;
  /** Stamped when the acquire was sent (SelfFence.sending() before acquire), so the first deadline counts from it. */
  acquireSentAt: number;
  marginMs: number;
  /** Called once, when the socket must close: the lease is lost, moved, or could not be renewed in time. */
  onStop: (reason: "lost" | "move" | "self-fenced") => void;
  now?: () => number;
  /** Timers (default the global ones); tests drive {@link LeaseKeeper.renewOnce} and `check()` themselves. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
};

export type LeaseKeeper = ReturnType<typeof createLeaseKeeper>;

/**
 * Keeps one lease while its socket lives: renews every ttl/3, and calls `onStop` as soon as the socket must
 * close — a renewal found the lease lost or moved, or none succeeded within ttl − margin of being sent (the
 * watchdog fires at that deadline even when every renewal hangs). A renewal that fails (the database is
 * unreachable) is tried again at the next tick.
 */
export function createLeaseKeeper(options: LeaseKeeperOptions) {
  const { leases, lease, onStop } = options;
  const fence = new SelfFence({ ttlMs: leases.ttlMs, marginMs: options.marginMs, now: options.now });
  fence.succeeded(options.acquireSentAt);
  const setTimer = options.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>));
  let stopped: "lost" | "move" | "self-fenced" | "released" | undefined;
  let renewTimer: unknown;
  let watchdog: unknown;

  const stop = (reason: "lost" | "move" | "self-fenced") => {
    if (stopped) return;
    stopped = reason;
    clearTimer(renewTimer);
    clearTimer(watchdog);
    onStop(reason);
  };
  /** Stops the node's use of the lease if its self-fencing deadline has passed. */
  const check = (): boolean => {
    if (!stopped && fence.expired) stop("self-fenced");
    return stopped !== undefined;
  };
  const armWatchdog = () => {
    clearTimer(watchdog);
    if (!stopped) watchdog = setTimer(check, Math.max(0, fence.remainingMs()));
  };

  /** One renewal: sent now, its success moves the self-fencing deadline to `sent + ttl − margin`. */
  const renewOnce = async (): Promise<RenewResult | "self-fenced" | "failed" | "stopped"> => {
    if (check()) return stopped === "self-fenced" ? "self-fenced" : "stopped";
    const sentAt = fence.sending();
    let result: RenewResult;
    try {
      result = await leases.renew(lease);
    } catch {
      return check() ? "self-fenced" : "failed";
    }
    if (stopped) return "stopped";
    if (result === "lost") {
      stop("lost");
      return result;
    }
    fence.succeeded(sentAt);
    if (check()) return "self-fenced";
    armWatchdog();
    if (result === "move") stop("move");
    return result;
  };

  const loop = () => {
    if (stopped) return;
    renewTimer = setTimer(
      () => {
        void renewOnce().finally(loop);
      },
      Math.max(1, Math.floor(leases.ttlMs / 3)),
    );
  };

  return {
    lease,
    fence,
    renewOnce,
    check,
    /** Starts the renewal loop and the self-fencing watchdog. */
    start(): void {
      armWatchdog();
      loop();
    },
    /** Why the keeper stopped (undefined while it keeps the lease). */
    get stopped() {
      return stopped;
    },
    /** Stops renewing and gives the lease up (the socket is closed first by the caller). */
    async release(): Promise<boolean> {
      const already = stopped;
      stopped ??= "released";
      clearTimer(renewTimer);
      clearTimer(watchdog);
      return already === "lost" ? false : leases.release(lease);
    },
  };
}
