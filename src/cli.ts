#!/usr/bin/env bun
import { Database } from "bun:sqlite";
import { existsSync, renameSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./config";
import { openBackupStream, openLiveDatabase, snapshotWith } from "./db/backup";
import { DataDirLockedError, lockDataDir } from "./db/data-dir-lock";
import { NewerDatabaseError, pendingMigrations } from "./db/migrate";
import { RestoreError, restoreBackup } from "./db/restore";
import { generatePassword, PASSWORD_MIN } from "./domain/account.service";
import { createLogger, createProcessHealth } from "./logger";
import { checkDataDir, createRuntime, guardProcess, StartupError, startServer } from "./server";

const USAGE = `chasqui — self-hosted WhatsApp helpdesk API server

Usage:
  chasqui [serve]                              run the server (default)
  chasqui token create --name N [--scope admin|api]   create an API token (printed once)
  chasqui token list                           list tokens
  chasqui token revoke ID                      revoke a token
  chasqui user create --email E [--name N] [--admin | --role admin|supervisor|agent]
                                               create a panel user; asks for the password on a
                                               terminal, else prints a generated one-time password
  chasqui user password --email E              set a new password the same way (ends the user's sessions)
  chasqui user list                            list users
  chasqui migrate [--dry-run]                  apply database migrations and exit (--dry-run: list pending ones)
  chasqui backup FILE [--media]                consistent copy of the database, also while a server runs
                                               (--media: a tar of chasqui.sqlite and media/; media in an
                                               S3 bucket are not copied: --media is refused then)
  chasqui restore FILE                         replace DATA_DIR's database (and media, from a tar) with a
                                               backup; refused while a server runs on DATA_DIR
  chasqui nodes [--database-url URL]           PostgreSQL cluster: live nodes (id, address, load, last
                                               heartbeat) and the WhatsApp connections each one runs
  chasqui nodes move CONNECTION_ID NODE_ID     run a connection on that live node: its owner is told to
                                               close the socket now, then NODE_ID to take it (unreachable
                                               nodes do it at their next round)

Configuration comes from the environment (PORT, DATA_DIR, API_TOKEN, …); see the README.`;

async function main(argv: string[]): Promise<number> {
  const [command = "serve", sub, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  if (command === "nodes") return nodesCommand(config.clusterLeaseTtlMs, [sub, ...rest]);
  const health = createProcessHealth();
  const logger = createLogger(command === "serve" ? config.logLevel : "warn", health, 1, config.logFormat);
  checkDataDir(config.dataDir);

  const databasePath = join(config.dataDir, "chasqui.sqlite");
  const bucket = config.mediaStore.kind === "s3" ? config.mediaStore.bucket : null;
  if (command === "backup") return backup(databasePath, config.dataDir, [sub, ...rest], bucket);
  if (command === "restore") return restore(config.dataDir, [sub, ...rest], bucket);
  if (command === "migrate" && [sub, ...rest].includes("--dry-run")) return migrateDryRun(databasePath);

  if (command === "serve") {
    guardProcess(logger, health);
    // Held until the process ends: `chasqui restore` refuses to swap the files of a running server.
    const lock = lockDataDir(config.dataDir, "serve");
    const { stop, runtime } = await startServer(config, logger, { health });
    if (!config.apiToken && !(await runtime.services.tokens.hasAnyActive())) {
      const { token } = await runtime.services.tokens.create("initial admin", "admin");
      process.stderr.write(
        `\n  No API token existed, so an admin token was created. It is shown only this once:\n\n    ${token}\n\n  Use it as: Authorization: Bearer ${token}\n\n`,
      );
    }
    await new Promise<void>((resolve) => {
      const onSignal = (signal: string) => {
        logger.info({ signal }, "signal received");
        stop().then(resolve, (err) => {
          logger.error({ err }, "shutdown failed");
          resolve();
        });
      };
      process.once("SIGTERM", () => onSignal("SIGTERM"));
      process.once("SIGINT", () => onSignal("SIGINT"));
    });
    // Also keeps the lock's connection referenced: a collected connection would drop the lock.
    lock.release();
    return 0;
  }

  const runtime = createRuntime(config, logger);
  try {
    if (command === "migrate") {
      console.log("migrations applied");
      return 0;
    }
    if (command === "token") {
      const tokens = runtime.services.tokens;
      if (sub === "create") {
        const { values } = parseArgs({
          args: rest,
          options: { name: { type: "string" }, scope: { type: "string", default: "api" } },
        });
        if (!values.name) throw new UsageError("token create needs --name");
        if (values.scope !== "admin" && values.scope !== "api")
          throw new UsageError("--scope must be admin or api");
        const { token, record } = await tokens.create(values.name, values.scope);
        console.error(
          `created token #${record.id} "${record.name}" (${record.scope}); it is shown only once:`,
        );
        console.log(token);
        return 0;
      }
      if (sub === "list") {
        for (const t of await tokens.list()) {
          const state = t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : "active";
          console.log(`${t.id}\t${t.scope}\t…${t.hint}\t${state}\t${t.name}`);
        }
        return 0;
      }
      if (sub === "revoke") {
        const id = Number(rest[0]);
        if (!Number.isInteger(id) || id <= 0) throw new UsageError("token revoke needs a numeric ID");
        const t = await tokens.revoke(id);
        console.log(`revoked token #${t.id} "${t.name}"`);
        return 0;
      }
      throw new UsageError(`unknown token command: ${sub ?? "(none)"}`);
    }
    if (command === "user") return await userCommand(runtime.services.accounts, sub, rest);
    throw new UsageError(`unknown command: ${command}`);
  } finally {
    await runtime.close();
  }
}

class UsageError extends Error {}

/**
 * `chasqui nodes [move CONNECTION_ID NODE_ID]` on the cluster's PostgreSQL database (`--database-url`, else
 * DATABASE_URL): needs no DATA_DIR.
 */
/** How long `chasqui nodes move` waits for each node it tells of the move. */
const CLI_NUDGE_TIMEOUT_MS = 3_000;

async function nodesCommand(ttlMs: number, argv: (string | undefined)[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv.filter((a): a is string => a !== undefined),
    options: { "database-url": { type: "string" } },
    allowPositionals: true,
  });
  const url = values["database-url"] ?? process.env.DATABASE_URL;
  if (!url)
    throw new UsageError("chasqui nodes needs the cluster's PostgreSQL: --database-url or DATABASE_URL");
  const [sub, ...args] = positionals;
  if (sub !== undefined && sub !== "move") throw new UsageError(`unknown nodes command: ${sub}`);
  let connectionId = 0;
  if (sub === "move") {
    connectionId = Number(args[0]);
    if (!Number.isInteger(connectionId) || connectionId <= 0 || !args[1] || args.length > 2)
      throw new UsageError("nodes move needs a numeric CONNECTION_ID and a NODE_ID");
  }
  const { SQL } = await import("bun");
  const { connectionOwner, describeCluster, formatCluster, moveConnection } = await import(
    "./cluster/nodes-admin"
  );
  const sql = new SQL({ url, max: 1 });
  try {
    if (sub === undefined) {
      process.stdout.write(formatCluster(await describeCluster(sql, ttlMs)));
      return 0;
    }
    const node = args[1]!;
    const from = await connectionOwner(sql, ttlMs, connectionId);
    const result = await moveConnection(sql, ttlMs, connectionId, node);
    if (result === "unknown-connection")
      throw new OperationError(`connection ${connectionId} does not exist`);
    if (result === "unknown-node")
      throw new OperationError(`node ${node} is not a live node (see chasqui nodes)`);
    // As the HTTP move does: the owner is told to renew now (it sees the move and lets go), then the target to
    // claim now, over the nodes' internal route. Best effort: otherwise their next rounds do it within ttl/3 each.
    const { createRemoteSessions } = await import("./cluster/remote-gateway");
    const { createLogger } = await import("./logger");
    const remote = createRemoteSessions(sql, {
      nodeId: "cli",
      ttlMs,
      timeoutMs: CLI_NUDGE_TIMEOUT_MS,
      logger: createLogger("silent"),
    });
    console.log(
      (await remote.nudgeMove(connectionId, from, node))
        ? `connection ${connectionId} is moving to node ${node} now (its owner and the node were told)`
        : `connection ${connectionId} will move to node ${node} at its owner's next lease renewal`,
    );
    return 0;
  } finally {
    await sql.close();
  }
}

type Accounts = ReturnType<typeof createRuntime>["services"]["accounts"];

/** `chasqui user …`: the first admin is created here (the server creates no default password). */
async function userCommand(accounts: Accounts, sub: string | undefined, rest: string[]): Promise<number> {
  if (sub === "list") {
    for (const u of await accounts.list())
      console.log(`${u.id}\t${u.role}\t${u.disabled ? "disabled" : "active"}\t${u.email}\t${u.name}`);
    return 0;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: "string" },
      name: { type: "string" },
      role: { type: "string" },
      admin: { type: "boolean", default: false },
    },
  });
  if (!values.email) throw new UsageError(`user ${sub ?? ""} needs --email`);
  if (sub === "create") {
    const role = values.admin ? "admin" : (values.role ?? "agent");
    if (role !== "admin" && role !== "supervisor" && role !== "agent")
      throw new UsageError("--role must be admin, supervisor or agent");
    const { password, generated } = await choosePassword();
    const name = values.name ?? values.email.split("@")[0] ?? values.email;
    const user = await accounts.create({ name, email: values.email, role, password });
    console.error(`created user #${user.id} ${user.email} (${user.role})`);
    if (generated) {
      console.error("its one-time password, shown only now (change it after signing in):");
      console.log(password);
    }
    return 0;
  }
  if (sub === "password") {
    const user = (await accounts.list()).find((u) => u.email === values.email?.trim().toLowerCase());
    if (!user) throw new OperationError(`no user has the email ${values.email}`);
    const { password, generated } = await choosePassword();
    await accounts.update(user.id, { password });
    console.error(`new password set for ${user.email}; their sessions ended`);
    if (generated) console.log(password);
    return 0;
  }
  throw new UsageError(`unknown user command: ${sub ?? "(none)"}`);
}

/** On a terminal: asked twice, not echoed. Otherwise (a script, a pipe): generated and printed once. */
async function choosePassword(): Promise<{ password: string; generated: boolean }> {
  if (!process.stdin.isTTY) return { password: generatePassword(), generated: true };
  const first = await readHidden(`Password (at least ${PASSWORD_MIN} characters): `);
  if (first.length < PASSWORD_MIN)
    throw new OperationError(`the password needs at least ${PASSWORD_MIN} characters`);
  const again = await readHidden("Repeat it: ");
  if (again !== first) throw new OperationError("the passwords differ");
  return { password: first, generated: false };
}

function readHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let text = "";
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new OperationError("cancelled"));
        if (ch === "\u007f" || ch === "\b") text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on("data", onData);
  });
}

/** A backup or restore that cannot be done; printed as one line, exit 1. */
class OperationError extends Error {}

/** `bucket`: media are in this S3 bucket (MEDIA_S3_BUCKET), which no backup here copies. */
async function backup(
  databasePath: string,
  dataDir: string,
  args: (string | undefined)[],
  bucket: string | null,
) {
  const { values, positionals } = parseArgs({
    args: args.filter((a) => a !== undefined),
    options: { media: { type: "boolean", default: false } },
    allowPositionals: true,
  });
  const target = positionals[0];
  if (!target || positionals.length > 1) throw new UsageError("backup needs one FILE");
  if (!existsSync(databasePath)) throw new OperationError(`there is no database in DATA_DIR ${dataDir}`);
  if (values.media && bucket)
    throw new OperationError(
      `media are in the S3 bucket ${bucket}, not in DATA_DIR: back up without --media, and the bucket with your provider's tools`,
    );
  const out = resolve(target);
  const partial = `${out}.partial-${process.pid}`;
  const started = performance.now();
  const sqlite = openLiveDatabase(databasePath);
  rmSync(partial, { force: true });
  try {
    if (!values.media) snapshotWith(sqlite, partial);
    else {
      const stream = await openBackupStream({
        database: sqlite,
        dataDir,
        workDir: dirname(out),
        withMedia: true,
      });
      const handle = await open(partial, "w");
      try {
        for await (const chunk of stream.chunks) await handle.write(chunk);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    renameSync(partial, out);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    sqlite.close();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`backed up ${dataDir} to ${out} (${Bun.file(out).size} bytes in ${seconds} s)`);
  if (bucket)
    console.log(`media: in the S3 bucket ${bucket}, not copied (back the bucket up with its own tools)`);
  return 0;
}

function restore(dataDir: string, args: (string | undefined)[], bucket: string | null) {
  const file = args[0];
  if (!file || args.filter((a) => a !== undefined).length > 1) throw new UsageError("restore needs one FILE");
  const lock = lockDataDir(dataDir, "restore");
  try {
    const result = restoreBackup(resolve(file), dataDir);
    console.log(`restored ${resolve(file)} into ${dataDir}`);
    if (result.previousDatabase) console.log(`the previous database is kept as ${result.previousDatabase}`);
    if (result.mediaFiles === undefined) console.log("media: unchanged (the backup has no media folder)");
    else {
      console.log(`media: ${result.mediaFiles} files restored`);
      if (result.previousMedia) console.log(`the previous media folder is kept as ${result.previousMedia}`);
      if (bucket)
        console.log(
          `note: MEDIA_S3_BUCKET is set, so the server serves media from the bucket ${bucket}: copy these files there (same names, under MEDIA_S3_PREFIX)`,
        );
    }
    return 0;
  } finally {
    lock.release();
  }
}

function migrateDryRun(databasePath: string) {
  const sqlite = existsSync(databasePath)
    ? new Database(databasePath, { create: false, readwrite: true })
    : undefined;
  try {
    const pending = pendingMigrations(sqlite);
    if (pending.length === 0) console.log("the database is up to date: no pending migrations");
    else {
      console.log(`${pending.length} pending migration${pending.length === 1 ? "" : "s"}:`);
      for (const m of pending) console.log(`  ${m.tag}`);
    }
    return 0;
  } finally {
    sqlite?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (
      err instanceof StartupError ||
      err instanceof NewerDatabaseError ||
      err instanceof DataDirLockedError ||
      err instanceof RestoreError ||
      err instanceof OperationError
    ) {
      console.error(`chasqui: ${err.message}`);
      process.exit(1);
    }
    if (err instanceof ConfigError || err instanceof UsageError) {
      console.error(err.message);
      if (err instanceof UsageError) console.error(`\n${USAGE}`);
      process.exit(2);
    }
    if (
      err &&
      typeof err === "object" &&
      "code" in err &&
      (err.code === "ERR_TOKEN_NOT_FOUND" || err.code === "ERR_CONFLICT" || err.code === "ERR_VALIDATION")
    ) {
      console.error((err as Error).message);
      process.exit(1);
    }
    console.error(err);
    process.exit(1);
  },
);
