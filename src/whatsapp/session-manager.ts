import type { Logger } from "../logger";
import type { GatewayEvents, GatewayFactory, WhatsAppGateway } from "./gateway";

export type SessionManager = {
  get(connectionId: number): WhatsAppGateway | undefined;
  /** Starts (or restarts) the session of a connection with its driver. */
  start(connection: { id: number; driver: string; number: string | null }): Promise<void>;
  stop(connectionId: number): Promise<void>;
  /**
   * Stops the session of a connection that is being deleted: starts still queued for it, or asked for
   * later, do nothing (connection ids are never reused).
   */
  retire(connectionId: number): Promise<void>;
  /** Stops every session; later starts do nothing (shutdown). */
  stopAll(): Promise<void>;
  /** Connection ids with a live gateway. */
  ids(): number[];
};

/**
 * One live gateway per connection at most. Start, stop and retire of a connection run one after another
 * in that connection's lane: a start awaits the driver (a lazy import, a socket) before its gateway is
 * registered, and two starts interleaving there would leave the first gateway running unowned.
 */
export function createSessionManager(opts: {
  factories: Partial<Record<string, GatewayFactory>>;
  /** Resolved when a session starts, so the manager can be built before the services it feeds. */
  eventsFor: (connectionId: number) => GatewayEvents;
  logger: Logger;
}): SessionManager {
  const gateways = new Map<number, WhatsAppGateway>();
  const lanes = new Map<number, Promise<void>>();
  const retired = new Set<number>();
  let closed = false;
  const log = opts.logger.child({ module: "sessions" });

  /** Runs `op` after every operation already queued for the connection; never rejects the lane. */
  const inLane = (connectionId: number, op: () => Promise<void>): Promise<void> => {
    const run = (lanes.get(connectionId) ?? Promise.resolve()).then(op);
    const tail = run.catch(() => {});
    lanes.set(connectionId, tail);
    // Forget an idle lane, so a server that saw many connections keeps no chain per id.
    void tail.then(() => {
      if (lanes.get(connectionId) === tail) lanes.delete(connectionId);
    });
    return run;
  };

  const stopNow = async (connectionId: number) => {
    const gw = gateways.get(connectionId);
    if (!gw) return;
    gateways.delete(connectionId);
    try {
      await gw.stop();
    } catch (err) {
      log.warn({ err, connectionId }, "stopping a session failed");
    }
  };

  const startNow = async (connection: { id: number; driver: string; number: string | null }) => {
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
    const gw = await factory({ id: connection.id, number: connection.number }, opts.eventsFor(connection.id));
    gateways.set(connection.id, gw);
    try {
      await gw.start();
    } catch (err) {
      log.error({ err, connectionId: connection.id }, "session failed to start");
    }
  };

  return {
    get: (id) => gateways.get(id),
    start: (connection) => inLane(connection.id, () => startNow(connection)),
    stop: (connectionId) => inLane(connectionId, () => stopNow(connectionId)),
    retire(connectionId) {
      retired.add(connectionId);
      return inLane(connectionId, () => stopNow(connectionId));
    },
    async stopAll() {
      closed = true;
      const ids = new Set([...gateways.keys(), ...lanes.keys()]);
      await Promise.all([...ids].map((id) => inLane(id, () => stopNow(id))));
    },
    ids: () => [...gateways.keys()],
  };
}
