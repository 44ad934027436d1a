import { Database } from "bun:sqlite";
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname, join, normalize, sep } from "node:path";
import { readTarEntries } from "../lib/tar";
import { ARCHIVE_DATABASE, ARCHIVE_MEDIA } from "./backup";
import { assertNotNewer, isChasquiDatabase } from "./migrate";

/** The file given to `chasqui restore` cannot be restored; nothing in DATA_DIR was changed. */
export class RestoreError extends Error {}

export type RestoreResult = {
  /** Where the database that was replaced now lives, if there was one. */
  previousDatabase: string | undefined;
  previousMedia: string | undefined;
  mediaFiles: number | undefined;
};

const SQLITE_MAGIC = "SQLite format 3\u0000";

function kindOf(file: string): "sqlite" | "tar" {
  const head = new Uint8Array(512);
  const fd = openSync(file, "r");
  let read: number;
  try {
    read = readSync(fd, head, 0, 512, 0);
  } finally {
    closeSync(fd);
  }
  if (new TextDecoder().decode(head.subarray(0, 16)) === SQLITE_MAGIC) return "sqlite";
  if (read === 512 && new TextDecoder().decode(head.subarray(257, 262)) === "ustar") return "tar";
  throw new RestoreError(`${file} is neither a SQLite database nor a tar archive made by chasqui backup`);
}

/** Copies a slice of a file to a new file, in chunks. */
function extract(from: string, offset: number, size: number, to: string) {
  mkdirSync(dirname(to), { recursive: true });
  const src = openSync(from, "r");
  const dst = openSync(to, "w");
  try {
    const buffer = new Uint8Array(1024 * 1024);
    let done = 0;
    while (done < size) {
      const n = readSync(src, buffer, 0, Math.min(buffer.length, size - done), offset + done);
      if (n === 0) throw new RestoreError(`the archive ends inside ${to}`);
      writeSync(dst, buffer, 0, n);
      done += n;
    }
  } finally {
    closeSync(src);
    closeSync(dst);
  }
}

/** Refuses a file that is damaged, not Chasqui's, or from a newer Chasqui; leaves it without a WAL. */
function verify(candidate: string, source: string) {
  let sqlite: Database;
  try {
    sqlite = new Database(candidate, { create: false, readwrite: true });
  } catch (err) {
    throw new RestoreError(`${source} cannot be opened as a database: ${(err as Error).message}`);
  }
  try {
    let problems: string[];
    try {
      problems = (sqlite.query("PRAGMA integrity_check").all() as { integrity_check: string }[]).map(
        (r) => r.integrity_check,
      );
    } catch (err) {
      throw new RestoreError(`${source} is damaged (PRAGMA integrity_check: ${(err as Error).message})`);
    }
    if (problems.join() !== "ok")
      throw new RestoreError(
        `${source} is damaged (PRAGMA integrity_check: ${problems.slice(0, 3).join("; ")})`,
      );
    if (!isChasquiDatabase(sqlite))
      throw new RestoreError(`${source} is not a Chasqui database (it has no migrations table)`);
    try {
      assertNotNewer(sqlite);
    } catch (err) {
      throw new RestoreError(`${source}: ${(err as Error).message}`);
    }
    sqlite.exec("PRAGMA journal_mode = DELETE");
  } finally {
    sqlite.close();
  }
}

/**
 * Replaces DATA_DIR's database (and media, when the archive has them) with a backup. The caller holds
 * the DATA_DIR lock. The backup is copied and verified beside the live files first, then swapped in by
 * renames, so a refused or interrupted restore leaves the current data as it was.
 */
export function restoreBackup(file: string, dataDir: string, now = new Date()): RestoreResult {
  if (!existsSync(file)) throw new RestoreError(`${file} does not exist`);
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const staging = join(dataDir, `restore-${stamp}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const candidate = join(staging, ARCHIVE_DATABASE);
    let mediaFiles: number | undefined;
    if (kindOf(file) === "sqlite") copyFileSync(file, candidate);
    else {
      let entries: ReturnType<typeof readTarEntries>;
      try {
        entries = readTarEntries(file);
      } catch (err) {
        throw new RestoreError(`${file}: ${(err as Error).message}`);
      }
      if (!entries.some((e) => e.type === "file" && e.name === ARCHIVE_DATABASE))
        throw new RestoreError(`${file} holds no ${ARCHIVE_DATABASE}`);
      mediaFiles = 0;
      mkdirSync(join(staging, ARCHIVE_MEDIA), { recursive: true });
      for (const entry of entries) {
        if (entry.type !== "file") continue;
        const name = normalize(entry.name);
        // An entry must land inside the staging folder: no absolute paths, no `..`.
        if (name.startsWith(sep) || name.split(sep).includes(".."))
          throw new RestoreError(`${file} holds an unsafe path: ${entry.name}`);
        if (name !== ARCHIVE_DATABASE && !name.startsWith(`${ARCHIVE_MEDIA}${sep}`)) continue;
        extract(file, entry.offset, entry.size, join(staging, name));
        if (name !== ARCHIVE_DATABASE) mediaFiles++;
      }
    }
    verify(candidate, file);

    const live = join(dataDir, ARCHIVE_DATABASE);
    let previousDatabase: string | undefined;
    if (existsSync(live)) {
      previousDatabase = `${live}.before-restore-${stamp}`;
      // The WAL may hold committed transactions not yet in the main file: it moves along under the
      // name SQLite looks for (`<file>-wal`), so the kept copy opens with all of them.
      renameSync(live, previousDatabase);
      if (existsSync(`${live}-wal`)) renameSync(`${live}-wal`, `${previousDatabase}-wal`);
    }
    rmSync(`${live}-wal`, { force: true });
    rmSync(`${live}-shm`, { force: true });
    renameSync(candidate, live);

    let previousMedia: string | undefined;
    if (mediaFiles !== undefined) {
      const mediaDir = join(dataDir, ARCHIVE_MEDIA);
      if (existsSync(mediaDir)) {
        previousMedia = `${mediaDir}.before-restore-${stamp}`;
        renameSync(mediaDir, previousMedia);
      }
      renameSync(join(staging, ARCHIVE_MEDIA), mediaDir);
    }
    return { previousDatabase, previousMedia, mediaFiles };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
