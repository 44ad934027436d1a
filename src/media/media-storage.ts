import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { AppError } from "../errors.ts";
import { sanitizeFilename } from "./filename.ts";
import { detectMedia, type MediaKind } from "./media-type.ts";

export type StoredMedia = {
  file: string;
  mimeType: string;
  mediaType: MediaKind;
  size: number;
  filename: string;
};

export type MediaStorage = {
  dir: string;
  save(
    bytes: Uint8Array,
    opts?: { filename?: string | null; mimeType?: string | null },
  ): Promise<StoredMedia>;
  /** Absolute path of a stored file for `GET /public/<file>`, or null when the name is unsafe or unknown. */
  pathOf(file: string): string | null;
  /** Deletes a stored file; a name that is unsafe or already gone is not an error. Resolves to whether it existed. */
  remove(file: string): Promise<boolean>;
};

/** Write failures that say the disk, not the request, is the problem: the client should retry later. */
const DISK_UNAVAILABLE: Record<string, string> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is exhausted",
  EROFS: "the filesystem is read-only",
};

function diskError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const why = typeof code === "string" ? DISK_UNAVAILABLE[code] : undefined;
  if (!why) return err;
  return new AppError(
    "ERR_SERVICE_UNAVAILABLE",
    `Media storage is unavailable: ${why}. Nothing was sent; try again once disk space is available.`,
  );
}

// Names this module generates: no leading dot (temp files are hidden), no separators, no "..".
const SAFE_FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}$/;

function isSafeFileName(file: string): boolean {
  return SAFE_FILE_NAME.test(file) && !file.includes("..");
}

export function createMediaStorage(
  dir: string,
  opts: {
    /** Opens a file for writing; tests substitute one whose writes fail like a full disk's. */
    openFile?: (path: string, flags: string, mode: number) => Promise<FileHandle>;
  } = {},
): MediaStorage {
  const root = resolve(dir);
  const openFile = opts.openFile ?? open;
  mkdirSync(root, { recursive: true });

  async function save(
    bytes: Uint8Array,
    opts?: { filename?: string | null; mimeType?: string | null },
  ): Promise<StoredMedia> {
    const { mimeType, mediaType, ext } = await detectMedia(bytes, opts);
    const file = `${Date.now()}-${randomBytes(12).toString("hex")}.${ext}`;
    // Hidden temp name in the same directory: rename is atomic only within one filesystem, and
    // pathOf never serves dot files, so a crash leaves at most an unreachable temp file.
    const temp = join(root, `.tmp-${randomBytes(12).toString("hex")}`);
    try {
      await mkdir(root, { recursive: true });
      const handle = await openFile(temp, "wx", 0o644);
      try {
        await handle.writeFile(bytes);
        // Flush before the rename so the real name never points at a partly written file after a power cut.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, join(root, file));
    } catch (err) {
      await rm(temp, { force: true }).catch(() => {});
      throw diskError(err);
    }
    return {
      file,
      mimeType,
      mediaType,
      size: bytes.byteLength,
      filename: sanitizeFilename(opts?.filename) ?? file,
    };
  }

  function pathOf(file: string): string | null {
    if (typeof file !== "string" || !isSafeFileName(file)) return null;
    const path = join(root, file);
    try {
      // lstat: a symlink planted in the media directory must not expose files outside it.
      return lstatSync(path).isFile() ? path : null;
    } catch {
      return null;
    }
  }

  async function remove(file: string): Promise<boolean> {
    if (typeof file !== "string" || !isSafeFileName(file)) return false;
    try {
      await rm(join(root, file));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
  }

  return { dir: root, save, pathOf, remove };
}

/**
 * Deletes what a crash leaves behind: `.tmp-*` files of `save` in the media directory, and in `DATA_DIR/tmp`
 * the `upload-*` files a multipart body spilled and the `backup-*` snapshots of an HTTP backup. Only at
 * start, when no request of this process can own one. Returns the names removed.
 */
export function removeOrphanTempFiles(mediaDir: string, uploadTmpDir: string): string[] {
  const removed: string[] = [];
  const sweep = (dir: string, prefix: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // no such directory yet
    }
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const path = join(dir, name);
      try {
        if (!lstatSync(path).isFile()) continue;
        rmSync(path, { force: true });
        removed.push(path);
      } catch {
        // Vanished meanwhile, or not ours to delete: the next start tries again.
      }
    }
  };
  sweep(resolve(mediaDir), ".tmp-");
  sweep(resolve(uploadTmpDir), "upload-");
  sweep(resolve(uploadTmpDir), "backup-");
  return removed;
}
