import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { freePort, prng } from "../support/determinism";
import { waitFor } from "../support/test-app";

const ROOT = join(import.meta.dir, "../..");
const TOKEN = "crash-test-admin-token-0123456789";
const EVENTS_WANTED = 2000;
const CONNECTIONS = 4;

test("every event survives three SIGKILLs of the server while the receiver fails 30 % of requests", async () => {
  const seed = Number(process.env.CHAOS_SEED ?? 20_241_201);
  const random = prng(seed);
  const dataDir = mkdtempSync(join(tmpdir(), "chasqui-crash-"));
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;

  // ── the receiver: 30 % of requests fail (500, 503, or an answer slower than the timeout), but never
  // more than three times in a row for one webhook-id, so the retry series stays within the test's time.
  const bodies = new Map<string, Set<string>>();
  const delivered = new Set<string>();
  const failures = new Map<string, number>();
  const signed: { id: string; timestamp: string; signature: string; body: string; hook: string }[] = [];
  let requests = 0;
  const receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      requests++;
      const body = await req.text();
      const id = req.headers.get("webhook-id") ?? "";
      const set = bodies.get(id) ?? new Set<string>();
      set.add(body);
      bodies.set(id, set);
      if (signed.length < 200) {
        signed.push({
          id,
          body,
          timestamp: req.headers.get("webhook-timestamp") ?? "",
          signature: req.headers.get("webhook-signature") ?? "",
          hook: new URL(req.url).pathname.slice(1),
        });
      }
      const failed = failures.get(id) ?? 0;
      const roll = random();
      if (failed < 3 && roll < 0.3) {
        failures.set(id, failed + 1);
        if (roll < 0.12) return new Response("boom", { status: 500 });
        if (roll < 0.24) return new Response(null, { status: 503 });
        // Slower than WEBHOOK_TIMEOUT_MS: the dispatcher gives up first and counts a failed attempt.
        return new Promise<Response>((resolve) => setTimeout(() => resolve(new Response("late")), 400));
      }
      delivered.add(id);
      return new Response(null, { status: 204 });
    },
  });

  // ── the server under test, as a child process on a file database.
  let child: ReturnType<typeof Bun.spawn> | undefined;
  let generation = 0;
  const start = async () => {
    generation++;
    child = Bun.spawn(["bun", "src/cli.ts", "serve"], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: "127.0.0.1",
        API_TOKEN: TOKEN,
        LOG_LEVEL: "warn",
        WEBHOOK_RETRY_BASE_MS: "20",
        WEBHOOK_TIMEOUT_MS: "150",
        WEBHOOK_LEASE_MS: "400",
        WEBHOOK_CONCURRENCY: "16",
        // The receiver is on loopback, which the address policy refuses by default.
        WEBHOOK_ALLOW_PRIVATE: "true",
      },
      stdout: Bun.file(join(dataDir, `server-${generation}.log`)),
      stderr: "inherit",
    });
    await waitFor(() => fetch(`${base}/health`).then((r) => r.ok), {
      timeoutMs: 10_000,
      message: "server up",
    });
  };
  const api = async (method: string, path: string, json?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const body = (await res.json()) as any;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  /** Retries a call across crashes: the server may be down or restarting. */
  const persist = async <T>(fn: () => Promise<T>): Promise<T> =>
    (
      await waitFor(
        async () => {
          return { v: await fn() };
        },
        { timeoutMs: 15_000, message: "call succeeded across restarts" },
      )
    ).v;

  try {
    await start();
    const secrets = new Map<string, string>();
    const connections: number[] = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      const c = await api("POST", "/api/v1/connections", {
        name: `Chaos ${i}`,
        driver: "sandbox",
        number: `59598100000${i}`,
      });
      connections.push(c.id);
      const hook = await api("POST", `/api/v1/connections/${c.id}/webhooks`, {
        url: `${receiver.url}h${c.id}`,
      });
      secrets.set(`h${c.id}`, hook.secret);
    }
    const startAfter: string = (await api("GET", "/api/v1/events?limit=500")).nextAfter;

    // ── two kills at random points of production, a third while the outbox drains.
    const killAt = [200 + Math.floor(random() * 700), 1000 + Math.floor(random() * 800)];
    let kills = 0;
    const kill = async () => {
      kills++;
      child!.kill("SIGKILL");
      await child!.exited;
      await start();
    };

    let produced = 0;
    let n = 0;
    let restarting: Promise<void> | undefined;
    const produceOne = async () => {
      const i = n++;
      const conn = connections[i % CONNECTIONS]!;
      await persist(async () => {
        await restarting;
        return api("POST", `/api/v1/connections/${conn}/sandbox/inbound`, {
          number: `5959${String(20_000_000 + i)}`,
          body: `mensaje ${i}`,
          name: `Cliente ${i}`,
        });
      });
      produced += 3;
      const next = killAt[kills];
      if (next !== undefined && produced >= next && !restarting) {
        restarting = kill().finally(() => {
          restarting = undefined;
        });
      }
    };
    const workers = Array.from({ length: 8 }, async () => {
      while (n * 3 < EVENTS_WANTED) await produceOne();
    });
    await Promise.all(workers);
    await restarting;
    // Third kill mid-drain: once a random share (50–90 %) of what was produced has arrived.
    const drainKillAt = Math.floor(produced * (0.5 + 0.4 * random()));
    await waitFor(() => delivered.size >= drainKillAt, { timeoutMs: 10_000, message: "drain under way" });
    await kill();
    expect(kills).toBe(3);

    // ── every stored event (the catch-up feed is the list of what committed) arrives at least once.
    const stored: string[] = [];
    let after = startAfter;
    for (;;) {
      const page = await persist(() => api("GET", `/api/v1/events?limit=500&after=${after}`));
      stored.push(...page.events.map((e: { id: string }) => e.id));
      if (!page.hasMore) break;
      after = page.nextAfter;
    }
    expect(stored.length).toBeGreaterThanOrEqual(EVENTS_WANTED);
    await waitFor(() => stored.every((id) => delivered.has(id)), {
      timeoutMs: 15_000,
      message: `all ${stored.length} events delivered`,
    });

    // The receiver logs a request before its answer is stored; wait until the outbox has stored every result.
    await waitFor(
      async () =>
        (await persist(() => api("GET", "/api/v1/webhooks/deliveries?status=delivered&limit=1"))).count ===
        stored.length,
      { timeoutMs: 15_000, message: "every delivery stored as delivered" },
    );

    // ── shut down cleanly, then look at the outbox itself: nothing pending, stuck or failed.
    child!.kill("SIGTERM");
    expect(await child!.exited).toBe(0);
    const db = new Database(join(dataDir, "chasqui.sqlite"), { readonly: true });
    try {
      expect(db.query("pragma integrity_check").get()).toEqual({ integrity_check: "ok" });
      const counts = db.query("select status, count(*) as n from webhook_deliveries group by status").all();
      expect(counts).toEqual([{ status: "delivered", n: stored.length }]);
    } finally {
      db.close();
    }

    // Duplicates (after a kill or a slow answer) are byte-identical and every signature verifies.
    for (const [id, set] of bodies) expect({ id, variants: set.size }).toEqual({ id, variants: 1 });
    if (process.env.CHAOS_VERBOSE) {
      console.log({
        seed,
        stored: stored.length,
        requests,
        delivered: delivered.size,
        deliveredAtKill: drainKillAt,
      });
    }
    for (const s of signed) {
      new Webhook(secrets.get(s.hook)!).verify(s.body, {
        "webhook-id": s.id,
        "webhook-timestamp": s.timestamp,
        "webhook-signature": s.signature,
      });
    }
  } finally {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await child?.exited;
    await receiver.stop(true);
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 90_000); // three kill -9 and restarts: 17–30 s on this machine under load, the limit is not a speed check
