// Whole `chasqui serve` nodes for the cluster tests: each a child process from source on one test PostgreSQL,
// with its own data folder and node id, logging in through the fake WhatsApp server.
import { join } from "node:path";
import { type ApiAnswer, callApi, SERVE_FROM_SOURCE, startChild } from "../support/child-server";
import type { TestDatabase } from "../support/postgres";
import type { FakeWhatsApp } from "../wasim/fake-whatsapp";

export type ClusterNode = Awaited<ReturnType<typeof startChild>> & {
  id: string;
  dataDir: string;
  /** An API call to this node with the cluster's token. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
};

/** Starts node `id` on `db` (`DATABASE_URL`) with a connection lease ttl; `env` adds or overrides settings. */
export async function startClusterNode(opts: {
  id: string;
  db: TestDatabase;
  wa: FakeWhatsApp;
  token: string;
  dataDir: string;
  leaseTtlMs: number;
  env?: Record<string, string>;
  startTimeoutMs?: number;
}): Promise<ClusterNode> {
  const child = await startChild(
    SERVE_FROM_SOURCE,
    {
      DATA_DIR: opts.dataDir,
      API_TOKEN: opts.token,
      DATABASE_URL: opts.db.url,
      NODE_ID: opts.id,
      CLUSTER_LEASE_TTL_MS: String(opts.leaseTtlMs),
      WA_WS_URL: opts.wa.wsUrl,
      NODE_EXTRA_CA_CERTS: opts.wa.certificate.certPath,
      ...opts.env,
    },
    opts.startTimeoutMs ?? 30_000,
  );
  return Object.assign(child, {
    id: opts.id,
    dataDir: opts.dataDir,
    api: (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      callApi(child.url, opts.token, method, path, body, headers),
  });
}

/** Runs `chasqui <args> --database-url <db>` from source (`nodes`, `nodes move`) and collects its output. */
export async function runCli(db: TestDatabase, args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn(
    ["bun", join(import.meta.dir, "../../src/cli.ts"), ...args, "--database-url", db.url],
    { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}
