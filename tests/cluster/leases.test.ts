// Connection leases on the real test PostgreSQL: each simulated node is its own Bun.SQL client (its own pool)
// on one database. Expiry is made to happen in database time by moving `expires_at` / `heartbeat_at` into the
// past — no test waits for time to pass.
import { describe, expect, test } from "bun:test";
import { SQL } from "bun";
import {
  createLeaseKeeper,
  createNodeLeases,
  fencedWrite,
  LeaseLost,
  type NodeLeases,
  SelfFence,
  withFence,
} from "../../src/cluster/leases";
import { createMigratedDatabase, type TestDatabase } from "../support/postgres";

const TTL = 15_000;

type Node = { sql: SQL; leases: NodeLeases; [Symbol.asyncDispose](): Promise<void> };

async function node(db: TestDatabase, id: string): Promise<Node> {
  const sql = new SQL({ url: db.url, max: 3 });
  const leases = createNodeLeases(sql, { nodeId: id, ttlMs: TTL });
  await leases.register(`http://${id}.internal:3000`);
  return { sql, leases, [Symbol.asyncDispose]: () => sql.close() };
}

async function connections(db: TestDatabase, n: number): Promise<number[]> {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  for (const id of ids)
    await db.sql`insert into connections (id, name, driver) values (${id}, ${`c${id}`}, 'sandbox')`;
  return ids;
}

/** Makes a lease expire in database time (what a node that stopped renewing leaves behind). */
const expire = (db: TestDatabase, connectionId: number) =>
  db.sql`update connection_leases set expires_at = now() - interval '1 second' where connection_id = ${connectionId}`;

const leaseRow = async (db: TestDatabase, connectionId: number) =>
  (
    (await db.sql`select node_id, token::int as token, wanted_node from connection_leases
                  where connection_id = ${connectionId}`) as {
      node_id: string | null;
      token: number;
      wanted_node: string | null;
    }[]
  )[0];

const authKeys = async (db: TestDatabase) =>
  (
    (await db.sql`select key_id, value from wa_auth order by key_id`) as { key_id: string; value: string }[]
  ).map((r) => `${r.key_id}=${r.value}`);

/** Resolves once some backend waits for a row lock (a takeover blocked behind a fenced write). */
async function waitForLockWait(db: TestDatabase): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const [row] = (await db.sql`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`) as {
      n: number;
    }[];
    if (row!.n > 0) return;
    await Bun.sleep(10);
  }
  throw new Error("no backend started waiting for a lock");
}

describe("connection leases on PostgreSQL", () => {
  test("every connection gets an unowned lease row; of two nodes acquiring at once exactly one wins, token 1", async () => {
    await using db = await createMigratedDatabase();
    await using a = await node(db, "a");
    await using b = await node(db, "b");
    const [c] = await connections(db, 1);
    expect(await leaseRow(db, c!)).toEqual({ node_id: null, token: 0, wanted_node: null });

    const [ra, rb] = await Promise.all([a.leases.acquire(c!), b.leases.acquire(c!)]);
    const winners = [ra, rb].filter((l) => l !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.token).toBe(1);
    expect((await leaseRow(db, c!))!.node_id).toBe(winners[0]!.nodeId);
    // The loser cannot take it while it is live, however often it tries.
    const loser = ra ? b : a;
    expect(await loser.leases.acquire(c!)).toBeUndefined();
    expect(await loser.leases.claimNext()).toBeUndefined();
    // Deleting the connection deletes its lease: the holder's next renewal finds it lost.
    await db.sql`delete from connections where id = ${c}`;
    expect(await leaseRow(db, c!)).toBeUndefined();
    expect(await (ra ? a : b).leases.renew(winners[0]!)).toBe("lost");
  }, 60_000);

  test("renew keeps it; once expired in database time another node takes it with a greater token, and the old owner's renew and release find it lost", async () => {
    await using db = await createMigratedDatabase();
    await using a = await node(db, "a");
    await using b = await node(db, "b");
    const [c] = await connections(db, 1);
    const held = (await a.leases.acquire(c!))!;
    const [before] = (await db.sql`select expires_at from connection_leases where connection_id = ${c}`) as {
      expires_at: Date;
    }[];
    await db.sql`update connection_leases set expires_at = now() + interval '1 second' where connection_id = ${c}`;
    expect(await a.leases.renew(held)).toBe("renewed");
    const [after] =
      (await db.sql`select expires_at > now() + interval '10 seconds' as long from connection_leases
                                  where connection_id = ${c}`) as { long: boolean }[];
    expect(after!.long).toBe(true);
    expect(before!.expires_at).toBeInstanceOf(Date);
    expect(await a.leases.owned()).toEqual([held]);

    await expire(db, c!);
    expect(await a.leases.owned()).toEqual([]);
    const taken = (await b.leases.acquire(c!))!;
    expect(taken).toEqual({ connectionId: c!, nodeId: "b", token: 2 });
    expect(await a.leases.renew(held)).toBe("lost");
    expect(await a.leases.release(held)).toBe(false);
    expect((await leaseRow(db, c!))!.node_id).toBe("b");

    // A release by the holder makes it free at once; the token keeps growing.
    expect(await b.leases.release(taken)).toBe(true);
    expect((await leaseRow(db, c!))!.node_id).toBeNull();
    expect(await a.leases.acquire(c!)).toEqual({ connectionId: c!, nodeId: "a", token: 3 });
  }, 60_000);

  test("an expired lease nobody took yet cannot be renewed: its holder must reconnect through acquire", async () => {
    await using db = await createMigratedDatabase();
    await using a = await node(db, "a");
    const [c] = await connections(db, 1);
    const held = (await a.leases.acquire(c!))!;
    await expire(db, c!);
    expect(await a.leases.renew(held)).toBe("lost");
    expect(await a.leases.acquire(c!)).toEqual({ connectionId: c!, nodeId: "a", token: 2 });
  }, 60_000);

  test("a fenced key write after a takeover throws LeaseLost and writes nothing; the new owner's writes go through", async () => {
    await using db = await createMigratedDatabase();
    await using a = await node(db, "a");
    await using b = await node(db, "b");
    const [c] = await connections(db, 1);
    const old = (await a.leases.acquire(c!))!;
    await fencedWrite(a.sql, old, (tx) => tx`insert into wa_auth values (${c}, 'creds', 'me', 'v1')`);
    expect(await authKeys(db)).toEqual(["me=v1"]);

    await expire(db, c!);
    const current = (await b.leases.acquire(c!))!;
    const late = fencedWrite(a.sql, old, async (tx) => {
      await tx`update wa_auth set value = 'stale' where key_id = 'me'`;
      await tx`insert into wa_auth values (${c}, 'pre-key', '1', 'stale')`;
    });
    await expect(late).rejects.toBeInstanceOf(LeaseLost);
    await late.catch(() => {});
    expect(await authKeys(db)).toEqual(["me=v1"]);

    await fencedWrite(b.sql, current, (tx) => tx`update wa_auth set value = 'v2' where key_id = 'me'`);
    expect(await authKeys(db)).toEqual(["me=v2"]);
    // withFence inside a caller's own transaction: the same check.
    const err = await a.sql
      .begin(async (tx) => {
        await withFence(tx, c!, "a", old.token);
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseLost);
    expect((err as LeaseLost).token).toBe(old.token);
  }, 60_000);

  test("the owner's renewal does not wait for its own fenced write in flight (a long key write must not starve it)", async () => {
    await using db = await createMigratedDatabase();
    await using a = await node(db, "a");
    const [c] = await connections(db, 1);
    const held = (await a.leases.acquire(c!))!;
    const { promise: mayCommit, resolve: commit } = Promise.withResolvers<void>();
    const { promise: fenceTaken, resolve: fenced } = Promise.withResolvers<void>();
    const write = fencedWrite(a.sql, held, async (tx) => {
      await tx`insert into wa_auth values (${c}, 'pre-key', '1', 'key')`;
      fenced();
      await mayCommit;
    });
    await fenceTaken;
    // The renewal answers while the write is still open; a renewal stuck behind the fence shows up as a lock wait.
    const first = await Promise.race([
      a.leases.renew(held).then((r) => ({ renew: r })),
      waitForLockWait(db).then(() => "the renewal waits for the fenced write"),
    ]);
    commit();
    await write;
    expect(first).toEqual({ renew: "renewed" });
    expect(await authKeys(db)).toEqual(["1=key"]);
  }, 60_000);

  test("a takeover waits for a fenced write in flight: the old owner's write commits before the new token exists, never after", async () => {
    await using db = await createMigratedDatabase();
    await using a = await node(db, "a");
    await using b = await node(db, "b");
    const [c] = await connections(db, 1);
    const old = (await a.leases.acquire(c!))!;

    const { promise: mayCommit, resolve: commit } = Promise.withResolvers<void>();
    const { promise: fenceTaken, resolve: fenced } = Promise.withResolvers<void>();
    // The write's transaction starts (its now() is fixed here), then the lease runs out in database time right
    // after that instant: the fence still passes for this transaction, and a takeover becomes legal.
    const write = a.sql.begin(async (tx) => {
      const { t } = ((await tx`select now() as t`) as { t: Date }[])[0]!;
      await db.sql`update connection_leases set expires_at = ${t}::timestamptz + interval '1 millisecond'
                   where connection_id = ${c}`;
      await withFence(tx, c!, "a", old.token);
      await tx`insert into wa_auth values (${c}, 'session', 'peer', 'written by a')`;
      fenced();
      await mayCommit;
    });
    await fenceTaken;
    // Wait (database time) until the lease is expired for new statements, then let b take over.
    const deadline = Date.now() + 10_000;
    while (
      !(
        (await db.sql`select expires_at < now() as over from connection_leases where connection_id = ${c}`) as {
          over: boolean;
        }[]
      )[0]!.over
    ) {
      if (Date.now() > deadline) throw new Error("lease did not expire");
    }
    let tookOver = false;
    const takeover = b.leases.acquire(c!).then((l) => {
      tookOver = true;
      return l;
    });
    await waitForLockWait(db);
    expect(tookOver).toBe(false);
    commit();
    await write;
    expect(await takeover).toEqual({ connectionId: c!, nodeId: "b", token: 2 });
    expect(await authKeys(db)).toEqual(["peer=written by a"]);
    await expect(
      fencedWrite(a.sql, old, (tx) => tx`update wa_auth set value = 'late' where key_id = 'peer'`),
    ).rejects.toBeInstanceOf(LeaseLost);
  }, 60_000);

  test("node registry: live nodes by database time, with their load; a node whose heartbeat is older than ttl is not live", async () => {
    await using db = await createMigratedDatabase();
    await using a = await node(db, "a");
    await using b = await node(db, "b");
    const [c1, c2] = await connections(db, 2);
    await a.leases.acquire(c1!);
    await a.leases.acquire(c2!);
    expect(await b.leases.liveNodes()).toEqual([
      { id: "a", address: "http://a.internal:3000", load: 2 },
      { id: "b", address: "http://b.internal:3000", load: 0 },
    ]);
    await db.sql`update nodes set heartbeat_at = now() - interval '16 seconds' where id = 'a'`;
    expect((await b.leases.liveNodes()).map((n) => n.id)).toEqual(["b"]);
    await a.leases.heartbeat();
    expect((await b.leases.liveNodes()).map((n) => n.id)).toEqual(["a", "b"]);
    await a.leases.unregister();
    await a.leases.heartbeat(); // a heartbeat after the row went away registers it again
    expect((await b.leases.liveNodes()).map((n) => n.id)).toEqual(["a", "b"]);
  }, 60_000);

  test("three nodes spread nine connections three each, and share a dead node's connections between the two left", async () => {
    await using db = await createMigratedDatabase();
    await using a = await node(db, "a");
    await using b = await node(db, "b");
    await using c = await node(db, "c");
    await connections(db, 9);
    const all = [a, b, c];
    // Rounds of every node claiming at once, as their spreading timers would, until nobody takes anything.
    const spread = async (nodes: Node[]) => {
      for (let round = 0; round < 20; round++) {
        const got = await Promise.all(nodes.map((n) => n.leases.claimNext()));
        if (got.every((l) => l === undefined)) return;
      }
      throw new Error("spreading did not settle");
    };
    await spread(all);
    const loads = async () => (await a.leases.liveNodes()).map((n) => [n.id, n.load]);
    expect(await loads()).toEqual([
      ["a", 3],
      ["b", 3],
      ["c", 3],
    ]);
    const { owners } = (
      (await db.sql`select count(distinct node_id)::int as owners from connection_leases`) as {
        owners: number;
      }[]
    )[0]!;
    expect(owners).toBe(3);

    // c dies: its heartbeat and its leases run out (database time); a and b take its three connections.
    const ofC = (await c.leases.owned()).map((l) => l.connectionId);
    await db.sql`update nodes set heartbeat_at = now() - interval '1 minute' where id = 'c'`;
    for (const id of ofC) await expire(db, id);
    await spread([a, b]);
    const after = await loads();
    expect(after.map(([id]) => id)).toEqual(["a", "b"]);
    expect(after.map(([, n]) => n).sort()).toEqual([4, 5]);
    const { tokens } = (
      (await db.sql`select array_agg(token::int order by connection_id) as tokens
                    from connection_leases where connection_id = any(${ofC})`) as { tokens: number[] }[]
    )[0]!;
    expect([...tokens]).toEqual([2, 2, 2]);
  }, 60_000);

  test("admin move: the owner sees it at renewal and lets go; only the wanted node may take it, and not a dead one", async () => {
    await using db = await createMigratedDatabase();
    await using a = await node(db, "a");
    await using b = await node(db, "b");
    await using c = await node(db, "c");
    const [conn] = await connections(db, 1);
    const held = (await a.leases.acquire(conn!))!;

    expect(await a.leases.requestMove(conn!, "nobody")).toBe(false);
    expect(await a.leases.requestMove(conn!, "b")).toBe(true);
    expect(await a.leases.renew(held)).toBe("move");
    expect(await a.leases.release(held)).toBe(true);
    // c is less loaded than b would be after, but the lease is b's to take.
    expect(await c.leases.acquire(conn!)).toBeUndefined();
    expect(await c.leases.claimNext()).toBeUndefined();
    expect(await b.leases.claimNext()).toEqual({ connectionId: conn!, nodeId: "b", token: 2 });
    expect(await leaseRow(db, conn!)).toEqual({ node_id: "b", token: 2, wanted_node: null });

    // A move to a node that dies before taking it: once that node is not live, anyone may take the lease.
    const now = (await b.leases.owned())[0]!;
    expect(await b.leases.requestMove(conn!, "a")).toBe(true);
    expect(await b.leases.renew(now)).toBe("move");
    await b.leases.release(now);
    await db.sql`update nodes set heartbeat_at = now() - interval '1 minute' where id = 'a'`;
    expect(await c.leases.acquire(conn!)).toEqual({ connectionId: conn!, nodeId: "c", token: 3 });
    // A move to a node that dies before the owner's renewal: the owner keeps it.
    const kept = (await c.leases.owned())[0]!;
    await db.sql`update nodes set heartbeat_at = now() where id = 'a'`;
    expect(await c.leases.requestMove(conn!, "a")).toBe(true);
    await db.sql`update nodes set heartbeat_at = now() - interval '1 minute' where id = 'a'`;
    expect(await c.leases.renew(kept)).toBe("renewed");
    // A move to the owner itself is just cleared at its renewal.
    const cur = (await c.leases.owned())[0]!;
    expect(await c.leases.requestMove(conn!, "c")).toBe(true);
    expect(await c.leases.renew(cur)).toBe("renewed");
    expect((await leaseRow(db, conn!))!.wanted_node).toBeNull();
  }, 60_000);
});

describe("self-fencing", () => {
  test("the deadline is ttl − margin after sending the last successful renewal, measured on the monotonic clock", () => {
    let t = 1000;
    const fence = new SelfFence({ ttlMs: 15_000, marginMs: 5_000, now: () => t });
    expect(fence.expired).toBe(true); // nothing succeeded yet
    const sent = fence.sending();
    t = 4000; // the answer took 3 s: the deadline still counts from the send
    fence.succeeded(sent);
    expect(fence.deadline).toBe(11_000);
    expect(fence.remainingMs()).toBe(7_000);
    t = 10_999;
    expect(fence.expired).toBe(false);
    // A late answer to an older renewal does not move the deadline back.
    fence.succeeded(500);
    expect(fence.deadline).toBe(11_000);
    t = 11_000;
    expect(fence.expired).toBe(true);
    expect(() => new SelfFence({ ttlMs: 5_000, marginMs: 5_000 })).toThrow();
  });

  test("a keeper whose renewals cannot reach the database stops the socket at the deadline, before the lease expires in database time", async () => {
    await using db = await createMigratedDatabase();
    const sql = new SQL({ url: db.url, max: 2 });
    const leases = createNodeLeases(sql, { nodeId: "a", ttlMs: TTL });
    await leases.register();
    const [c] = await connections(db, 1);
    let t = 0;
    const now = () => t;
    const acquireSentAt = now();
    const lease = (await leases.acquire(c!))!;
    const stops: string[] = [];
    const timers: { fn: () => void; at: number }[] = [];
    const keeper = createLeaseKeeper({
      leases,
      lease,
      acquireSentAt,
      marginMs: 5_000,
      onStop: (reason) => stops.push(reason),
      now,
      setTimer: (fn, ms) => {
        const timer = { fn, at: t + ms };
        timers.push(timer);
        return timer;
      },
      clearTimer: (h) => {
        const i = timers.indexOf(h as (typeof timers)[number]);
        if (i >= 0) timers.splice(i, 1);
      },
    });
    keeper.start();
    t = 5_000;
    expect(await keeper.renewOnce()).toBe("renewed"); // deadline now 5 000 + 15 000 − 5 000 = 15 000
    expect(keeper.fence.deadline).toBe(15_000);

    await sql.close(); // partitioned from the database: every renewal now fails
    t = 10_000;
    expect(await keeper.renewOnce()).toBe("failed");
    expect(stops).toEqual([]);
    t = 14_999;
    expect(keeper.check()).toBe(false);
    // The watchdog timer armed by the last success fires at the deadline even if no renewal returns.
    const watchdog = timers.find((x) => x.at === 15_000);
    expect(watchdog).toBeDefined();
    t = 15_000;
    watchdog!.fn();
    expect(stops).toEqual(["self-fenced"]);
    expect(keeper.stopped).toBe("self-fenced");
    expect(timers).toEqual([]);
    // In database time the lease is still valid at this point (it runs to ~20 s after the acquire's send).
    const [row] =
      (await db.sql`select expires_at > now() as live from connection_leases where connection_id = ${c}`) as {
        live: boolean;
      }[];
    expect(row!.live).toBe(true);
  }, 60_000);

  test("a keeper stops at once when a renewal finds the lease lost or moved", async () => {
    await using db = await createMigratedDatabase();
    await using a = await node(db, "a");
    await using b = await node(db, "b");
    const [c1, c2] = await connections(db, 2);
    const stops: string[] = [];
    const keeper = (lease: Awaited<ReturnType<NodeLeases["acquire"]>>) =>
      createLeaseKeeper({
        leases: a.leases,
        lease: lease!,
        acquireSentAt: performance.now(),
        marginMs: 5_000,
        onStop: (reason) => stops.push(`${lease!.connectionId}:${reason}`),
      });
    const k1 = keeper(await a.leases.acquire(c1!));
    const k2 = keeper(await a.leases.acquire(c2!));
    await expire(db, c1!);
    await b.leases.acquire(c1!);
    expect(await k1.renewOnce()).toBe("lost");
    await a.leases.requestMove(c2!, "b");
    expect(await k2.renewOnce()).toBe("move");
    expect(stops).toEqual([`${c1}:lost`, `${c2}:move`]);
    expect(await k1.release()).toBe(false);
    expect(await k2.release()).toBe(true);
    expect(await b.leases.acquire(c2!)).toEqual({ connectionId: c2!, nodeId: "b", token: 2 });
  }, 60_000);
});
