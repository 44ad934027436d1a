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

/**
 * A hermetic app: in-memory SQLite migrated with the real migrations, media in a temp dir,
 * the admin token from API_TOKEN. With STORE=postgres (`bun run test:pg`) the converted services run on a
 * migrated PostgreSQL database of its own (the rest on the in-memory SQLite, as a server with DATABASE_URL). Dispose with `await using t = createTestApp()`. Every successful JSON
 * answer must match the response schema its route documents, or the request throws.
 */
export function createTestApp(
  env: Record<string, string> = {},
  opts: RuntimeOptions & { logger?: Logger } = {},
) {
  const dataDir = mkdtempSync(join(tmpdir(), "chasqui-test-"));
  const pgDatabase = matrixStore() === "postgres" ? createAppDatabaseSync() : undefined;
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
  const { logger = createLogger("silent"), ...runtimeOpts } = opts;
  const sql = pgDatabase && new SQL({ url: pgDatabase.url, max: 4 });
  const runtime = createRuntime(config, logger, {
    databasePath: ":memory:",
    ...(sql && {
      postgres: {
        sql,
        store: createPostgresStore(sql),
        node: { id: "test-node", address: config.publicUrl },
      },
    }),
    ...runtimeOpts,
  });
  const contract = createResponseContract(runtime.app);
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
    request,
    call,
    get: <T = any>(path: string, token?: string | null) => call<T>("GET", path, undefined, token),
    post: <T = any>(path: string, json?: unknown, token?: string | null) =>
      call<T>("POST", path, json, token),
    put: <T = any>(path: string, json?: unknown, token?: string | null) => call<T>("PUT", path, json, token),
    del: <T = any>(path: string, token?: string | null) => call<T>("DELETE", path, undefined, token),
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
      await sql?.close();
      pgDatabase?.drop();
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
