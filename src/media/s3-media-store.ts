import { randomBytes } from "node:crypto";
import { sanitizeFilename } from "./filename.ts";
import { newMediaFileName } from "./media-storage.ts";
import {
  isSafeFileName,
  type MediaHealth,
  type MediaStore,
  type StoredMedia,
  storageUnavailable,
} from "./media-store.ts";
import { detectMedia } from "./media-type.ts";

export type S3MediaOptions = {
  bucket: string;
  /** e.g. `https://<account>.r2.cloudflarestorage.com`, `http://minio:9000`; unset: AWS for `region`. */
  endpoint?: string;
  region?: string;
  /** Unset: Bun reads S3_ACCESS_KEY_ID / AWS_ACCESS_KEY_ID (and the matching secret, session token). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Folder of the objects in the bucket, without slashes at either end; "" = the bucket's root. */
  prefix: string;
  /** Lifetime of a presigned download URL (`MEDIA_S3_REDIRECT`), seconds. */
  signedUrlSeconds: number;
  /**
   * How long one request to the bucket (a write, a size look-up, a delete, the start-up probe) may take
   * before it counts as failed, ms. Bun's client takes no abort signal: a request that hangs is left to
   * finish or fail on its own, but nobody waits for it any longer.
   */
  requestTimeoutMs?: number;
};

/** An error of the bucket itself (`S3Error`) or of Bun's client (`ERR_S3_*`), as one readable line. */
function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : null;
  const message = typeof e?.message === "string" ? e.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

const isMissing = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "NoSuchKey" || code === "NotFound";
};

/**
 * Media in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2…) through Bun's built-in client, so every
 * node of a cluster stores and serves the same files. Object key = prefix + the generated file name; the
 * database keeps only the name, as with the local folder, so switching stores changes no row.
 */
export function createS3MediaStore(opts: S3MediaOptions): MediaStore {
  const client = new Bun.S3Client({
    bucket: opts.bucket,
    endpoint: opts.endpoint,
    region: opts.region,
    accessKeyId: opts.accessKeyId,
    secretAccessKey: opts.secretAccessKey,
  });
  const keyOf = (file: string) => (opts.prefix ? `${opts.prefix}/${file}` : file);
  const health: MediaHealth = { store: "s3", status: "ok", error: null, everWorked: false };
  const requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;

  /** The request's own outcome, or a rejection once it has taken longer than the request timeout. */
  async function bounded<T>(request: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${requestTimeoutMs / 1000} s`)),
        requestTimeoutMs,
      );
    });
    try {
      return await Promise.race([request, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  const worked = () => {
    health.status = "ok";
    health.error = null;
    health.everWorked = true;
  };
  /** A failure of the bucket (not a missing object): recorded for /health/ready, answered 503. */
  const unavailable = (err: unknown) => {
    health.status = "error";
    health.error = `bucket ${opts.bucket}: ${describe(err)}`;
    return storageUnavailable(`the S3 bucket answered ${describe(err)}`);
  };

  /** Size of a stored object, or null when there is none under that name. */
  async function sizeOf(file: string): Promise<number | null> {
    if (!isSafeFileName(file)) return null;
    try {
      const stat = await bounded(client.stat(keyOf(file)));
      worked();
      return stat.size;
    } catch (err) {
      if (isMissing(err)) {
        worked();
        return null;
      }
      throw unavailable(err);
    }
  }

  async function save(
    bytes: Uint8Array,
    saveOpts?: { filename?: string | null; mimeType?: string | null },
  ): Promise<StoredMedia> {
    const { mimeType, mediaType, ext } = await detectMedia(bytes, saveOpts);
    const file = newMediaFileName(ext);
    try {
      // One PUT: the object appears whole or not at all, so no temp name is needed as on a disk.
      await bounded(client.write(keyOf(file), bytes, { type: mimeType }));
    } catch (err) {
      throw unavailable(err);
    }
    worked();
    return {
      file,
      mimeType,
      mediaType,
      size: bytes.byteLength,
      filename: sanitizeFilename(saveOpts?.filename) ?? file,
    };
  }

  async function check(): Promise<MediaHealth> {
    // Write and delete a probe: both rights are needed (sends store files, retention deletes them).
    const probe = keyOf(`.chasqui-check-${randomBytes(8).toString("hex")}`);
    try {
      await bounded(client.write(probe, "ok", { type: "text/plain" }));
      await bounded(client.delete(probe));
      worked();
    } catch (err) {
      unavailable(err);
    }
    return { ...health };
  }

  return {
    kind: "s3",
    localDir: null,
    save,
    async open(file) {
      const size = await sizeOf(file);
      if (size === null) return null;
      return { body: client.file(keyOf(file)).stream(), size };
    },
    signedUrl(file, headers) {
      if (!isSafeFileName(file)) return null;
      // The bucket answers with these headers (response-content-type/-disposition in the signed query).
      return client.presign(keyOf(file), {
        method: "GET",
        expiresIn: opts.signedUrlSeconds,
        type: headers.contentType,
        ...(headers.contentDisposition ? { contentDisposition: headers.contentDisposition } : {}),
      });
    },
    async source(file) {
      if ((await sizeOf(file)) === null) return null;
      return { stream: () => client.file(keyOf(file)).stream() };
    },
    async remove(file) {
      // S3 deletes a missing key without complaint: ask first, so callers count only real deletions.
      if ((await sizeOf(file)) === null) return false;
      try {
        await bounded(client.delete(keyOf(file)));
      } catch (err) {
        if (isMissing(err)) return false;
        throw unavailable(err);
      }
      return true;
    },
    check,
    health: () => ({ ...health }),
  };
}
