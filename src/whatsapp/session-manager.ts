import { createLeaseKeeper, type Lease, type LeaseKeeper, type NodeLeases } from "../cluster/leases";
import type { RemoteSessions } from "../cluster/remote-gateway";
import type { Logger } from "../logger";
import type { GatewayEvents, GatewayFactory, GatewayLease, WhatsAppGateway } from "./gateway";

type ConnectionRef = { id: number; driver: string; number: string | null };

export type SessionManager = {
  /**
   * The connection's gateway: the one running here, or — with leases and `ownership.remote` — one that forwards each
   * call to the live node running it (src/cluster/remote-gateway.ts). Undefined when nobody runs it.
   */
  get(connectionId: number): WhatsAppGateway | undefined;
  /** The gateway running on this node only (work that belongs to the owner: the send queue, media retries). */
  local(connectionId: number): WhatsAppGateway | undefined;
  /** With leases: whether this node holds the connection's lease now (it answers calls forwarded for it). */
  holds(connectionId: number): boolean;
  /**
   * Starts (or restarts) the session of a connection with its driver. With leases (PostgreSQL), only when
   * this node holds the connection's lease or can take it (unowned or expired); otherwise another node runs it.
   */
  start(connection: ConnectionRef): Promise<void>;
  stop(connectionId: number): Promise<void>;
  /**
   * Stops the session of a connection that is being deleted: starts still queued for it, or asked for
   * later, do nothing (connection ids are never reused).
   */
  retire(connectionId: number): Promise<void>;
  /** Stops every session; later starts do nothing (shutdown). With leases: releases them, unregisters. */
  stopAll(): Promise<void>;
  /** Connection ids with a live gateway. */
  ids(): number[];
  /**
   * With leases: registers this node and starts the ownership loop (heartbeat, then take unowned or expired
   * leases while this node is the least loaded, and run their sockets). Without: nothing.
   */
  startOwnership(): Promise<void>;
  /** With leases: one round of the ownership loop now (the loop runs it every `claimIntervalMs`). */
  claimRound(): Promise<void>;
  /** With leases: the connection ids whose lease this node keeps (with or without a running socket). */
  leased(): number[];
  /**
   * With leases: renews the connection's lease now rather than at the keeper's next tick (an admin's move is seen at
   * once); resolves once a lease that ended is released.
   */
  renewNow(connectionId: number): Promise<void>;
};

/**
 * Connection ownership on PostgreSQL (docs/CLUSTER.md §4). Absent on SQLite: the one node runs what it is
 * asked to.
 */
export type SessionOwnership = {
  leases: NodeLeases;
  /** This node's address for `chasqui nodes` (e.g. its internal URL); null when unknown. */
  address?: string | null;
  /** A node closes its socket this long before its lease could expire in database time (default ttl/3). */
  marginMs?: number;
  /** How often the node heartbeats and looks for leases to take (default ttl/3). */
  claimIntervalMs?: number;
  /** Leases taken per round at most (default 16): a node alone takes a whole cluster's in a few rounds. */
  claimsPerRound?: number;
  /**
   * The connection whose lease this node took in a round, if its socket should run (a logged-out WhatsApp
   * connection should not): undefined keeps the lease without a socket, so no other node runs it either.
   */
  loadConnection: (connectionId: number) => Promise<ConnectionRef | undefined>;
  /** The keepers' monotonic clock in ms (tests); `performance.now` by default. */
  now?: () => number;
  /**
   * Calls for a connection another live node runs: `get` answers a gateway forwarding to it, `start` (a restart),
   * `stop` and `retire` of such a connection go to it; the view is refreshed every claim round.
   */
  remote?: RemoteSessions;
};

/**
 * One live gateway per connection at most. Start, stop and retire of a connection run one after another
 * in that connection's lane: a start awaits the driver (a lazy import, a socket) before its gateway is
 * registered, and two starts interleaving there would leave the first gateway running unowned.
 *
 * With `ownership` (PostgreSQL, several nodes) a socket runs only under this node's lease of the connection,
 * kept by a lease keeper while the node holds it. When the lease is lost (a renewal found it gone, none
 * succeeded in time, a fenced key write found it gone) or an admin moves it, the socket is closed at once —
 * outside the lane, so a slow start cannot delay it — and only then is the lease released (fenced by its token).
 */
export function createSessionManager(opts: {
  factories: Partial<Record<string, GatewayFactory>>;
  /** Resolved when a session starts, so the manager can be built before the services it feeds. */
  eventsFor: (connectionId: number) => GatewayEvents;
  logger: Logger;
  ownership?: SessionOwnership;
}): SessionManager {
  const gateways = new Map<number, WhatsAppGateway>();
  const lanes = new Map<number, Promise<void>>();
  const retired = new Set<number>();
  const keepers = new Map<number, LeaseKeeper>();
  /** Sockets closing and leases being released after their lease ended (see leaseEnded). */
  const endings = new Map<number, Promise<void>>();
  const own = opts.ownership;
  let closed = false;
  let loopTimer: ReturnType<typeof setTimeout> | undefined;
  let round: Promise<void> | undefined;
  const log = opts.logger.child({ module: "sessions" });

  /** Runs `op` after every operation already queued in `chains` for the connection; never rejects the chain. */
  const inChain = (
    chains: Map<number, Promise<void>>,
    connectionId: number,
    op: () => Promise<void>,
  ): Promise<void> => {
    const run = (chains.get(connectionId) ?? Promise.resolve()).then(op);
    const tail = run.catch(() => {});
    chains.set(connectionId, tail);
    // Forget an idle chain, so a server that saw many connections keeps no chain per id.
    void tail.then(() => {
      if (chains.get(connectionId) === tail) chains.delete(connectionId);
    });
    return run;
  };
  /** Runs `op` after every start or stop already queued for the connection. */
  const inLane = (connectionId: number, op: () => Promise<void>) => inChain(lanes, connectionId, op);

  const stopGateway = async (connectionId: number, gw: WhatsAppGateway) => {
    try {
      await gw.stop();
    } catch (err) {
      log.warn({ err, connectionId }, "stopping a session failed");
    }
  };

  const stopNow = async (connectionId: number) => {
    const gw = gateways.get(connectionId);
    if (!gw) return;
    gateways.delete(connectionId);
    await stopGateway(connectionId, gw);
  };

  /**
   * The lease ended under the socket: close it now, then stop the keeper and give the lease up (fenced by its
   * token, so a lease another node took is not touched): a moved lease goes to the wanted node at once, an
   * expired one (self-fenced, or a fenced write found it expired) need not wait for a claim to notice.
   */
  const leaseEnded = (connectionId: number, keeper: LeaseKeeper, reason: string) => {
    if (keepers.get(connectionId) !== keeper) return;
    keepers.delete(connectionId);
    log.warn(
      { connectionId, reason, token: keeper.lease.token },
      "connection lease ended; closing its socket",
    );
    const gw = gateways.get(connectionId);
    if (gw) gateways.delete(connectionId);
    const ending = (async () => {
      if (gw) await stopGateway(connectionId, gw);
      await keeper
        .release()
        .catch((err) =>
          log.warn({ err, connectionId }, "releasing an ended lease failed; it expires on its own"),
        );
    })();
    // renewNow waits for it: a move asked over HTTP is handed over once the lease is free.
    endings.set(connectionId, ending);
    void ending.then(() => {
      if (endings.get(connectionId) === ending) endings.delete(connectionId);
    });
  };

  const keep = (lease: Lease, acquireSentAt: number): LeaseKeeper => {
    const connectionId = lease.connectionId;
    const keeper: LeaseKeeper = createLeaseKeeper({
      leases: own!.leases,
      lease,
      acquireSentAt,
      marginMs: own!.marginMs ?? Math.floor(own!.leases.ttlMs / 3),
      now: own!.now,
      onStop: (reason) => leaseEnded(connectionId, keeper, reason),
    });
    keepers.set(connectionId, keeper);
    keeper.start();
    return keeper;
  };

  /** The keeper of this node's lease of the connection, taking the lease if it is free; undefined: not ours. */
  const leaseFor = async (connectionId: number): Promise<LeaseKeeper | undefined> => {
    const held = keepers.get(connectionId);
    if (held) return held;
    const sentAt = (own!.now ?? performance.now.bind(performance))();
    const lease = await own!.leases.acquire(connectionId);
    if (!lease) return undefined;
    if (closed || retired.has(connectionId)) {
      await own!.leases.release(lease);
      return undefined;
    }
    return keep(lease, sentAt);
  };

  /** The session each connection runs now (a counter per start): a status of an earlier one is dropped. */
  const sessionOf = new Map<number, number>();
  let sessionCount = 0;
  /** Each connection's status writes, one after the other. */
  const statusLanes = new Map<number, Promise<void>>();

  /**
   * The events of a session started now. Its status writes queue behind the connection's earlier ones, and once a
   * restart started a newer session a status of this one is not stored: a slow write (or a late event) of the
   * stopped socket cannot land after its successor's and show a QR no companion shows any more.
   */
  const eventsOfSession = (connectionId: number): GatewayEvents => {
    const session = ++sessionCount;
    sessionOf.set(connectionId, session);
    const events = opts.eventsFor(connectionId);
    return {
      ...events,
      status: (status, info) =>
        inChain(statusLanes, connectionId, async () => {
          if (sessionOf.get(connectionId) === session) await events.status(status, info);
        }),
    };
  };

  const startNow = async (connection: ConnectionRef, keeper?: LeaseKeeper) => {
    await stopNow(connection.id);
    if (closed || retired.has(connection.id)) return;
    const factory = opts.factories[connection.driver];
    if (!factory) {
      log.warn(
        { connectionId: connection.id, driver: connection.driver },
        "no driver available; session not started",
      );
      return;
    }
    const owner: GatewayLease | undefined = keeper && {
      lease: keeper.lease,
      lost: () => leaseEnded(connection.id, keeper, "lost"),
    };
    // After the old session stopped (its statuses while stopping are stored), before the new one can emit.
    const events = eventsOfSession(connection.id);
    const gw = owner
      ? await factory({ id: connection.id, number: connection.number }, events, owner)
      : await factory({ id: connection.id, number: connection.number }, events);
    // The lease may have ended while the driver was built: its socket must not open.
    if (keeper && keepers.get(connection.id) !== keeper) {
      await stopGateway(connection.id, gw);
      return;
    }
    gateways.set(connection.id, gw);
    try {
      await gw.start();
    } catch (err) {
      log.error({ err, connectionId: connection.id }, "session failed to start");
    }
  };

  const start = async (connection: ConnectionRef) => {
    if (!own) return startNow(connection);
    if (closed || retired.has(connection.id)) return;
    const keeper = await leaseFor(connection.id);
    if (!keeper) {
      log.debug(
        { connectionId: connection.id },
        "another node holds the connection's lease; not started here",
      );
      // ── calls for a connection another node runs: a restart asked here restarts it there ──
      if (own.remote)
        await own.remote
          .start(connection.id)
          .catch((err) =>
            log.warn(
              { err, connectionId: connection.id },
              "asking the connection's owner to restart it failed",
            ),
          );
      return;
    }
    await startNow(connection, keeper);
  };

  const releaseLease = async (connectionId: number) => {
    const keeper = keepers.get(connectionId);
    if (!keeper) return;
    keepers.delete(connectionId);
    try {
      await keeper.release();
    } catch (err) {
      log.warn({ err, connectionId }, "releasing a connection lease failed; it expires on its own");
    }
  };

  const claimRound = async () => {
    if (!own || closed) return;
    try {
      await own.leases.heartbeat();
      try {
        await own.remote?.refresh();
      } catch (err) {
        log.warn({ err }, "reading which node runs which connection failed; trying again at the next round");
      }
      for (let n = 0; n < (own.claimsPerRound ?? 16) && !closed; n++) {
        const sentAt = (own.now ?? performance.now.bind(performance))();
        const lease = await own.leases.claimNext();
        if (!lease) break;
        const id = lease.connectionId;
        if (closed || retired.has(id) || keepers.has(id)) {
          await own.leases.release(lease);
          continue;
        }
        const keeper = keep(lease, sentAt);
        log.info({ connectionId: id, token: lease.token }, "took the lease of a connection");
        const connection = await own.loadConnection(id);
        if (connection)
          void inLane(id, () =>
            keepers.get(id) === keeper ? startNow(connection, keeper) : Promise.resolve(),
          );
      }
    } catch (err) {
      log.warn({ err }, "a round of the connection ownership loop failed; trying again at the next");
    }
  };

  return {
    get: (id) => gateways.get(id) ?? (own?.remote && !keepers.has(id) ? own.remote.gateway(id) : undefined),
    local: (id) => gateways.get(id),
    holds: (id) => {
      const keeper = keepers.get(id);
      return keeper !== undefined && keeper.stopped === undefined;
    },
    start: (connection) => inLane(connection.id, () => start(connection)),
    stop: (connectionId) =>
      inLane(connectionId, async () => {
        // A connection another node runs is stopped there (after a logout asked here).
        if (own?.remote && !gateways.has(connectionId) && !keepers.has(connectionId)) {
          await own.remote
            .stop(connectionId)
            .catch((err) =>
              log.warn({ err, connectionId }, "asking the connection's owner to stop it failed"),
            );
          return;
        }
        await stopNow(connectionId);
      }),
    retire(connectionId) {
      retired.add(connectionId);
      return inLane(connectionId, async () => {
        const here = gateways.has(connectionId) || keepers.has(connectionId);
        await stopNow(connectionId);
        await releaseLease(connectionId);
        if (!here) await own?.remote?.retire(connectionId);
      });
    },
    async stopAll() {
      closed = true;
      clearTimeout(loopTimer);
      await round;
      const ids = new Set([...gateways.keys(), ...lanes.keys(), ...keepers.keys()]);
      // Sockets close first, then their leases go: another node may take them at once.
      await Promise.all(
        [...ids].map((id) =>
          inLane(id, async () => {
            await stopNow(id);
            await releaseLease(id);
          }),
        ),
      );
      if (own)
        await own.leases.unregister().catch((err) => log.warn({ err }, "unregistering the node failed"));
    },
    ids: () => [...gateways.keys()],
    async startOwnership() {
      if (!own || closed) return;
      await own.leases.register(own.address ?? null);
      const interval = own.claimIntervalMs ?? Math.max(1, Math.floor(own.leases.ttlMs / 3));
      const loop = async () => {
        round = claimRound();
        await round;
        round = undefined;
        if (!closed) loopTimer = setTimeout(loop, interval);
      };
      await loop();
    },
    claimRound: () => claimRound(),
    leased: () => [...keepers.keys()],
    async renewNow(connectionId) {
      await keepers.get(connectionId)?.renewOnce();
      await endings.get(connectionId);
    },
  };
}
