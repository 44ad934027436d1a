// The session manager's lease ownership on a real PostgreSQL, in one process: two managers ("nodes") on one
// database, each with its own pool, running sandbox sockets whose factory also opens the fenced PostgreSQL
// auth state (the Baileys driver's path) so that a key write can find the lease lost for real. The Baileys
// end-to-end version, with the fake WhatsApp server as the judge, is session-leases.test.ts.
import { describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { createNodeLeases, LeaseLost } from "../../src/cluster/leases";
import { usePostgresAuthState } from "../../src/cluster/pg-auth-state";
import { createLogger } from "../../src/logger";
import { createSandboxGateway } from "../../src/whatsapp/sandbox/sandbox-gateway";
import { createSessionManager, type SessionManager } from "../../src/whatsapp/session-manager";
import { createMigratedDatabase, type TestDatabase } from "../support/postgres";

const TTL_MS = 3_000;

type Node = {
  sessions: SessionManager;
  auth: Map<number, Awaited<ReturnType<typeof usePostgresAuthState>>>;
  started: number[];
  /** Connection ids whose gateway was stopped, in order, with the wall-clock ms of the stop. */
  stopped: number[];
  stoppedAt: number[];
  /** This node's own pool: closing it cuts the node off from the database (a partition). */
  sql: SQL;
  /** Stops every session, releases, closes the pool: before the database is dropped (declare it after). */
  [Symbol.asyncDispose](): Promise<void>;
};

function node(db: TestDatabase, id: string, opts: { runs?: (connectionId: number) => boolean } = {}): Node {
  const sql = new SQL({ url: db.url, max: 3 });
  const auth: Node["auth"] = new Map();
  const started: number[] = [];
  const stopped: number[] = [];
  const stoppedAt: number[] = [];
  const sessions = createSessionManager({
    logger: createLogger("silent"),
    factories: {
      sandbox: async (connection, events, owner) => {
        if (!owner) throw new Error("a socket on PostgreSQL must come with its lease");
        auth.set(connection.id, await usePostgresAuthState(sql, owner.lease, { onLeaseLost: owner.lost }));
        started.push(connection.id);
        const gw = createSandboxGateway(connection, events);
        return {
          ...gw,
          async stop() {
            stopped.push(connection.id);
            stoppedAt.push(Date.now());
            await gw.stop();
          },
        };
      },
    },
    eventsFor: () => ({ status() {}, message() {}, update() {}, ack() {} }),
    ownership: {
      leases: createNodeLeases(sql, { nodeId: id, ttlMs: TTL_MS }),
      address: `http://${id}.test:3000`,
      // Rounds are driven by the tests (claimRound); the loop's own first round runs at startOwnership.
      claimIntervalMs: 600_000,
      loadConnection: async (connectionId) =>
        (opts.runs?.(connectionId) ?? true)
          ? { id: connectionId, driver: "sandbox", number: `59598100${connectionId}` }
          : undefined,
    },
  });
  return {
    sessions,
    auth,
    started,
    stopped,
    stoppedAt,
    sql,
    async [Symbol.asyncDispose]() {
      await sessions.stopAll();
      await sql.close();
    },
  };
}

const connection = (id: number) => ({ id, driver: "sandbox", number: `59598100${id}` });

async function addConnections(db: TestDatabase, ...ids: number[]) {
  for (const id of ids)
    await db.sql`insert into connections (id, name, driver) values (${id}, ${`c${id}`}, 'sandbox')`;
}

const leaseOf = async (db: TestDatabase, id: number) =>
  (
    (await db.sql`select node_id, token::int as token, expires_at > now() as live from connection_leases
                  where connection_id = ${id}`) as { node_id: string | null; token: number; live: boolean }[]
  )[0]!;

/** Waits (polling, with a deadline) for the manager to have no socket for the connection. */
async function closed(sessions: SessionManager, id: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (sessions.get(id)) {
    if (Date.now() > deadline) throw new Error(`the socket of connection ${id} is still open`);
    await Bun.sleep(20);
  }
}

describe("session manager with lease ownership (PostgreSQL)", () => {
  test("a socket starts only under this node's lease; stop keeps the lease, a start again reuses it", async () => {
    await using db = await createMigratedDatabase();
    await addConnections(db, 1);
    await using a = node(db, "a");
    await using b = node(db, "b");

    await a.sessions.start(connection(1));
    expect(a.sessions.get(1)?.status()).toBe("CONNECTED");
    expect(await leaseOf(db, 1)).toEqual({ node_id: "a", token: 1, live: true });
    await b.sessions.start(connection(1));
    expect(b.sessions.get(1)).toBeUndefined();
    expect(b.started).toEqual([]);

    await a.sessions.stop(1);
    expect(a.sessions.get(1)).toBeUndefined();
    expect(a.sessions.leased()).toEqual([1]);
    expect(await leaseOf(db, 1)).toMatchObject({ node_id: "a", token: 1 });
    await a.sessions.start(connection(1));
    expect(a.sessions.get(1)?.status()).toBe("CONNECTED");
    expect(await leaseOf(db, 1)).toMatchObject({ node_id: "a", token: 1 });
  }, 60_000);

  test("a fenced key write that finds the lease taken closes the socket at once and writes nothing", async () => {
    await using db = await createMigratedDatabase();
    await addConnections(db, 1);
    await using a = node(db, "a");
    await using b = node(db, "b");
    await a.sessions.start(connection(1));

    // a's lease expires in database time (its renewals did not reach the database) and b takes it.
    await db.sql`update connection_leases set expires_at = now() - interval '1 second'`;
    await b.sessions.start(connection(1));
    expect(b.sessions.get(1)?.status()).toBe("CONNECTED");
    expect(await leaseOf(db, 1)).toMatchObject({ node_id: "b", token: 2 });

    const error = await a.auth
      .get(1)!
      .saveCreds()
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LeaseLost);
    // Closed when the write failed, not at a later renewal.
    expect(a.sessions.get(1)).toBeUndefined();
    expect(a.stopped).toEqual([1]);
    expect(a.sessions.leased()).toEqual([]);
    expect(await db.sql`select 1 from wa_auth where connection_id = 1`).toHaveLength(0);
    // b's lease is untouched by a's close.
    expect(await leaseOf(db, 1)).toEqual({ node_id: "b", token: 2, live: true });
  }, 60_000);

  test("a renewal that finds the lease gone closes the socket, and a's close leaves the new holder's lease alone", async () => {
    await using db = await createMigratedDatabase();
    await addConnections(db, 1);
    await using a = node(db, "a");
    await a.sessions.start(connection(1));
    expect(a.sessions.get(1)?.status()).toBe("CONNECTED");

    // The row goes to another node behind a's back (what a takeover after expiry leaves).
    await db.sql`update connection_leases set node_id = 'b', token = token + 1 where connection_id = 1`;
    // a finds out at its next renewal (every ttl/3).
    await closed(a.sessions, 1);
    expect(a.stopped).toEqual([1]);
    expect(a.sessions.leased()).toEqual([]);
    expect(await leaseOf(db, 1)).toEqual({ node_id: "b", token: 2, live: true });
  }, 60_000);

  test("a node cut off from the database closes its socket on its own, before the lease expires in database time", async () => {
    await using db = await createMigratedDatabase();
    await addConnections(db, 1);
    await using a = node(db, "a");
    await a.sessions.start(connection(1));
    expect(a.sessions.get(1)?.status()).toBe("CONNECTED");

    // The partition: every renewal of a fails from now on, and nothing else tells it the lease is gone.
    await a.sql.close();
    await closed(a.sessions, 1);
    expect(a.stopped).toEqual([1]);
    // The lease is still a's in the database (nobody could take it yet) and expires after the close.
    const [row] = (await db.sql`select node_id, extract(epoch from expires_at) * 1000 as expires_ms
      from connection_leases where connection_id = 1`) as { node_id: string; expires_ms: string }[];
    expect(row!.node_id).toBe("a");
    expect(a.stoppedAt[0]!).toBeLessThan(Number(row!.expires_ms));
  }, 60_000);

  test("moves: the owner closes its socket before it releases, and only the wanted node takes the lease", async () => {
    await using db = await createMigratedDatabase();
    await addConnections(db, 1);
    await using a = node(db, "a");
    await using b = node(db, "b");
    await a.sessions.startOwnership();
    await b.sessions.startOwnership();
    expect(a.sessions.get(1)?.status()).toBe("CONNECTED");
    const admin = createNodeLeases(db.sql, { nodeId: "admin", ttlMs: TTL_MS });
    expect(await admin.requestMove(1, "b")).toBe(true);

    // a sees the move at its next renewal (every ttl/3), closes, then releases.
    await closed(a.sessions, 1);
    expect(a.stopped).toEqual([1]);
    const deadline = Date.now() + 20_000;
    while ((await leaseOf(db, 1)).node_id === "a") {
      if (Date.now() > deadline) throw new Error("a never released the moved lease");
      await Bun.sleep(20);
    }
    await a.sessions.claimRound();
    expect(a.sessions.leased()).toEqual([]);
    await b.sessions.claimRound();
    expect(b.sessions.leased()).toEqual([1]);
    expect(await leaseOf(db, 1)).toEqual({ node_id: "b", token: 2, live: true });
    const deadlineB = Date.now() + 20_000;
    while (b.sessions.get(1)?.status() !== "CONNECTED") {
      if (Date.now() > deadlineB) throw new Error("b never ran the moved connection");
      await Bun.sleep(20);
    }
  }, 60_000);

  test("claim rounds spread leases over live nodes; a connection that should not run is held without a socket until started here", async () => {
    await using db = await createMigratedDatabase();
    await using a = node(db, "a", { runs: (id) => id !== 4 });
    await using b = node(db, "b", { runs: (id) => id !== 4 });
    await a.sessions.startOwnership();
    await b.sessions.startOwnership();
    await addConnections(db, 1, 2, 3, 4);
    for (let i = 0; i < 3; i++) {
      await a.sessions.claimRound();
      await b.sessions.claimRound();
    }
    const held = [...a.sessions.leased(), ...b.sessions.leased()].sort();
    expect(held).toEqual([1, 2, 3, 4]);
    expect(a.sessions.leased()).toHaveLength(2);
    expect(b.sessions.leased()).toHaveLength(2);
    const holder4 = a.sessions.leased().includes(4) ? a : b;
    const other = holder4 === a ? b : a;
    // The logged-out connection 4 is leased but has no socket; claim rounds do not take it again.
    expect(holder4.sessions.get(4)).toBeUndefined();
    const token4 = (await leaseOf(db, 4)).token;
    await other.sessions.claimRound();
    await holder4.sessions.claimRound();
    expect((await leaseOf(db, 4)).token).toBe(token4);
    // Started through its owner (an operator linking it again): it runs under the lease already held.
    await other.sessions.start(connection(4));
    expect(other.sessions.get(4)).toBeUndefined();
    await holder4.sessions.start(connection(4));
    expect(holder4.sessions.get(4)?.status()).toBe("CONNECTED");
    expect((await leaseOf(db, 4)).token).toBe(token4);

    // retire releases at once; stopAll releases the rest and leaves the registry.
    await holder4.sessions.retire(4);
    expect(await leaseOf(db, 4)).toMatchObject({ node_id: null, live: false });
    await a.sessions.stopAll();
    await b.sessions.stopAll();
    expect(
      await db.sql`select 1 from connection_leases where node_id is not null or expires_at > now()`,
    ).toHaveLength(0);
    expect(await db.sql`select id from nodes`).toHaveLength(0);
  }, 60_000);
});
