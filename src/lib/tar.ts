import { closeSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";

/**
 * A minimal POSIX tar (ustar, with pax records for long names and files over 8 GiB): what `tar -x`
 * reads everywhere. Bun has no tar writer; this one streams each file from disk in chunks, so a
 * backup never holds a database in memory.
 */

const BLOCK = 512;
const CHUNK = 1024 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export type TarSource = {
  /** Path inside the archive, `/`-separated, relative. */
  name: string;
  /** Where to read the bytes: a path, or an open file descriptor (e.g. of a file already unlinked). */
  from: string | number;
  size: number;
  mtimeMs: number;
};

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0");
}

function header(name: string, size: number, mtimeMs: number, type: "0" | "x"): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const put = (text: string, offset: number, width: number) =>
    block.set(encoder.encode(text).subarray(0, width), offset);
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Math.floor(mtimeMs / 1000), 12), 136, 12);
  put("        ", 148, 8);
  put(type, 156, 1);
  put("ustar\u000000", 257, 8);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(`${octal(sum, 7)}\u0000 `, 148, 8);
  return block;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  // The length prefix counts its own digits.
  let length = body.length + 1;
  while (String(length).length + encoder.encode(body).length !== length)
    length = String(length).length + encoder.encode(body).length;
  return `${length}${body}`;
}

const padding = (size: number) => new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);

/** Yields the archive's bytes: for each source its header(s), its bytes and padding; then the end marker. */
export async function* tarStream(sources: Iterable<TarSource> | AsyncIterable<TarSource>) {
  for await (const s of sources) {
    const nameBytes = encoder.encode(s.name).length;
    const records =
      (nameBytes > 99 ? paxRecord("path", s.name) : "") +
      (s.size >= 8 ** 11 ? paxRecord("size", String(s.size)) : "");
    if (records) {
      const pax = encoder.encode(records);
      yield header("PaxHeader", pax.length, s.mtimeMs, "x");
      yield pax;
      yield padding(pax.length);
    }
    yield header(nameBytes > 99 ? s.name.slice(-99) : s.name, s.size < 8 ** 11 ? s.size : 0, s.mtimeMs, "0");
    const handle = typeof s.from === "number" ? undefined : await open(s.from, "r");
    try {
      let position = 0;
      while (position < s.size) {
        const buffer = new Uint8Array(Math.min(CHUNK, s.size - position));
        const { bytesRead } = handle
          ? await handle.read(buffer, 0, buffer.length, position)
          : { bytesRead: readSync(s.from as number, buffer, 0, buffer.length, position) };
        // A file that shrank under us would leave the archive inconsistent: refuse rather than pad.
        if (bytesRead === 0) throw new Error(`${s.name} shrank while it was archived`);
        position += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle?.close();
    }
    yield padding(s.size);
  }
  yield new Uint8Array(BLOCK * 2);
}

export type TarEntry = { name: string; type: "file" | "directory" | "other"; offset: number; size: number };

/** Lists a tar file's entries with the offset of their bytes, reading headers only. */
export function readTarEntries(path: string): TarEntry[] {
  const fd = openSync(path, "r");
  try {
    const entries: TarEntry[] = [];
    const block = new Uint8Array(BLOCK);
    let offset = 0;
    let pending: Record<string, string> = {};
    for (;;) {
      if (readSync(fd, block, 0, BLOCK, offset) < BLOCK) throw new Error("the archive is truncated");
      offset += BLOCK;
      if (block.every((b) => b === 0)) return entries;
      const field = (start: number, width: number) =>
        decoder.decode(block.subarray(start, start + width)).replace(/\0.*$/s, "");
      if (!field(257, 6).startsWith("ustar")) throw new Error("not a tar archive");
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
      if (sum !== Number.parseInt(field(148, 8).trim(), 8)) throw new Error("a tar header is damaged");
      const type = field(156, 1) || "0";
      const prefix = field(345, 155);
      let name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
      let size = Number.parseInt(field(124, 12).trim() || "0", 8);
      if (type === "x" || type === "L") {
        const data = new Uint8Array(size);
        readSync(fd, data, 0, size, offset);
        offset += size + ((BLOCK - (size % BLOCK)) % BLOCK);
        if (type === "L") pending.path = decoder.decode(data).replace(/\0.*$/s, "");
        else pending = { ...pending, ...parsePax(decoder.decode(data)) };
        continue;
      }
      if (pending.path) name = pending.path;
      if (pending.size) size = Number(pending.size);
      pending = {};
      entries.push({
        name,
        type: type === "0" || type === "7" ? "file" : type === "5" ? "directory" : "other",
        offset,
        size,
      });
      offset += size + ((BLOCK - (size % BLOCK)) % BLOCK);
    }
  } finally {
    closeSync(fd);
  }
}

function parsePax(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\d+ ([^=]+)=(.*)$/s.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
