// The remote gateway and the owner's side of the internal calls (src/cluster/remote-gateway.ts) on the test
// PostgreSQL, over real HTTP: a caller node's view of who runs a connection (leases + live nodes with an address and a
// secret), calls answered by a real sandbox driver behind the owner's handler, and every failure the caller must
// answer with the documented error instead of a hang or a 500: an owner that lost the lease, a wrong secret, an
// unreachable owner, one that never answers (a short CLUSTER_RPC_TIMEOUT_MS; nothing waits on a clock here).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createNodeLeases } from "../../src/cluster/leases";
import { createGatewayRpcHandler, createRemoteSessions, RPC_PATH } from "../../src/cluster/remote-gateway";
import { AppError } from "../../src/errors";
import { createLogger } from "../../src/logger";
import type { GatewayEvents, WhatsAppGateway } from "../../src/whatsapp/gateway";
import { createSandboxGateway } from "../../src/whatsapp/sandbox/sandbox-gateway";
import { createMigratedDatabase, type TestDatabase } from "../support/postgres";
import { waitFor } from "../support/test-app";

const logger = createLogger("silent");
const SECRET = "owner-secret-0123456789";
let db: TestDatabase;
let held = true;
let local: WhatsAppGateway;
const loggedOut: number[] = [];
const nudged: string[] = [];
let owner: ReturnType<typeof Bun.serve>;
let hanging: ReturnType<typeof Bun.serve>;

const events: GatewayEvents = {
  status: () => {},
  message: () => {},
  update: () => {},
  ack: () => {},
};

/** Serves the internal route as the app does: `POST /internal/v1/gateways/:id/:op`. */
function serveOwner() {
  const handler = createGatewayRpcHandler({
    secret: SECRET,
    nodeId: "owner",
    holds: () => held,
    local: (id) => (id === 1 ? local : undefined),
    start: async () => {},
    stop: async () => {},
    retire: async () => {},
    renew: async (id) => {
      nudged.push(`renew ${id}`);
    },
    claim: async () => {
      nudged.push("claim");
    },
    loggedOut: async (id) => {
      loggedOut.push(id);
    },
    logger,
  });
  return Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req) => {
      const [id, op] = new URL(req.url).pathname.slice(RPC_PATH.length + 1).split("/");
      return handler(req, Number(id), op ?? "");
    },
  });
}

async function setOwnerRow(address: string, secret = SECRET) {
  await db.sql`update nodes set address = ${address}, secret = ${secret} where id = 'owner'`;
}

const caller = (timeoutMs = 5_000) =>
  createRemoteSessions(db.sql, { nodeId: "caller", ttlMs: 60_000, timeoutMs, logger });

async function rejection(p: Promise<unknown>): Promise<AppError | Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

beforeAll(async () => {
  db = await createMigratedDatabase();
  await db.sql`insert into connections (id, name, driver, number, status)
    values (1, 'c1', 'sandbox', '595981000001', 'CONNECTED'), (2, 'c2', 'sandbox', '595981000002', 'CONNECTED')`;
  local = createSandboxGateway({ id: 1, number: "595981000001" }, events);
  await local.start();
  owner = serveOwner();
  // Never answers: the caller's timeout is what ends the call.
  hanging = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Promise<Response>(() => {}) });
  const leases = createNodeLeases(db.sql, { nodeId: "owner", ttlMs: 60_000, secret: SECRET });
  await leases.register(`http://127.0.0.1:${owner.port}/`);
  expect(await leases.acquire(1)).toBeDefined();
}, 60_000);

afterAll(async () => {
  owner?.stop(true);
  hanging?.stop(true);
  await db?.drop();
});

describe("remote gateway", () => {
  test("the view names the owner's connections only, with their stored status; events update it", async () => {
    const remote = caller();
    await remote.refresh();
    const gw = remote.gateway(1)!;
    expect(gw.driver).toBe("sandbox");
    expect(gw.status()).toBe("CONNECTED");
    // Connection 2 has no lease held: nobody runs it.
    expect(remote.gateway(2)).toBeUndefined();
    remote.noteStatus(1, "TIMEOUT");
    expect(gw.status()).toBe("TIMEOUT");
    // A status for a connection the view does not name yet (just created and taken): its owner is looked up then,
    // without a refresh.
    const leases = createNodeLeases(db.sql, { nodeId: "owner", ttlMs: 60_000, secret: SECRET });
    await db.sql`insert into connections (id, name, driver, number, status)
      values (3, 'c3', 'sandbox', '595981000003', 'CONNECTED')`;
    expect(await leases.acquire(3)).toBeDefined();
    expect(remote.gateway(3)).toBeUndefined();
    remote.noteStatus(3, "CONNECTED");
    const third = await waitFor(() => remote.gateway(3), {
      message: "the owner of connection 3 in the view",
    });
    expect(third.status()).toBe("CONNECTED");
    // The owner's own view never names its own connections.
    const self = createRemoteSessions(db.sql, { nodeId: "owner", ttlMs: 60_000, timeoutMs: 1_000, logger });
    await self.refresh();
    expect(self.gateway(1)).toBeUndefined();
  });

  test("calls run on the owner's driver: results, sent ids chosen by the caller, driver errors with their code", async () => {
    const remote = caller();
    await remote.refresh();
    const gw = remote.gateway(1)!;
    const sent = await gw.sendText("595991000001", "hola", null, { messageId: "3EB0CALLERCHOSEN" });
    expect(sent).toMatchObject({ id: "3EB0CALLERCHOSEN" });
    expect(typeof sent.timestampSec).toBe("number");
    const media = await gw.sendMedia("595991000001", {
      source: { stream: () => new Blob([new Uint8Array([1, 2, 3])]).stream() },
      mimeType: "image/png",
      mediaType: "image",
      filename: "x.png",
    });
    expect(media.id).toStartWith("3EB0");
    expect(await gw.checkNumber("595991000001")).toEqual(await local.checkNumber("595991000001"));
    const refused = await rejection(gw.requestPairingCode("595981000001"));
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "ERR_VALIDATION", message: expect.stringContaining("Sandbox") });
    await gw.logout();
    expect(local.status()).toBe("DISCONNECTED");
    expect(loggedOut).toEqual([1]);
    // The owner's driver is not connected now: its own refusal comes back.
    expect(await rejection(gw.sendText("595991000001", "otra vez"))).toMatchObject({
      code: "ERR_WAPP_NOT_CONNECTED",
      message: "The connection is not connected",
    });
    await local.start();
  });

  test("an owner that no longer holds the lease answers 409 ERR_WAPP_NOT_CONNECTED; the caller forgets it", async () => {
    const remote = caller();
    await remote.refresh();
    const gw = remote.gateway(1)!;
    held = false;
    try {
      const err = await rejection(gw.sendText("595991000001", "hola"));
      expect(err).toMatchObject({ code: "ERR_WAPP_NOT_CONNECTED", status: 409 });
      expect(err.message).toContain("does not run connection 1");
      expect(remote.gateway(1)).toBeUndefined();
    } finally {
      held = true;
    }
  });

  test("a call without the owner's secret is refused: 409 for the caller, 404 on the wire", async () => {
    await setOwnerRow(`http://127.0.0.1:${owner.port}`, "stale-secret");
    try {
      const remote = caller();
      await remote.refresh();
      const err = await rejection(remote.gateway(1)!.sendText("595991000001", "hola"));
      expect(err).toMatchObject({ code: "ERR_WAPP_NOT_CONNECTED" });
      expect(err.message).toContain("refused the call (HTTP 404)");
    } finally {
      await setOwnerRow(`http://127.0.0.1:${owner.port}`);
    }
  });

  test("an unreachable owner answers 409; one that never answers: a send 504 ERR_WAPP_TIMEOUT, the rest 409", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const closedPort = closed.port;
    closed.stop(true);
    try {
      await setOwnerRow(`http://127.0.0.1:${closedPort}`);
      let remote = caller();
      await remote.refresh();
      const unreachable = await rejection(remote.gateway(1)!.sendText("595991000001", "hola"));
      expect(unreachable).toMatchObject({ code: "ERR_WAPP_NOT_CONNECTED" });
      expect(unreachable.message).toContain("cannot be reached");

      await setOwnerRow(`http://127.0.0.1:${hanging.port}`);
      remote = caller(300);
      await remote.refresh();
      const gw = remote.gateway(1)!;
      const send = await rejection(gw.sendText("595991000001", "hola"));
      expect(send).toMatchObject({ code: "ERR_WAPP_TIMEOUT", status: 504 });
      expect(send.message).toContain("may have been sent");
      const check = await rejection(gw.checkNumber("595991000001"));
      expect(check).toMatchObject({ code: "ERR_WAPP_NOT_CONNECTED" });
      expect(check.message).toContain("did not answer in time");
    } finally {
      await setOwnerRow(`http://127.0.0.1:${owner.port}`);
    }
  });

  test("session operations read the owner now: start goes to it, a connection nobody runs is not forwarded", async () => {
    const remote = caller();
    expect(await remote.start(1)).toBe(true);
    expect(await remote.stop(1)).toBe(true);
    expect(await remote.start(2)).toBe(false);
  });

  test("a move is nudged: the owner renews now, then the target claims (it holds nothing yet); a dead target is skipped", async () => {
    // The target answers on the same handler; claims are not refused for want of a lease.
    const target = createNodeLeases(db.sql, { nodeId: "target", ttlMs: 60_000, secret: SECRET });
    await target.register(`http://127.0.0.1:${owner.port}`);
    const remote = caller();
    held = false;
    try {
      nudged.length = 0;
      await remote.nudgeMove(1, "owner", "target");
      // The owner no longer holds the lease in this handler's eyes: its renew is refused (notOwner), logged only.
      expect(nudged).toEqual(["claim"]);
      held = true;
      nudged.length = 0;
      await remote.nudgeMove(1, "owner", "target");
      expect(nudged).toEqual(["renew 1", "claim"]);
      nudged.length = 0;
      await remote.nudgeMove(1, "owner", "ghost");
      await remote.nudgeMove(1, null, "caller");
      expect(nudged).toEqual(["renew 1"]);
    } finally {
      held = true;
      await target.unregister();
    }
  });
});
