// WhatsApp connections owned by leases on a real PostgreSQL (docs/CLUSTER.md §4): two nodes, each its own
// process running the real session manager and the real Baileys driver against the fake WhatsApp server, whose
// login log is the judge — a connection must never be logged in from two sockets at once. Covers the even
// start, an admin move (`chasqui nodes move`), a crash (SIGKILL: no release) and a clean stop (release).
// Short leases through the nodes' options; every wait is for a condition, with a deadline.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createNodeLeases } from "../../src/cluster/leases";
import { usePostgresAuthState } from "../../src/cluster/pg-auth-state";
import { createMigratedDatabase, type TestDatabase } from "../support/postgres";
import { linkByQr } from "../wasim/baileys-test-client";
import { JsonLineProcess } from "../wasim/child-process";
import { type FakeWhatsApp, type SimAccount, startFakeWhatsApp } from "../wasim/fake-whatsapp";
import { trustTestRoot } from "../wasim/test-pki";
import { runCli } from "./nodes";

trustTestRoot();

const TTL_MS = 4_000;
const WAIT_MS = 60_000;

let wa: FakeWhatsApp;
beforeAll(async () => {
  wa = await startFakeWhatsApp();
});
afterAll(() => wa.stop());

function startNode(db: TestDatabase, id: string): JsonLineProcess {
  return new JsonLineProcess(
    ["bun", "--preload", "./tests/wasim/trust-test-root.ts", "tests/cluster/fixtures/lease-node.ts"],
    {
      DATABASE_URL: db.url,
      NODE_ID: id,
      LEASE_TTL_MS: String(TTL_MS),
      CLAIM_INTERVAL_MS: "200",
      WA_WS_URL: wa.wsUrl,
    },
  );
}

const cli = (db: TestDatabase, args: string[]) => runCli(db, args, { CLUSTER_LEASE_TTL_MS: String(TTL_MS) });

/** Polls `check` until it holds (the state lives in a database and a server in other processes). */
async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

const owners = async (db: TestDatabase) =>
  (
    (await db.sql`select connection_id::int as id, node_id from connection_leases
                  where expires_at > now() order by connection_id`) as { id: number; node_id: string }[]
  ).reduce<Record<number, string>>((o, r) => Object.assign(o, { [r.id]: r.node_id }), {});

/** Sockets logged in as this phone's companion right now, and every login so far. */
const live = (phone: SimAccount) => wa.logins(phone.pn).reduce((n, r) => n + r.live, 0);
const sessions = (phone: SimAccount) => wa.logins(phone.pn).flatMap((r) => r.sessions);

describe("connection leases with the session manager", () => {
  test("four connections run on exactly one node each; an admin move and a crash hand them over, a clean stop releases them", async () => {
    await using db = await createMigratedDatabase();
    const phones = [1, 2, 3, 4].map((i) => wa.createAccount(`59598100090${i}`));
    // Link every connection once, its session keys stored in PostgreSQL under a lease, then let the lease go.
    const linker = createNodeLeases(db.sql, { nodeId: "linker", ttlMs: WAIT_MS });
    for (const [i, phone] of phones.entries()) {
      const id = i + 1;
      await db.sql`insert into connections (id, name, driver, number) values (${id}, ${`c${id}`}, 'baileys', ${phone.pn})`;
      const lease = (await linker.acquire(id))!;
      const auth = await usePostgresAuthState(db.sql, lease);
      const { client } = await linkByQr(wa, phone, auth.state);
      await auth.saveCreds();
      await client.sock.end(undefined);
      await wa.changesUntil(() => live(phone) === 0, `the linking socket of ${phone.pn} closed`);
      expect(await linker.release(lease)).toBe(true);
    }
    const linkedSessions = phones.map((p) => sessions(p).length);

    // Node a alone takes every lease and logs every connection in from the keys in the database.
    const a = startNode(db, "a");
    try {
      await a.waitFor("ready");
      await until(async () => {
        const o = await owners(db);
        return [1, 2, 3, 4].every((id) => o[id] === "a") && phones.every((p) => live(p) === 1);
      }, "node a running all four connections");
      expect(phones.map((p, i) => sessions(p).length - linkedSessions[i]!)).toEqual([1, 1, 1, 1]);

      // Node b joins: nothing is unowned, so it runs nothing until a connection is moved to it.
      const b = startNode(db, "b");
      try {
        await b.waitFor("ready");
        const listed = await cli(db, ["nodes"]);
        expect(listed.code).toBe(0);
        expect(listed.stdout).toMatch(/^a {2}address=http:\/\/a\.test:3000 {2}load=4 {2}heartbeat=\S+Z/m);
        expect(listed.stdout).toContain("  connections: 1, 2, 3, 4\n");
        expect(listed.stdout).toMatch(/^b {2}address=http:\/\/b\.test:3000 {2}load=0 /m);
        expect(listed.stdout).toContain("  connections: (none)\n");
        expect(listed.stdout).toContain("unowned connections: (none)\n");

        const moved = await cli(db, ["nodes", "move", "1", "b"]);
        expect(moved).toMatchObject({ code: 0, stderr: "" });
        expect(moved.stdout).toContain("connection 1 will move to node b");
        const before = sessions(phones[0]!).length;
        await until(async () => {
          const o = await owners(db);
          return o[1] === "b" && live(phones[0]!) === 1 && sessions(phones[0]!).length === before + 1;
        }, "connection 1 running on node b");
        expect(await owners(db)).toEqual({ 1: "b", 2: "a", 3: "a", 4: "a" });

        // Refused moves: the answers name what is wrong, nothing changes.
        const unknownConnection = await cli(db, ["nodes", "move", "99", "b"]);
        expect(unknownConnection).toMatchObject({ code: 1, stdout: "" });
        expect(unknownConnection.stderr).toContain("connection 99 does not exist");
        const unknownNode = await cli(db, ["nodes", "move", "2", "nowhere"]);
        expect(unknownNode).toMatchObject({ code: 1, stdout: "" });
        expect(unknownNode.stderr).toContain("node nowhere is not a live node");
        const usage = await cli(db, ["nodes", "move", "x", "b"]);
        expect(usage.code).toBe(2);

        // Node a crashes (no release): once its leases expire in database time, b runs everything.
        const beforeCrash = phones.map((p) => sessions(p).length);
        await a.kill("SIGKILL");
        await until(async () => {
          const o = await owners(db);
          return (
            [1, 2, 3, 4].every((id) => o[id] === "b") &&
            phones.every(
              (p, i) => live(p) === 1 && sessions(p).length === beforeCrash[i]! + (i === 0 ? 0 : 1),
            )
          );
        }, "node b running all four connections after a's crash");
        const afterCrash = await cli(db, ["nodes"]);
        expect(afterCrash.stdout).not.toMatch(/^a /m);
        expect(afterCrash.stdout).toMatch(/^b .* load=4 /m);

        // Never two sockets logged in as one connection at one instant, over the whole test.
        for (const p of phones) expect(wa.maxConcurrentLogins(p.pn)).toBe(1);

        // A clean stop closes the sockets, then releases the leases and leaves the registry.
        await b.kill();
        expect(b.events).toContainEqual({ stopped: "b" });
        await wa.changesUntil(() => phones.every((p) => live(p) === 0), "every socket closed");
        const rows =
          (await db.sql`select node_id, expires_at <= now() as expired from connection_leases`) as {
            node_id: string | null;
            expired: boolean;
          }[];
        expect(rows).toEqual(Array(4).fill({ node_id: null, expired: true }));
        expect(await db.sql`select id from nodes where id = 'b'`).toHaveLength(0);
      } finally {
        await b.kill();
      }
    } finally {
      await a.kill("SIGKILL");
    }
  }, 180_000);
});
