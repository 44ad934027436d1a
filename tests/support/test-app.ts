import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { type Config, loadConfig } from "../../src/config";
import { createPostgresStore } from "../../src/db/store";
import { createLogger, type Logger } from "../../src/logger";
import { createRuntime, type RuntimeOptions } from "../../src/server";
import { createResponseContract } from "./response-contract";
import { createAppDatabaseSync, matrixStore } from "./store-matrix";

export const ADMIN_TOKEN = "test-admin-token-0123456789";

type AppDatabase = ReturnType<typeof createAppDatabaseSync>;
/**
 * STORE=postgres: the PostgreSQL database of the apps open on one database file (`databasePath`), so two apps on
 * the same file (a server and the one taking over after its crash) share one PostgreSQL database too, as two nodes
 * do; it is dropped when the last of them is disposed.
 */
const sharedDatabases = new Map<string, { database: AppDatabase; apps: number; started: number }>();

function appDatabase(databasePath: string | undefined): {
  database: AppDatabase;
  nodeId: string;
  release(): void;
} {
  if (databasePath === undefined || databasePath === ":memory:") {
    const database = createAppDatabaseSync();
    return { database, nodeId: "test-node", release: () => database.drop() };
  }
  let shared = sharedDatabases.get(databasePath);
  if (!shared) {
    shared = { database: createAppDatabaseSync(), apps: 0, started: 0 };
    sharedDatabases.set(databasePath, shared);
  }
  const entry = shared;
  entry.apps++;
  // Each app is a node of its own: a node must not take another's leases for its own.
  const nodeId = ++entry.started === 1 ? "test-node" : `test-node-${entry.started}`;
  return {
    database: entry.database,
    nodeId,
    release() {
      if (--entry.apps > 0) return;
      sharedDatabases.delete(databasePath);
      entry.database.drop();
    },
  };
}

/**
 * A hermetic app: in-memory SQLite migrated with the real migrations, media in a temp dir,
 * the admin token from API_TOKEN. With STORE=postgres (`bun run test:pg`) the converted services run on a
 * migrated PostgreSQL database of its own (the rest on the in-memory SQLite, as a server with DATABASE_URL) — shared
 * with the other apps open on the same `databasePath`, each its own node. Dispose with
 * `await using t = createTestApp()`. Every successful JSON
 * answer must match the response schema its route documents, or the request throws.
 */
export function createTestApp(
  env: Record<string, string> = {},
  opts: RuntimeOptions & {
    logger?: Logger;
    /**
     * `sqlite`: this app runs on SQLite whatever STORE says — for a test of a mechanism only SQLite has (its title
     * says "SQLite"; docs/CLUSTER.md §6 names the PostgreSQL test covering the same ground).
     */
    store?: "sqlite";
  } = {},
) {
  const dataDir = mkdtempSync(join(tmpdir(), "chasqui-test-"));
  const pgApp =
    matrixStore() === "postgres" && opts.store !== "sqlite" ? appDatabase(opts.databasePath) : undefined;
  const pgDatabase = pgApp?.database;
  const config: Config = loadConfig({
    DATA_DIR: dataDir,
    API_TOKEN: ADMIN_TOKEN,
    PUBLIC_URL: "http://chasqui.test",
    LOG_LEVEL: "silent",
    // Baileys connections dial a closed loopback port: they stay OPENING and no traffic leaves the machine.
    WA_WS_URL: "ws://127.0.0.1:9/ws/chat",
    ...(pgDatabase ? { DATABASE_URL: pgDatabase.url } : {}),
    ...env,
  });
  const { logger = createLogger("silent"), store: _store, ...runtimeOpts } = opts;
  const sql = pgDatabase && new SQL({ url: pgDatabase.url, max: 4 });
  const runtime = createRuntime(config, logger, {
    databasePath: ":memory:",
    ...(sql && {
      postgres: {
        sql,
        store: createPostgresStore(sql),
        node: { id: pgApp!.nodeId, address: config.publicUrl },
      },
    }),
    ...runtimeOpts,
  });
  // PostgreSQL: what startServer does before it serves — the event sink starts reading the feed (listeners, such as
  // the automation, hear of events only through it) and the node registers and takes the leases nobody holds.
  // Every request waits for it; a test calling a service before any request awaits `t.started`.
  const started = pgApp ? runtime.startSessions() : Promise.resolve();
  started.catch(() => {});
  const contract = createResponseContract(runtime.app);
  // The tests' own client on the app's PostgreSQL database (`rows`): 64-bit integers as BigInt, so they read back as
  // numbers, where the app's pool gives them as text.
  let rowsSql: SQL | undefined;
  let apiToken: Promise<string> | undefined;

  /** Every 2xx JSON answer is checked against its route's documented response schema (see response-contract.ts). */
  const request = async (
    path: string,
    init: RequestInit & { token?: string | null; json?: unknown } = {},
  ): Promise<Response> => {
    const headers = new Headers(init.headers);
    const token = init.token === undefined ? ADMIN_TOKEN : init.token;
    if (token) headers.set("authorization", `Bearer ${token}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(init.json);
    }
    await started;
    const res = await runtime.app.request(path, { ...init, headers, body });
    await contract.check(init.method ?? "GET", path, res);
    return res;
  };

  const call = async <T = any>(method: string, path: string, json?: unknown, token?: string | null) => {
    const res = await request(path, { method, json, token });
    const text = await res.text();
    let body: T;
    try {
      body = JSON.parse(text) as T;
    } catch {
      body = text as T;
    }
    return { status: res.status, body, headers: res.headers };
  };

  return {
    ...runtime,
    config,
    dataDir,
    /** Resolves once the app runs as a started server would (PostgreSQL: event sink and node started). */
    started,
    /** PostgreSQL: started with the app already (the same promise); SQLite: starts every stored connection. */
    startSessions: pgApp ? () => started : runtime.startSessions,
    request,
    call,
    get: <T = any>(path: string, token?: string | null) => call<T>("GET", path, undefined, token),
    post: <T = any>(path: string, json?: unknown, token?: string | null) =>
      call<T>("POST", path, json, token),
    put: <T = any>(path: string, json?: unknown, token?: string | null) => call<T>("PUT", path, json, token),
    del: <T = any>(path: string, token?: string | null) => call<T>("DELETE", path, undefined, token),
    /**
     * The rows of one SQL statement both dialects accept (`?` placeholders), run on the store the services use: the
     * SQLite database, or under STORE=postgres the app's PostgreSQL database (placeholders become `$1`…, 64-bit
     * integers come back as numbers). Values keep their dialect's types otherwise: a PostgreSQL boolean is
     * true/false where SQLite has 1/0, a timestamp a Date where SQLite has ms.
     */
    async rows<T = Record<string, unknown>>(text: string, ...params: unknown[]): Promise<T[]> {
      if (!pgDatabase) return runtime.db.$client.query(text).all(...(params as never[])) as T[];
      rowsSql ??= new SQL({ url: pgDatabase.url, max: 1, bigint: true });
      let n = 0;
      const rows = (await rowsSql.unsafe(
        text.replace(/\?/g, () => `$${++n}`),
        params,
      )) as Record<string, unknown>[];
      return rows.map(
        (r) =>
          Object.fromEntries(
            Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v]),
          ) as T,
      );
    },
    /** An `api`-scoped token (created once per app). */
    async apiToken(): Promise<string> {
      apiToken ??= runtime.services.tokens.create("test api", "api").then((r) => r.token);
      return apiToken;
    },
    /** Creates a sandbox connection (the first one becomes the default) and returns its wire form. */
    async sandbox(name = "Principal", number = "595981234567") {
      const r = await call("POST", "/api/v1/connections", { name, driver: "sandbox", number });
      if (r.status !== 201) throw new Error(`creating sandbox failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as { id: number; name: string; number: string };
    },
    async [Symbol.asyncDispose]() {
      await runtime.close();
      await rowsSql?.close();
      await sql?.close();
      pgApp?.release();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestApp = ReturnType<typeof createTestApp>;

/** Polls a condition without sleeping blindly: resolves as soon as it holds, fails after timeoutMs. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: { timeoutMs?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`waitFor timed out: ${opts.message ?? ""} ${last instanceof Error ? last.message : ""}`);
}
