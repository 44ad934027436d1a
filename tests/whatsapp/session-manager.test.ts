// The session manager's restart, in process: the statuses a stopped session still sends must not overwrite its
// successor's (the stale QR a restart could show on PostgreSQL, where a slow status write landed last).
import { expect, test } from "bun:test";
import { createLogger } from "../../src/logger";
import type { ConnectionStatus, GatewayEvents } from "../../src/whatsapp/gateway";
import { createSandboxGateway } from "../../src/whatsapp/sandbox/sandbox-gateway";
import { createSessionManager } from "../../src/whatsapp/session-manager";

test("a restart: a status write of the stopped session that is still slow lands before the new session's, and its later statuses are dropped", async () => {
  const stored: { status: ConnectionStatus; qrcode: string | null }[] = [];
  let held: PromiseWithResolvers<void> | undefined;
  const sessions: GatewayEvents[] = [];
  const manager = createSessionManager({
    logger: createLogger("silent"),
    factories: {
      sandbox: (connection, events) => {
        sessions.push(events);
        const gw = createSandboxGateway(connection, events);
        // No socket: the test drives the statuses itself.
        return { ...gw, start: async () => {}, stop: async () => {} };
      },
    },
    eventsFor: () => ({
      // The store: a write that may take its time (the test holds one).
      async status(status, info) {
        const wait = held?.promise;
        if (wait) await wait;
        stored.push({ status, qrcode: info.qrcode });
      },
      message() {},
      update() {},
      ack() {},
    }),
  });
  const conn = { id: 1, driver: "sandbox", number: null };
  await manager.start(conn);
  const [first] = sessions;
  held = Promise.withResolvers<void>();
  const gate = held;
  const slow = first!.status("qrcode", { qrcode: "old-ref" });
  held = undefined;
  await manager.start(conn);
  const second = sessions[1]!;
  const opening = second.status("OPENING", { qrcode: null });
  // The stopped socket goes on talking after the restart.
  const late = first!.status("qrcode", { qrcode: "older-ref" });
  gate.resolve();
  await Promise.all([slow, opening, late]);
  expect(stored).toEqual([
    { status: "qrcode", qrcode: "old-ref" },
    { status: "OPENING", qrcode: null },
  ]);
  await second.status("qrcode", { qrcode: "new-ref" });
  expect(stored.at(-1)).toEqual({ status: "qrcode", qrcode: "new-ref" });
  await manager.stopAll();
});
