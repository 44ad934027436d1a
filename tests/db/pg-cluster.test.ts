import { describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { createTestDatabase, testCluster } from "../support/postgres";

describe("test PostgreSQL", () => {
  test("serves a database per test on 127.0.0.1, isolated from the others and gone once dropped", async () => {
    const cluster = await testCluster();
    await using a = await createTestDatabase();
    const b = await createTestDatabase();
    expect(a.name).not.toBe(b.name);
    await a.sql`create table t (v text)`;
    await a.sql`insert into t values ('only in a')`;
    expect(await a.sql`select v from t`).toEqual([{ v: "only in a" }]);
    expect(await b.sql`select to_regclass('t') as t`).toEqual([{ t: null }]);
    const [server] =
      await a.sql`select inet_server_addr()::text as addr, current_setting('server_version_num')::int as v`;
    expect(server.addr).toBe("127.0.0.1/32");
    expect(server.v).toBeGreaterThanOrEqual(170000);
    expect(new URL(a.url).port).toBe(String(cluster.port));

    await b.drop();
    const admin = new SQL({ url: cluster.url("postgres"), max: 1 });
    try {
      expect(await admin`select datname from pg_database where datname = ${b.name}`).toEqual([]);
    } finally {
      await admin.close();
    }
  }, 60_000);

  test("LISTEN/NOTIFY through Bun.SQL delivers what a transaction notifies at its commit, and nothing it rolls back", async () => {
    await using db = await createTestDatabase();
    const received: string[] = [];
    let wake: () => void = () => {};
    const committed = new Promise<void>((resolve) => {
      wake = resolve;
    });
    await using _subscription = await db.sql.listen("chasqui_test", (payload) => {
      received.push(payload);
      if (payload === "committed") wake();
    });
    await db.sql
      .begin(async (tx) => {
        await tx.notify("chasqui_test", "rolled back");
        throw new Error("roll back");
      })
      .catch(() => {});
    await db.sql.begin(async (tx) => {
      await tx.notify("chasqui_test", "committed");
    });
    await committed;
    expect(received).toEqual(["committed"]);
  }, 60_000);
});
