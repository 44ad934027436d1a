import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledBinary } from "../support/binary";
import { startChild } from "../support/child-server";
import { waitFor } from "../support/test-app";

const TOKEN = "backup-test-admin-token-0123456789";
const CUSTOMER = "595991234567";
const work = mkdtempSync(join(tmpdir(), "chasqui-backup-"));
let binary = "";

beforeAll(async () => {
  binary = await compiledBinary();
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const envFor = (dataDir: string) => ({
  DATA_DIR: dataDir,
  API_TOKEN: TOKEN,
  WEBHOOK_ALLOW_PRIVATE: "true",
  // The receiver is always busy: after its first failed attempt a delivery waits an hour, pending.
  WEBHOOK_RETRY_BASE_MS: "3600000",
  // A snapshot can catch a delivery mid-attempt (`delivering`, leased); the restored server takes it back
  // when the lease expires, as after a crash. A short lease keeps that within the test.
  WEBHOOK_LEASE_MS: "2000",
});

/** Runs the binary to completion without blocking the event loop (the server under load keeps answering). */
async function run(args: string[], dataDir: string) {
  const proc = Bun.spawn([binary, ...args], {
    cwd: work,
    env: { ...process.env, ...envFor(dataDir) },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, stdout, stderr };
}

function client(url: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  return {
    get: (path: string) => call("GET", path),
    post: (path: string, body: unknown) => call("POST", path, body),
  };
}

/** A port nothing listens on: bound, noted, released. */
async function start(dataDir: string) {
  const child = await startChild([binary, "serve"], envFor(dataDir), 30_000);
  return Object.assign(child, {
    async [Symbol.asyncDispose]() {
      child.proc.kill("SIGTERM");
      await child.proc.exited;
    },
  });
}

type Seeded = {
  ticketId: number;
  mediaName: string;
  waAuth: unknown[];
  acked: { id: string; at: number }[];
};

const WA_AUTH = [
  { type: "creds", key_id: "", value: '{"noiseKey":"k1"}' },
  { type: "session", key_id: "595991234567.0", value: '{"chain":"c1"}' },
  { type: "pre-key", key_id: "17", value: '{"private":"p17"}' },
];

describe("backup during a write load, then restore", () => {
  test("every message acknowledged before the backup began, the WhatsApp keys and the pending deliveries come back", async () => {
    const source = join(work, "source");
    await using server = await start(source);
    const api = client(server.url);
    const conn = await api.post("/api/v1/connections", {
      name: "Sandbox",
      driver: "sandbox",
      number: "595981234567",
    });
    expect(conn.status).toBe(201);
    // A receiver that is always busy keeps deliveries pending (each attempt fails at once and is retried
    // later). A closed port is not safe: another test's server may take it and hold the request open.
    const busy = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => new Response("busy", { status: 503 }),
    });
    afterAll(() => busy.stop(true));
    const hook = await api.post(`/api/v1/connections/${conn.body.id}/webhooks`, {
      url: `http://127.0.0.1:${busy.port}/hook`,
      enabled: true,
      events: [],
    });
    expect(hook.status).toBe(201);

    const form = new FormData();
    form.set("number", CUSTOMER);
    form.set("body", "el contrato");
    form.set("medias", new File(["%PDF-1.4 respaldo"], "contract.pdf", { type: "application/pdf" }));
    const sentMedia = await fetch(`${server.url}/api/v1/send`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: form,
    });
    expect(sentMedia.status).toBe(201);
    const first = (await sentMedia.json()) as any;
    const seeded: Seeded = {
      ticketId: first.ticketId,
      mediaName: first.data[0].mediaUrl.split("/public/")[1],
      waAuth: WA_AUTH.map((r) => ({ connection_id: conn.body.id, ...r })),
      acked: [{ id: first.data[0].messageId, at: performance.now() }],
    };
    // Session keys are written by the Baileys driver; a sandbox has none, so they go in beside the server.
    const side = new Database(join(source, "chasqui.sqlite"));
    side.exec("PRAGMA busy_timeout = 5000");
    for (const r of WA_AUTH)
      side
        .query("INSERT INTO wa_auth (connection_id, type, key_id, value) VALUES (?, ?, ?, ?)")
        .run(conn.body.id, r.type, r.key_id, r.value);
    side.close();

    // The load: customers writing in and agents answering, four at a time, until told to stop.
    let stop = false;
    const failures: string[] = [];
    const writer = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const r =
          i % 2 === 0
            ? await api.post(`/api/v1/connections/${conn.body.id}/sandbox/inbound`, {
                number: CUSTOMER,
                name: "Juan",
                body: `entrante ${n}-${i}`,
              })
            : await api.post("/api/v1/send", { number: CUSTOMER, body: `saliente ${n}-${i}` });
        if (r.status !== 201) failures.push(`${r.status} ${JSON.stringify(r.body)}`);
        else seeded.acked.push({ id: r.body.messageId ?? r.body.data[0].messageId, at: performance.now() });
      }
    };
    const writers = [1, 2, 3, 4].map((n) => writer(n).catch((err) => failures.push(String(err))));
    let ackedBefore: string[] = [];
    let pendingBefore: { body: { deliveries: { id: number }[] } };
    const cliTar = join(work, "cli.tar");
    const httpTar = join(work, "http.tar");
    try {
      await waitFor(() => seeded.acked.length >= 200, {
        timeoutMs: 20_000,
        message: "200 messages acknowledged",
      });

      pendingBefore = await api.get("/api/v1/webhooks/deliveries?status=pending&limit=100");
      expect(pendingBefore.body.deliveries.length).toBeGreaterThan(0);
      const began = performance.now();
      ackedBefore = seeded.acked.filter((a) => a.at < began).map((a) => a.id);

      const [cli] = await Promise.all([
        run(["backup", cliTar, "--media"], source),
        (async () => {
          const res = await fetch(`${server.url}/api/v1/admin/backup?media=true`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          });
          expect(res.status).toBe(200);
          await Bun.write(httpTar, res);
        })(),
      ]);
      const ended = performance.now();
      expect(cli).toMatchObject({ code: 0, stderr: "" });
      // The server kept answering writes while both snapshots were taken.
      expect(seeded.acked.filter((a) => a.at > began && a.at < ended).length).toBeGreaterThan(0);

      // Restoring into the running server's DATA_DIR is refused, and changes nothing.
      const refused = await run(["restore", cliTar], source);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`is using DATA_DIR ${source}; stop it first`);
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    expect(failures).toEqual([]);

    for (const [name, tar] of [
      ["cli", cliTar],
      ["http", httpTar],
    ] as const) {
      const target = join(work, `restored-${name}`);
      const restored = await run(["restore", tar], target);
      expect(restored).toMatchObject({ code: 0, stderr: "" });
      expect(restored.stdout).toContain("media: 1 files restored");
      await using again = await start(target);
      const api2 = client(again.url);

      const stored = new Set<string>();
      for (let page = 1; ; page++) {
        const r = await api2.get(`/api/v1/tickets/${seeded.ticketId}/messages?limit=100&page=${page}`);
        for (const m of r.body.messages) stored.add(m.id);
        if (!r.body.hasMore) break;
      }
      expect(ackedBefore.filter((id) => !stored.has(id))).toEqual([]);

      for (const d of pendingBefore.body.deliveries) {
        // The restored server may be making its own (failing) attempt at a delivery that was due.
        const r = await waitFor(
          async () => {
            const got = await api2.get(`/api/v1/webhooks/deliveries/${d.id}`);
            return got.body.status === "delivering" ? undefined : got;
          },
          { timeoutMs: 15_000, message: `delivery ${d.id} settles` },
        );
        expect({ id: r.body.id, status: r.body.status }).toEqual({ id: d.id, status: "pending" });
      }

      const media = await fetch(`${again.url}/public/${seeded.mediaName}`);
      expect(await media.text()).toBe("%PDF-1.4 respaldo");

      const db = new Database(join(target, "chasqui.sqlite"), { readonly: true });
      const keys = db.query("SELECT connection_id, type, key_id, value FROM wa_auth ORDER BY rowid").all();
      db.close();
      expect(keys).toEqual(seeded.waAuth);
    }
  }, 120_000);
});

describe("chasqui restore", () => {
  test("keeps the replaced database beside it, and refuses files that are damaged or not Chasqui's", async () => {
    const dir = join(work, "refusals");
    const backupFile = join(work, "plain.sqlite");
    {
      await using server = await start(dir);
      const api = client(server.url);
      expect(
        (await api.post("/api/v1/connections", { name: "S", driver: "sandbox", number: "595981234567" }))
          .status,
      ).toBe(201);
      expect((await api.post("/api/v1/send", { number: CUSTOMER, body: "uno" })).status).toBe(201);
      expect(await run(["backup", backupFile], dir)).toMatchObject({ code: 0, stderr: "" });
      expect((await api.post("/api/v1/send", { number: CUSTOMER, body: "dos, después" })).status).toBe(201);
    }
    const live = join(dir, "chasqui.sqlite");
    const bodies = (path: string) => {
      const db = new Database(path, { readonly: true });
      const rows = db.query("SELECT body FROM messages ORDER BY rowid").all();
      db.close();
      return rows;
    };

    const foreign = join(work, "foreign.sqlite");
    const other = new Database(foreign);
    other.exec("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('hola')");
    other.close();
    const damaged = join(work, "damaged.sqlite");
    copyFileSync(backupFile, damaged);
    const bytes = readFileSync(damaged);
    // Scribble over every page but the first (the header and schema stay readable).
    for (let i = 4096; i < bytes.length; i += 97) bytes[i] = 0xa5;
    writeFileSync(damaged, bytes);
    const garbage = join(work, "garbage.bin");
    writeFileSync(garbage, "not a backup at all");

    const before = readFileSync(live);
    for (const [file, reason] of [
      [foreign, "is not a Chasqui database (it has no migrations table)"],
      [damaged, "is damaged (PRAGMA integrity_check"],
      [garbage, "is neither a SQLite database nor a tar archive"],
      [join(work, "missing.sqlite"), "does not exist"],
    ] as const) {
      const r = await run(["restore", file], dir);
      expect({ code: r.code, reason: r.stderr.includes(reason) || r.stderr }).toEqual({
        code: 1,
        reason: true,
      });
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(readFileSync(live).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith("restore-") || f.includes("before-restore"))).toEqual(
      [],
    );

    const ok = await run(["restore", backupFile], dir);
    expect(ok.code).toBe(0);
    // The kept database itself, not its -wal beside it (a WAL is left when a read connection of another thread
    // closed after the server's own, which is harmless: restore keeps it with the database).
    const kept = readdirSync(dir).find((f) => /^chasqui\.sqlite\.before-restore-[^.]*Z$/.test(f));
    expect(kept).toBeDefined();
    expect(ok.stdout).toContain(`the previous database is kept as ${join(dir, kept!)}`);
    expect(bodies(live)).toEqual([{ body: "uno" }]);
    expect(bodies(join(dir, kept!))).toEqual([{ body: "uno" }, { body: "dos, después" }]);
    expect(existsSync(join(dir, "chasqui.pid"))).toBe(false);
  }, 60_000);
});
