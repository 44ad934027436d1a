import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { sanitizeFilename } from "./filename.ts";
import {
  isSafeFileName,
  type MediaHealth,
  type MediaStore,
  type StoredMedia,
  storageUnavailable,
} from "./media-store.ts";
import { detectMedia } from "./media-type.ts";

export type { MediaStore, StoredMedia } from "./media-store.ts";

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
  return storageUnavailable(why, "once disk space is available");
}

/** A new stored name: time first (files list in arrival order), then 96 random bits. */
export function newMediaFileName(ext: string): string {
  return `${Date.now()}-${randomBytes(12).toString("hex")}.${ext}`;
}

/** The local store also answers with paths (its own tests, tools that work on the folder). */
export type LocalMediaStore = MediaStore & {
  readonly dir: string;
  /** Absolute path of a stored file, or null when the name is unsafe or unknown. */
  pathOf(file: string): string | null;
};

/** The media store of one node: files in a folder under DATA_DIR (the default). */
export function createMediaStorage(
  dir: string,
  opts: {
    /** Opens a file for writing; tests substitute one whose writes fail like a full disk's. */
    openFile?: (path: string, flags: string, mode: number) => Promise<FileHandle>;
  } = {},
): LocalMediaStore {
  const root = resolve(dir);
  const openFile = opts.openFile ?? open;
  mkdirSync(root, { recursive: true });
  const health: MediaHealth = { store: "local", status: "ok", error: null, everWorked: true };

  async function save(
    bytes: Uint8Array,
    opts?: { filename?: string | null; mimeType?: string | null },
  ): Promise<StoredMedia> {
    const { mimeType, mediaType, ext } = await detectMedia(bytes, opts);
    const file = newMediaFileName(ext);
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
    if (!isSafeFileName(file)) return null;
    const path = join(root, file);
    try {
      // lstat: a symlink planted in the media directory must not expose files outside it.
      return lstatSync(path).isFile() ? path : null;
    } catch {
      return null;
    }
  }

  async function remove(file: string): Promise<boolean> {
    if (!isSafeFileName(file)) return false;
    try {
      await rm(join(root, file));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
  }

  return {
    kind: "local",
    localDir: root,
    dir: root,
    pathOf,
    save,
    async open(file) {
      const path = pathOf(file);
      if (!path) return null;
      const body = Bun.file(path);
      return { body, size: body.size };
    },
    signedUrl: () => null,
    async source(file) {
      const path = pathOf(file);
      return path ? { path } : null;
    },
    remove,
    check: async () => ({ ...health }),
    health: () => ({ ...health }),
  };
}

/**
 * Deletes what a crash leaves behind: `.tmp-*` files of `save` in the media directory (when media are
 * local), and in `DATA_DIR/tmp` the `upload-*` files a multipart body spilled and the `backup-*` snapshots
 * of an HTTP backup. Only at start, when no request of this process can own one. Returns the names removed.
 */
export function removeOrphanTempFiles(mediaDir: string | null, uploadTmpDir: string): string[] {
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
  if (mediaDir) sweep(resolve(mediaDir), ".tmp-");
  sweep(resolve(uploadTmpDir), "upload-");
  sweep(resolve(uploadTmpDir), "backup-");
  return removed;
}
