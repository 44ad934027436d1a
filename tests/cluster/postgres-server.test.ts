// `chasqui serve` with DATABASE_URL: a real server process on the test PostgreSQL (tests/support/postgres.ts).
// It migrates the database at start, answers /health/ready for its node, stores what the converted services write
// in PostgreSQL (asserted by querying PostgreSQL, and by the local SQLite file NOT holding it), labels its metrics
// with the node, refuses the parts not converted yet with a 503, and stops cleanly on SIGTERM.

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config";
import { sseReader } from "../panel/sse";
import { startChild } from "../support/child-server";
import { createTestDatabase, type TestDatabase, testCluster } from "../support/postgres";
import { parseMetrics } from "../support/prometheus";

const root = join(import.meta.dir, "../..");
const cli = join(root, "src/cli.ts");
const TOKEN = "pg-server-admin-token-0123456789";

/** Polls `check` until it holds; fails after 30 s naming `what`. */
async function until(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

describe("DATABASE_URL in the configuration", () => {
  const base = { DATA_DIR: "/tmp/x" };
  test("unset: SQLite, and nothing else changes", () => {
    const c = loadConfig(base);
    expect(c.database).toEqual({ kind: "sqlite" });
    expect(c.nodeId).toBeUndefined();
  });
  test("postgres:// and postgresql:// URLs select PostgreSQL; the display form carries no credentials", () => {
    for (const scheme of ["postgres", "postgresql"]) {
      const c = loadConfig({ ...base, DATABASE_URL: `${scheme}://chasqui:s3cret@db.internal:5433/helpdesk` });
      expect(c.database).toEqual({
        kind: "postgres",
        url: `${scheme}://chasqui:s3cret@db.internal:5433/helpdesk`,
        poolMax: 10,
        display: "db.internal:5433/helpdesk",
      });
    }
    const c = loadConfig({
      ...base,
      DATABASE_URL: "postgres://db/x",
      DATABASE_POOL_MAX: "25",
      NODE_ID: "node-a",
      NODE_ADDRESS: "http://10.0.0.5:8080/",
    });
    expect(c.database.kind === "postgres" && c.database.poolMax).toBe(25);
    expect(c.nodeId).toBe("node-a");
    expect(c.nodeAddress).toBe("http://10.0.0.5:8080");
  });
  test.each([
    ["mysql://db/x", /DATABASE_URL: DATABASE_URL must be a PostgreSQL URL/],
    ["not a url", /DATABASE_URL: DATABASE_URL must be a PostgreSQL URL/],
    ["postgres://", /DATABASE_URL: DATABASE_URL must be a PostgreSQL URL/],
    ["/var/run/postgresql", /DATABASE_URL: DATABASE_URL must be a PostgreSQL URL/],
  ])("a bad DATABASE_URL (%p) stops the start with a message naming it", (url, pattern) => {
    expect(() => loadConfig({ ...base, DATABASE_URL: url })).toThrow(pattern);
  });
  test("the password of a rejected URL is not echoed", () => {
    let message = "";
    try {
      loadConfig({ ...base, DATABASE_URL: "mysql://u:hunter2@db/x" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("DATABASE_URL");
    expect(message).not.toContain("hunter2");
  });
  test("settings that need DATABASE_URL, or that cannot run with it, are refused", () => {
    expect(() => loadConfig({ ...base, DATABASE_POOL_MAX: "5" })).toThrow(
      /DATABASE_POOL_MAX: only used with DATABASE_URL/,
    );
    expect(() => loadConfig({ ...base, DATABASE_URL: "postgres://db/x", HTTP_READ_THREADS: "1" })).toThrow(
      /HTTP_READ_THREADS: the HTTP read threads read SQLite/,
    );
    expect(
      loadConfig({ ...base, DATABASE_URL: "postgres://db/x", HTTP_READ_THREADS: "auto" }).httpReadThreads,
    ).toBe(0);
    expect(() => loadConfig({ ...base, DATABASE_URL: "postgres://db/x", DATABASE_POOL_MAX: "0" })).toThrow(
      /DATABASE_POOL_MAX/,
    );
    expect(() => loadConfig({ ...base, NODE_ID: "a b" })).toThrow(/NODE_ID may hold/);
    expect(() => loadConfig({ ...base, NODE_ADDRESS: "ftp://x" })).toThrow(/NODE_ADDRESS must be an http/);
  });
});

describe("chasqui serve with DATABASE_URL", () => {
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "chasqui-pg-serve-"));
    await testCluster();
  }, 60_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const serve = (dataDir: string, db: TestDatabase, env: Record<string, string> = {}) =>
    startChild(
      ["bun", cli, "serve"],
      { DATA_DIR: dataDir, API_TOKEN: TOKEN, DATABASE_URL: db.url, NODE_ID: "node-a", ...env },
      30_000,
    );
  const auth = { authorization: `Bearer ${TOKEN}` };

  test("migrates an empty database, answers readiness for its node, and stores converted writes in PostgreSQL", async () => {
    await using db = await createTestDatabase();
    const dataDir = join(work, "a");
    const child = await serve(dataDir, db);
    try {
      const ready = await fetch(`${child.url}/health/ready`);
      const body = (await ready.json()) as Record<string, any>;
      expect(ready.status).toBe(200);
      expect(body.ready).toBe(true);
      expect(body.checks).toMatchObject({ database: "ok", migrations: "ok" });
      expect(body.postgres).toMatchObject({ node: "node-a", database: "ok", migrations: "ok" });
      expect(body.postgres.address).toBe(child.url.replace("127.0.0.1", "localhost"));
      expect(body.postgres.notYet.length).toBeGreaterThan(0);

      // A converted endpoint: the tag lands in PostgreSQL, not in the local SQLite file.
      const created = await fetch(`${child.url}/api/v1/tags`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ name: "Urgente", color: "#ff0000" }),
      });
      expect(created.status).toBe(201);
      const rows = await db.sql`select name, color from tags`;
      expect(rows.map((r: { name: string; color: string }) => ({ ...r }))).toEqual([
        { name: "Urgente", color: "#ff0000" },
      ]);
      const listed = await fetch(`${child.url}/api/v1/tags`, { headers: auth });
      expect(((await listed.json()) as { name: string }[]).map((t) => t.name)).toEqual(["Urgente"]);
      const local = new Database(join(dataDir, "chasqui.sqlite"), { readonly: true });
      try {
        expect(local.query("select count(*) as n from tags").get()).toEqual({ n: 0 });
      } finally {
        local.close();
      }

      // A contact too, read back through the converted contact service and seen in PostgreSQL.
      const contact = await fetch(`${child.url}/api/v1/contacts`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ number: "595981000111", name: "Ana" }),
      });
      expect(contact.status).toBeLessThan(300);
      expect(await db.sql`select name from contacts where number = '595981000111'`).toEqual([
        { name: "Ana" },
      ]);

      // Every series carries the node label.
      const metrics = await fetch(`${child.url}/metrics`, { headers: auth });
      expect(metrics.status).toBe(200);
      // The flat parse: every histogram line is a sample with its labels.
      const text = await metrics.text();
      const samples = parseMetrics(
        text.replace(/^# TYPE (\S+) histogram$/gm, "# TYPE $1 untyped"),
      ).families.flatMap((f) => f.metrics);
      expect(samples.length).toBeGreaterThan(10);
      expect(samples.filter((m) => m.labels?.node !== "node-a")).toEqual([]);

      // A sandbox connection: this node takes its lease, runs its session, and a send goes through the whole message
      // path — the message, its ticket and its event in PostgreSQL, nothing in the local file.
      const sandbox = await fetch(`${child.url}/api/v1/connections`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ name: "Prueba", driver: "sandbox", number: "595982000222" }),
      });
      expect(sandbox.status).toBe(201);
      const connectionId = ((await sandbox.json()) as { id: number }).id;
      await until(async () => {
        const r = await fetch(`${child.url}/api/v1/connections/${connectionId}`, { headers: auth });
        return ((await r.json()) as { status: string }).status === "CONNECTED";
      }, "the sandbox session running under this node's lease");
      expect(
        await db.sql`select node_id from connection_leases where connection_id = ${connectionId}`,
      ).toEqual([{ node_id: "node-a" }]);
      const send = await fetch(`${child.url}/api/v1/send`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ number: "595981000111", body: "hola", connectionId }),
      });
      expect(send.status).toBe(201);
      expect(await db.sql`select body, from_me from messages`).toEqual([{ body: "hola", from_me: true }]);
      const sentEvents =
        await db.sql`select count(*)::int as n from events where connection_id = ${connectionId}`;
      expect(sentEvents[0].n).toBeGreaterThan(0);
      const after = new Database(join(dataDir, "chasqui.sqlite"), { readonly: true });
      try {
        expect(
          after.query("select (select count(*) from messages) + (select count(*) from events) as n").get(),
        ).toEqual({
          n: 0,
        });
      } finally {
        after.close();
      }
      // The live stream reads the shared feed: resumed from the first event it replays the send's events in the
      // order stored, then goes on live with an inbound message.
      const feed = (await (
        await fetch(`${child.url}/api/v1/events?limit=100`, { headers: auth })
      ).json()) as {
        events: { id: string }[];
      };
      const stream = await fetch(`${child.url}/api/v1/events/stream?lastEventId=${feed.events[0]!.id}`, {
        headers: auth,
      });
      expect(stream.status).toBe(200);
      const sse = sseReader(stream);
      const replayed: string[] = [];
      for (let i = 1; i < feed.events.length; i++) replayed.push((await sse.nextEvent()).id!);
      expect(replayed).toEqual(feed.events.slice(1).map((e) => e.id));
      const inbound = await fetch(`${child.url}/api/v1/connections/${connectionId}/sandbox/inbound`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ number: "595981000111", body: "gracias" }),
      });
      expect(inbound.status).toBe(201);
      // The sandbox's delivery acks of the send may come first.
      let live = await sse.nextEvent();
      while (live.event === "message_ack") live = await sse.nextEvent();
      expect(live.event).toBe("message_received");
      expect(JSON.parse(live.data!).data.body).toBe("gracias");
      await sse.cancel();

      // What is not on PostgreSQL yet answers 503 with the error body.
      const backup = await fetch(`${child.url}/api/v1/admin/backup`, { headers: auth });
      expect(backup.status).toBe(503);
      expect(await backup.json()).toMatchObject({
        error: "ERR_NOT_ON_POSTGRES",
        message: expect.stringContaining("PostgreSQL"),
      });

      // The startup log says plainly what is not on PostgreSQL yet; every line names the node.
      const lines = child
        .stdout()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const warning = lines.find((l) =>
        String(l.msg).startsWith("PostgreSQL store (DATABASE_URL), not complete"),
      );
      expect(warning?.notYet).toBeArray();
      expect(warning?.database).toBe(db.url.replace("postgres://postgres@", ""));
      expect(lines.filter((l) => l.node !== "node-a")).toEqual([]);
    } finally {
      child.proc.kill("SIGTERM");
      expect(await child.proc.exited).toBe(0);
    }
  }, 90_000);

  test("a second start on the same database finds it migrated; an unreachable PostgreSQL is one clear line and exit 1", async () => {
    await using db = await createTestDatabase();
    const first = await serve(join(work, "b1"), db, { NODE_ID: "node-b1" });
    // Its signal handlers are in place once it answers (the CLI installs them after the listening line).
    expect((await fetch(`${first.url}/health/ready`)).status).toBe(200);
    first.proc.kill("SIGTERM");
    expect(await first.proc.exited).toBe(0);
    const second = await serve(join(work, "b2"), db, { NODE_ID: "node-b2" });
    try {
      const body = (await (await fetch(`${second.url}/health/ready`)).json()) as Record<string, any>;
      expect(body.postgres).toMatchObject({ node: "node-b2", migrations: "ok" });
    } finally {
      second.proc.kill("SIGTERM");
      expect(await second.proc.exited).toBe(0);
    }

    const cluster = await testCluster();
    const proc = Bun.spawn(["bun", cli, "serve"], {
      env: {
        ...process.env,
        PORT: "0",
        HOST: "127.0.0.1",
        DATA_DIR: join(work, "c"),
        API_TOKEN: TOKEN,
        LOG_LEVEL: "warn",
        // A database that does not exist on the test cluster, with a password that must not be printed.
        DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${cluster.port}/no_such_database`,
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect(code).toBe(1);
    const text = stderr.trim();
    expect(text.split("\n")).toHaveLength(1);
    expect(text).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+\/no_such_database \(DATABASE_URL\) cannot be used/);
    expect(text).not.toContain("hunter2");
  }, 90_000);
});
