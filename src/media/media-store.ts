import { AppError } from "../errors";
import type { MediaKind } from "./media-type";

export type StoredMedia = {
  file: string;
  mimeType: string;
  mediaType: MediaKind;
  size: number;
  filename: string;
};

/** A stored file opened for `GET /public/<file>`: its bytes are read while the answer is sent. */
export type MediaObject = { body: Blob | ReadableStream<Uint8Array>; size: number };

/**
 * Where a WhatsApp driver reads a stored file it sends: a local path, or a stream opened for this one send
 * (a file in a bucket). Each call of `stream` opens a new read.
 */
export type MediaSource = { path: string } | { stream: () => ReadableStream<Uint8Array> };

/** The last thing the store learnt about its backend: `/health/ready` reports it. */
export type MediaHealth = {
  store: "local" | "s3";
  status: "ok" | "error";
  /** Why the last check or operation failed, null when it works. */
  error: string | null;
  /** False until one check or operation succeeded since the start: a setting is wrong, not an outage. */
  everWorked: boolean;
};

/**
 * Every write, read, send, delete and backup of media goes through this: the folder under DATA_DIR
 * (`media-storage.ts`, the default) or an S3-compatible bucket every node shares (`s3-media-store.ts`).
 * File names are the ones `save` generated; any other name is treated as unknown.
 */
export type MediaStore = {
  readonly kind: "local" | "s3";
  /** The folder of a local store (backups, the disk-use metric); null for a bucket. */
  readonly localDir: string | null;
  save(
    bytes: Uint8Array,
    opts?: { filename?: string | null; mimeType?: string | null },
  ): Promise<StoredMedia>;
  /** The stored file, or null when the name is unsafe or unknown. Throws ERR_SERVICE_UNAVAILABLE when the store does not answer. */
  open(file: string): Promise<MediaObject | null>;
  /** A short-lived URL that serves the file straight from the bucket with these headers; null for a local store. */
  signedUrl(file: string, headers: { contentType: string; contentDisposition: string | null }): string | null;
  /** What a driver reads to send the file, or null when the name is unsafe or unknown. */
  source(file: string): Promise<MediaSource | null>;
  /** Deletes a stored file; a name that is unsafe or already gone is not an error. Resolves to whether it existed. */
  remove(file: string): Promise<boolean>;
  /** Writes, reads and deletes a probe object (a bucket) or does nothing (a folder); updates `health`. */
  check(): Promise<MediaHealth>;
  health(): MediaHealth;
};

// Names `save` generates: no leading dot (temp files are hidden), no separators, no "..".
const SAFE_FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}$/;

export function isSafeFileName(file: string): boolean {
  return typeof file === "string" && SAFE_FILE_NAME.test(file) && !file.includes("..");
}

/** The answer to a save the store could not do for a reason of the store, not of the request: retry later. */
export function storageUnavailable(why: string, retry = "once it is reachable again"): AppError {
  return new AppError(
    "ERR_SERVICE_UNAVAILABLE",
    `Media storage is unavailable: ${why}. Nothing was sent; try again ${retry}.`,
  );
}
