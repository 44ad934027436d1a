import type { Logger } from "../logger";
import type { GatewayEvents, GatewayFactory, WhatsAppGateway } from "./gateway";

export type SessionManager = {
  get(connectionId: number): WhatsAppGateway | undefined;
  /** Starts (or restarts) the session of a connection with its driver. */
  start(connection: { id: number; driver: string; number: string | null }): Promise<void>;
  stop(connectionId: number): Promise<void>;
  stopAll(): Promise<void>;
  /** Connection ids with a live gateway. */
  ids(): number[];
};

export function createSessionManager(opts: {
  factories: Partial<Record<string, GatewayFactory>>;
  /** Resolved when a session starts, so the manager can be built before the services it feeds. */
  eventsFor: (connectionId: number) => GatewayEvents;
  logger: Logger;
}): SessionManager {
  const gateways = new Map<number, WhatsAppGateway>();
  const log = opts.logger.child({ module: "sessions" });

  const stop = async (connectionId: number) => {
    const gw = gateways.get(connectionId);
    if (!gw) return;
    gateways.delete(connectionId);
    try {
      await gw.stop();
    } catch (err) {
      log.warn({ err, connectionId }, "stopping a session failed");
    }
  };

  return {
    get: (id) => gateways.get(id),
    async start(connection) {
      await stop(connection.id);
      const factory = opts.factories[connection.driver];
      if (!factory) {
        log.warn(
          { connectionId: connection.id, driver: connection.driver },
          "no driver available; session not started",
        );
        return;
      }
      const gw = await factory(
        { id: connection.id, number: connection.number },
        opts.eventsFor(connection.id),
      );
      gateways.set(connection.id, gw);
      try {
        await gw.start();
      } catch (err) {
        log.error({ err, connectionId: connection.id }, "session failed to start");
      }
    },
    stop,
    async stopAll() {
      await Promise.all([...gateways.keys()].map(stop));
    },
    ids: () => [...gateways.keys()],
  };
}
