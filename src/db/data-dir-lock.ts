import { Database } from "bun:sqlite";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Another process holds DATA_DIR: a running server, or a restore in progress. */
export class DataDirLockedError extends Error {}

export type DataDirLock = { release(): void };

/**
 * Holds DATA_DIR for this process: `serve` for its lifetime, `restore` while it swaps files. The lock is
 * SQLite's own file lock on `DATA_DIR/chasqui.lock` (a POSIX advisory lock, kept by `locking_mode =
 * EXCLUSIVE` after the first write), so the kernel releases it when the process ends in any way — kill -9
 * included — and no stale pid file can block a restart. `chasqui.pid` beside it only names the holder.
 */
export function lockDataDir(dataDir: string, purpose: string): DataDirLock {
  const lockPath = join(dataDir, "chasqui.lock");
  const pidPath = join(dataDir, "chasqui.pid");
  const sqlite = new Database(lockPath, { create: true, readwrite: true });
  try {
    sqlite.exec("PRAGMA busy_timeout = 0");
    sqlite.exec("PRAGMA locking_mode = EXCLUSIVE");
    sqlite.exec("BEGIN EXCLUSIVE");
    sqlite.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)");
    sqlite.exec("COMMIT");
  } catch (err) {
    sqlite.close();
    if ((err as { code?: string }).code?.startsWith("SQLITE_BUSY")) {
      const holder = readHolder(pidPath);
      throw new DataDirLocked(dataDir, holder);
    }
    throw err;
  }
  writeFileSync(pidPath, `${process.pid} ${purpose}\n`);
  return {
    release() {
      rmSync(pidPath, { force: true });
      sqlite.close();
    },
  };
}

function readHolder(pidPath: string): string {
  try {
    const [pid, purpose] = readFileSync(pidPath, "utf8").trim().split(" ");
    return purpose === "restore" ? `a restore (pid ${pid})` : `a Chasqui server (pid ${pid})`;
  } catch {
    return "a Chasqui server";
  }
}

class DataDirLocked extends DataDirLockedError {
  constructor(dataDir: string, holder: string) {
    super(`${holder} is using DATA_DIR ${dataDir}; stop it first`);
  }
}
