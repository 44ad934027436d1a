import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { type FileHandle, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { Busboy, type BusboyFileStream } from "@fastify/busboy";
import { AppError } from "../errors";

/** A file part is kept in memory up to this size; past it, it goes to a temporary file until the end. */
const IN_MEMORY_BYTES = 1024 * 1024;

export type MultipartLimits = {
  /** Per file: MAX_UPLOAD_MB. */
  maxFileBytes: number;
  /** All text fields together: MAX_JSON_BODY_KB. */
  maxFieldBytes: number;
  /** Where parts past IN_MEMORY_BYTES wait until the body is complete. */
  spillDir: string;
};

const mb = (bytes: number) => Math.floor(bytes / 1024 / 1024);

/**
 * Parses a multipart/form-data body while it streams in, with @fastify/busboy (busboy's maintained fork:
 * streaming, with per-file and per-field limits that fire the moment a part crosses them). A file part
 * over `maxFileBytes` is refused at once and the rest of the body is never read; a large part within the
 * limit waits on disk, so a request holds a few MB of memory until it has proven itself. Returns the
 * entries in body order, files as File objects.
 */
export async function parseMultipart(
  body: ReadableStream<Uint8Array> | null,
  contentType: string,
  limits: MultipartLimits,
): Promise<[string, string | File][]> {
  let busboy: ReturnType<typeof Busboy>;
  try {
    busboy = Busboy({
      headers: { "content-type": contentType },
      defCharset: "utf8",
      limits: {
        fileSize: limits.maxFileBytes,
        fieldSize: limits.maxFieldBytes,
        fieldNameSize: 1024,
        parts: 1000,
        headerPairs: 100,
      },
    });
  } catch (err) {
    throw new AppError("ERR_VALIDATION", `Malformed multipart body: ${(err as Error).message}`);
  }
  const reader = body?.getReader();
  const entries: [string, string | File][] = [];
  const files: Promise<void>[] = [];
  const spilled: string[] = [];
  const streams: BusboyFileStream[] = [];
  let fieldBytes = 0;
  let failure: AppError | undefined;
  const { promise: done, resolve, reject } = Promise.withResolvers<void>();
  const fail = (err: unknown) => {
    if (failure !== undefined) return;
    failure =
      err instanceof AppError
        ? err
        : new AppError("ERR_VALIDATION", `Malformed multipart body: ${(err as Error)?.message ?? err}`);
    reject(failure);
  };
  busboy.on("field", (name, value, nameTruncated, valueTruncated) => {
    fieldBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    if (valueTruncated || fieldBytes > limits.maxFieldBytes)
      return fail(
        new AppError(
          "ERR_PAYLOAD_TOO_LARGE",
          `The form fields are larger than ${Math.floor(limits.maxFieldBytes / 1024)} KB (MAX_JSON_BODY_KB)`,
        ),
      );
    if (nameTruncated) return fail(new AppError("ERR_VALIDATION", "A form field name is too long"));
    entries.push([name, value]);
  });
  busboy.on("file", (name, stream, filename, _encoding, mimeType) => {
    const slot = entries.push([name, ""]) - 1;
    streams.push(stream);
    stream.on("limit", () =>
      fail(
        new AppError(
          "ERR_PAYLOAD_TOO_LARGE",
          `File ${filename || name} is larger than ${mb(limits.maxFileBytes)} MB (MAX_UPLOAD_MB)`,
        ),
      ),
    );
    files.push(
      collect(stream, limits.spillDir, spilled).then(
        (bytes) => {
          entries[slot] = [name, new File([bytes], filename, { type: mimeType })];
        },
        (err) => fail(err),
      ),
    );
  });
  busboy.on("partsLimit", () => fail(new AppError("ERR_VALIDATION", "Too many parts in the multipart body")));
  busboy.on("error", fail);
  busboy.on("finish", () => {
    Promise.all(files).then(() => resolve(), fail);
  });

  const pump = async () => {
    if (!reader) return void busboy.end();
    for (;;) {
      const { done, value } = await reader.read();
      if (failure !== undefined) return;
      if (done) return void busboy.end();
      // Busboy holds back a write while a file stream is not being read: wait, so memory stays bounded.
      if (!busboy.write(value)) await new Promise((r) => busboy.once("drain", r));
    }
  };

  try {
    await Promise.all([done, pump().catch(fail)]);
    return entries;
  } finally {
    if (failure !== undefined) {
      // Stop reading the request at once: the client is answered 413/400 and nothing more is buffered.
      reader?.cancel().catch(() => {});
      for (const stream of streams) stream.destroy();
      busboy.destroy();
      await Promise.all(files);
    }
    await Promise.all(spilled.map((path) => rm(path, { force: true })));
  }
}

/** Reads one file part: in memory up to IN_MEMORY_BYTES, then on disk until it is complete. */
async function collect(
  stream: BusboyFileStream,
  spillDir: string,
  spilled: string[],
): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  let size = 0;
  let disk: { path: string; handle: FileHandle } | undefined;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (stream.truncated) continue;
      size += chunk.byteLength;
      if (!disk && size > IN_MEMORY_BYTES) {
        mkdirSync(spillDir, { recursive: true });
        const path = join(spillDir, `upload-${randomUUID()}`);
        spilled.push(path);
        disk = { path, handle: await open(path, "w", 0o600) };
        for (const c of chunks.splice(0)) await disk.handle.write(c);
      }
      if (disk) await disk.handle.write(chunk);
      else chunks.push(chunk);
    }
  } finally {
    await disk?.handle.close();
  }
  if (stream.truncated) return new Uint8Array();
  return disk ? await Bun.file(disk.path).bytes() : Buffer.concat(chunks);
}
