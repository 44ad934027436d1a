import { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { type TarSource, tarStream } from "../lib/tar";

/** Names inside a backup archive; `chasqui restore` reads the same ones. */
export const ARCHIVE_DATABASE = "chasqui.sqlite";
export const ARCHIVE_MEDIA = "media";
const CHUNK = 1024 * 1024;

/**
 * `VACUUM INTO` reads the database in one read transaction: in WAL mode writers carry on meanwhile and
 * the copy is the database as of the moment that transaction began, compacted and without a WAL.
 */
export function snapshotWith(sqlite: Database, destPath: string): void {
  sqlite.query("VACUUM INTO ?").run(destPath);
}

// A worker so that a large database's VACUUM INTO does not stop the event loop (and every request and
// WhatsApp socket) of the server that serves the backup. A blob URL, because `bun build --compile`
// embeds only the entrypoint's module graph and this must run from the single binary.
const WORKER_SOURCE = `
import { Database } from "bun:sqlite";
self.onmessage = (event) => {
  const { source, dest } = event.data;
  try {
    const db = new Database(source, { create: false });
    try {
      db.exec("PRAGMA busy_timeout = 10000");
      db.query("VACUUM INTO ?").run(dest);
    } finally {
      db.close();
    }
    postMessage({ ok: true });
  } catch (err) {
    postMessage({ ok: false, message: String(err && err.message || err) });
  }
};`;
let workerUrl: string | undefined;

/** Snapshots a database file from a worker thread; resolves once `destPath` holds the copy. */
export function snapshotInWorker(sourcePath: string, destPath: string): Promise<void> {
  workerUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
  const worker = new Worker(workerUrl);
  return new Promise<void>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<{ ok: boolean; message?: string }>) => {
      worker.terminate();
      if (event.data.ok) resolve();
      else reject(new Error(`the database snapshot failed: ${event.data.message}`));
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(`the database snapshot failed: ${event.message}`));
    };
    worker.postMessage({ source: sourcePath, dest: destPath });
  });
}

/** The files under DATA_DIR/media, listed after the snapshot so every file it references is included. */
async function* mediaSources(mediaDir: string): AsyncGenerator<TarSource> {
  let names: string[];
  try {
    names = (await readdir(mediaDir, { recursive: true })).map(String).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  for (const name of names) {
    // Half-written uploads; a finished file is renamed from its .tmp- name in one step.
    if (name.split(/[\\/]/).some((part) => part.startsWith(".tmp-"))) continue;
    const path = join(mediaDir, name);
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined; // pruned since the listing
      throw err;
    });
    if (!info?.isFile()) continue;
    yield {
      name: `${ARCHIVE_MEDIA}/${name.split("\\").join("/")}`,
      from: path,
      size: info.size,
      mtimeMs: info.mtimeMs,
    };
  }
}

export type BackupStream = {
  kind: "sqlite" | "tar";
  /** Known for a plain database; a tar's length depends on the media files found while streaming. */
  size: number | undefined;
  chunks: AsyncGenerator<Uint8Array>;
};

/**
 * Takes a consistent snapshot of the database into `workDir` and returns its bytes as a stream — the
 * SQLite file alone, or a tar of `chasqui.sqlite` and `media/…` when `withMedia`. The snapshot file is
 * unlinked as soon as it is open, so nothing is left behind even if the process dies mid-stream.
 */
export async function openBackupStream(opts: {
  /** The live database file, or a connection to copy from when it has no file (`:memory:` in tests). */
  database: string | Database;
  dataDir: string;
  workDir: string;
  withMedia: boolean;
}): Promise<BackupStream> {
  mkdirSync(opts.workDir, { recursive: true });
  const temp = join(opts.workDir, `backup-${randomBytes(8).toString("hex")}.sqlite`);
  let fd: number;
  try {
    if (typeof opts.database === "string") await snapshotInWorker(opts.database, temp);
    else snapshotWith(opts.database, temp);
    fd = openSync(temp, "r");
  } finally {
    rmSync(temp, { force: true });
  }
  const size = fstatSync(fd).size;
  if (!opts.withMedia) return { kind: "sqlite", size, chunks: fileChunks(fd, size) };
  const mediaDir = join(opts.dataDir, ARCHIVE_MEDIA);
  async function* sources(): AsyncGenerator<TarSource> {
    yield { name: ARCHIVE_DATABASE, from: fd, size, mtimeMs: Date.now() };
    yield* mediaSources(mediaDir);
  }
  async function* chunks() {
    try {
      yield* tarStream(sources());
    } finally {
      closeSync(fd);
    }
  }
  return { kind: "tar", size: undefined, chunks: chunks() };
}

async function* fileChunks(fd: number, size: number) {
  try {
    let position = 0;
    while (position < size) {
      const buffer = new Uint8Array(Math.min(CHUNK, size - position));
      const read = readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) throw new Error("the snapshot shrank while it was read");
      position += read;
      yield buffer.subarray(0, read);
    }
  } finally {
    closeSync(fd);
  }
}

/** Opens the live database of a DATA_DIR for a snapshot, without creating or migrating anything. */
export function openLiveDatabase(path: string): Database {
  const sqlite = new Database(path, { create: false, readwrite: true });
  sqlite.exec("PRAGMA busy_timeout = 10000");
  return sqlite;
}
