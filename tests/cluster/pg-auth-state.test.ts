// The fenced Baileys auth state on PostgreSQL with a real Baileys client on the fake WhatsApp server: a handover
// of one WhatsApp login from node a to node b through the lease, the session keys in the shared database.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { createNodeLeases, LeaseLost } from "../../src/cluster/leases";
import { usePostgresAuthState } from "../../src/cluster/pg-auth-state";
import { createMigratedDatabase } from "../support/postgres";
import { BaileysTestClient, linkByQr } from "../wasim/baileys-test-client";
import { type FakeWhatsApp, startFakeWhatsApp } from "../wasim/fake-whatsapp";
import { trustTestRoot } from "../wasim/test-pki";

trustTestRoot();

let wa: FakeWhatsApp;
beforeAll(async () => {
  wa = await startFakeWhatsApp();
});
afterAll(() => wa.stop());

describe("fenced auth state on PostgreSQL", () => {
  test("node b logs in with the keys node a stored, after the lease moved; a's late key writes are refused and change nothing", async () => {
    await using db = await createMigratedDatabase();
    const sqlA = new SQL({ url: db.url, max: 2 });
    const sqlB = new SQL({ url: db.url, max: 2 });
    try {
      await db.sql`insert into connections (id, name, driver) values (1, 'c1', 'baileys')`;
      const a = createNodeLeases(sqlA, { nodeId: "a", ttlMs: 15_000 });
      const b = createNodeLeases(sqlB, { nodeId: "b", ttlMs: 15_000 });
      const leaseA = (await a.acquire(1))!;
      const lost: LeaseLost[] = [];
      const authA = await usePostgresAuthState(sqlA, leaseA, { onLeaseLost: (e) => lost.push(e) });
      expect(await authA.hasCreds()).toBe(false);

      const phone = wa.createAccount("595981000700");
      const { client } = await linkByQr(wa, phone, authA.state);
      await authA.saveCreds();
      await client.end();
      const { n } = (
        (await db.sql`select count(*)::int as n from wa_auth where connection_id = 1`) as { n: number }[]
      )[0]!;
      expect(n).toBeGreaterThan(1); // creds and the Signal keys Baileys wrote through keys.set

      // a stops renewing (its socket is closed); the lease expires in database time and b takes it.
      await db.sql`update connection_leases set expires_at = now() - interval '1 second'`;
      const leaseB = (await b.acquire(1))!;
      expect(leaseB.token).toBe(2);
      const authB = await usePostgresAuthState(sqlB, leaseB);
      expect(await authB.hasCreds()).toBe(true);
      const snapshot = async () =>
        (await db.sql`select type, key_id, md5(value) as h from wa_auth order by type, key_id`) as unknown[];
      const before = await snapshot();

      // a's late writes: refused, nothing written.
      await expect(authA.saveCreds()).rejects.toBeInstanceOf(LeaseLost);
      await expect(
        authA.state.keys.set({
          "pre-key": { "999": { public: Buffer.alloc(32), private: Buffer.alloc(32) } },
        }),
      ).rejects.toBeInstanceOf(LeaseLost);
      await expect(authA.clear()).rejects.toBeInstanceOf(LeaseLost);
      // These three, and any late write of a's ended Baileys socket: all under a's token, all refused.
      expect(lost.length).toBeGreaterThanOrEqual(3);
      expect(new Set(lost.map((e) => `${e.nodeId}:${e.token}`))).toEqual(new Set(["a:1"]));
      expect(await snapshot()).toEqual(before);

      // b's socket logs in with the stored creds (no QR) and keeps writing keys under its token.
      const next = new BaileysTestClient(wa, authB.state);
      next.sock.ev.on("creds.update", () => void authB.saveCreds());
      await next.waitForOpen();
      expect(next.qrs).toEqual([]);
      await authB.state.keys.set({
        "pre-key": { "999": { public: Buffer.alloc(32), private: Buffer.alloc(32) } },
      });
      expect(Object.keys(await authB.state.keys.get("pre-key", ["999"]))).toEqual(["999"]);
      await next.end();
      // The WhatsApp side never saw two sockets on this login.
      expect(wa.maxConcurrentLogins(phone.pn)).toBe(1);
      expect(wa.logins(phone.pn)[0]!.sessions).toHaveLength(2);
    } finally {
      await sqlA.close();
      await sqlB.close();
    }
  }, 60_000);
});

describe("key writes in batches", () => {
  test("one keys.set of 900 pre-keys, then one that deletes some and replaces others: every value reads back exactly", async () => {
    await using db = await createMigratedDatabase();
    const sql = new SQL({ url: db.url, max: 2 });
    try {
      await db.sql`insert into connections (id, name, driver) values (1, 'c1', 'baileys')`;
      const lease = (await createNodeLeases(sql, { nodeId: "a", ttlMs: 15_000 }).acquire(1))!;
      const auth = await usePostgresAuthState(sql, lease);
      const key = (i: number) => ({
        public: Buffer.alloc(32, i % 256),
        private: crypto.getRandomValues(Buffer.alloc(32)),
      });
      const preKeys = Object.fromEntries(Array.from({ length: 900 }, (_, i) => [String(i + 1), key(i)]));
      // A value with characters JSON and SQL both escape, under an id that needs quoting too.
      const odd = {
        'it\'s "quoted" \\ ñ 🙂': {
          keyData: Buffer.from("x"),
          fingerprint: { rawId: 1, currentIndex: 0, deviceIndexes: [] },
          timestamp: "0",
        },
      };
      await auth.state.keys.set({ "pre-key": preKeys, "app-state-sync-key": odd as never });
      const ids = Object.keys(preKeys);
      expect(await auth.state.keys.get("pre-key", ids)).toEqual(preKeys);
      const gotOdd = await auth.state.keys.get("app-state-sync-key", Object.keys(odd));
      expect(Object.keys(gotOdd)).toEqual(Object.keys(odd));

      // Delete the first 300, replace the next 300, keep the rest; a key of another type in the same call.
      const second: Record<string, unknown> = {};
      for (const id of ids.slice(0, 300)) second[id] = null;
      const replaced = Object.fromEntries(ids.slice(300, 600).map((id, i) => [id, key(i + 7)]));
      Object.assign(second, replaced);
      const session = { "595981000701.0": Buffer.from("session-bytes") };
      await auth.state.keys.set({ "pre-key": second as never, session: session as never });
      const now = await auth.state.keys.get("pre-key", ids);
      expect(Object.keys(now).length).toBe(600);
      for (const id of ids.slice(0, 300)) expect(now[id]).toBeUndefined();
      for (const id of ids.slice(300, 600)) expect(now[id]).toEqual(replaced[id]!);
      for (const id of ids.slice(600)) expect(now[id]).toEqual(preKeys[id]!);
      expect(await auth.state.keys.get("session", Object.keys(session))).toEqual(session as never);
      const [count] = (await db.sql`select count(*)::int as n from wa_auth where connection_id = 1`) as {
        n: number;
      }[];
      expect(count!.n).toBe(600 + 1 + 1); // the pre-keys left, the odd key, the session (no creds saved here)
    } finally {
      await sql.close();
    }
  }, 60_000);
});
