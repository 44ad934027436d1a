// The WAL from outside the store: its index (`<db>-shm`), which the checkpoint thread polls and the read cache watches,
// and its truncation (the checkpoint thread, the retention pass).
import { dlopen, FFIType, type Pointer, toArrayBuffer } from "bun:ffi";
import type { Database } from "bun:sqlite";
import { fstatSync, openSync, readSync, statSync } from "node:fs";
import { endianness } from "node:os";

/** Descriptors of WAL indexes, by database path: opened once, never closed (see walIndexFd). */
const walIndexFds = new Map<string, number>();

/**
 * A read-only descriptor of `<path>-shm`, opened once per process and kept for its life. Never close it: closing
 * any descriptor of a file drops every POSIX lock this process holds on that file, SQLite's too — and without its
 * lock on the WAL index another process (the CLI, a backup, a test) opening the database believes it is alone,
 * reinitializes the index under this process's memory map, and the next access here is a SIGBUS (seen in
 * session 6 as a Bun "Bus error" crash of the server when the e2e test opened the database beside it).
 *
 * A database closed by every connection and opened again has a new `-shm` file: the descriptor kept for the old
 * one is then left as it is (a checkpoint thread may still hold its number) and a new one is opened.
 */
export function walIndexFd(path: string): number | undefined {
  const shm = `${path}-shm`;
  const kept = walIndexFds.get(path);
  try {
    if (kept !== undefined && fstatSync(kept).ino === statSync(shm).ino) return kept;
    const fd = openSync(shm, "r");
    walIndexFds.set(path, fd);
    return fd;
  } catch {
    return undefined; // no WAL index yet
  }
}

/** The WAL index header, kept twice at the start of `-shm` (48 bytes each). */
const HEADER_BYTES = 96;
/** What a mapping shows: the header and, right after it, the checkpoint info's `nBackfill` (4 bytes). */
const VIEW_BYTES = 100;

/** Views of the WAL index's first bytes mapped from the kept descriptors (see mapHeader), by descriptor. */
const headerMaps = new Map<number, Uint8Array | undefined>();

type Mmap = (addr: null, length: number, prot: number, flags: number, fd: number, offset: number) => unknown;
/** The C library's `mmap`, loaded at the first mapping (null where it cannot be: musl, Windows, no FFI). */
let libcMmap: Mmap | null | undefined;
function loadMmap(): Mmap | null {
  if (libcMmap !== undefined) return libcMmap;
  const libc =
    process.platform === "linux"
      ? "libc.so.6"
      : process.platform === "darwin"
        ? "libSystem.B.dylib"
        : undefined;
  try {
    libcMmap = libc
      ? (dlopen(libc, {
          mmap: {
            args: [FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i64],
            returns: FFIType.ptr,
          },
        }).symbols.mmap as Mmap)
      : null;
  } catch {
    libcMmap = null;
  }
  return libcMmap;
}

/**
 * The first page of the WAL index mapped read-only and shared from the kept descriptor `fd` (a view of its first
 * VIEW_BYTES: the header and `nBackfill`), so its bytes are read without a system call; undefined where the C
 * library cannot be loaded (then `pread`).
 *
 * Mapped through the C library's `mmap` on the descriptor walIndexFd keeps open, never by path: a mapping by path
 * (`Bun.mmap`) opens and closes a descriptor of its own, and that close drops every POSIX lock this process holds
 * on the file, SQLite's too (see walIndexFd). The mapping is never undone (like the descriptor). It cannot fault:
 * SQLite shrinks the file only when a process opens it first, to 3 bytes, never to 0
 * (`unixLockSharedMemory`), so the header's page always has bytes behind it; a file still empty is not mapped.
 */
function mapHeader(fd: number): Uint8Array | undefined {
  if (headerMaps.has(fd)) return headerMaps.get(fd);
  let view: Uint8Array | undefined;
  const mmap = loadMmap();
  try {
    if (mmap && fstatSync(fd).size >= VIEW_BYTES) {
      const PROT_READ = 1;
      const MAP_SHARED = 1; // the same value on Linux and macOS
      const page = mmap(null, 4096, PROT_READ, MAP_SHARED, fd, 0);
      // MAP_FAILED is (void *) -1, which reaches JavaScript as a number above the safe integers.
      if (typeof page === "number" && page > 0 && page < Number.MAX_SAFE_INTEGER)
        view = new Uint8Array(toArrayBuffer(page as Pointer, 0, VIEW_BYTES));
    }
  } catch {
    view = undefined; // pread, as before
  }
  headerMaps.set(fd, view);
  return view;
}

/**
 * The WAL index's first `bytes` into `into`: copied from `view` (its mapping, exactly `bytes` long) or, without one,
 * read with one `pread`. False when the index cannot be read.
 */
function readIndex(fd: number, view: Uint8Array | undefined, into: Buffer, bytes: number): boolean {
  if (view) {
    into.set(view);
    return true;
  }
  try {
    return readSync(fd, into, 0, bytes, 0) === bytes;
  } catch {
    return false;
  }
}

/**
 * Tells whether anything was committed to the database since the last look, without a read transaction. Every
 * commit, by any connection of any process, rewrites the WAL index header (its change counter, frame count and
 * checksums: https://www.sqlite.org/walformat.html) before it releases the write lock, so a look at those bytes
 * says what a statement reading the database says in ~5 µs (its WAL read lock is a few `fcntl` calls). The bytes
 * are read from a shared mapping of the header (mapHeader: a memory read, ~0.1 µs) or, where it cannot be made,
 * with one `pread` (~2 µs alone, ~6 µs of a request on a virtual machine: a system call per request). `moved()` is
 * true at its first call and whenever the bytes differ from those of the previous call; a header caught mid-write
 * differs too. Always true when the connection is not in WAL mode (`:memory:`) or the index cannot be read: the
 * caller then looks every time, as without the watch. `mapped` tells which way it reads.
 */
export function commitWatch(sqlite: Database): { moved(): boolean; mapped: boolean } {
  const always = { moved: () => true, mapped: false };
  const mode = (sqlite.query("PRAGMA journal_mode").get() as { journal_mode: string } | null)?.journal_mode;
  if (mode !== "wal") return always;
  const fd = walIndexFd(sqlite.filename);
  if (fd === undefined) return always;
  const header = mapHeader(fd)?.subarray(0, HEADER_BYTES);
  let now = Buffer.alloc(HEADER_BYTES);
  let last = Buffer.alloc(HEADER_BYTES);
  let first = true;
  return {
    mapped: header !== undefined,
    moved() {
      if (!readIndex(fd, header, now, HEADER_BYTES)) return true;
      if (!first && now.equals(last)) return false;
      first = false;
      [now, last] = [last, now];
      return true;
    },
  };
}

/**
 * Frames written to the WAL and frames copied into the database, read from the WAL index without a lock:
 * `mxFrame` is at byte 16 of its header and `nBackfill` at byte 96 (the checkpoint info after the header's two
 * copies), in the machine's byte order (https://www.sqlite.org/walformat.html). From the shared mapping of the
 * index (mapHeader: no system call) or, where it cannot be made, with one `pread` into `buf` (≥ 100 bytes);
 * undefined when the index cannot be read. For the checkpoint thread to decide whether a checkpoint is worth
 * starting: a torn read at worst starts one early or late.
 */
export function walFrames(fd: number, buf: Buffer): { mxFrame: number; nBackfill: number } | undefined {
  if (!readIndex(fd, mapHeader(fd), buf, VIEW_BYTES)) return undefined;
  const le = endianness() === "LE";
  const u32 = (at: number) => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  return { mxFrame: u32(16), nBackfill: u32(96) };
}

/**
 * SQLite only, outside any transaction: copies the WAL into the database under the write lock and, with `TRUNCATE`
 * (the default), truncates it to zero bytes; with `RESTART`, leaves it for the next commit to start over. It never
 * waits: when another connection holds the write lock or is reading from the WAL (a backup, the CLI, the webhook
 * dispatcher) it answers busy at once and the next call tries again. `sqlite`: the writer connection, or the
 * checkpoint thread's.
 */
export function walCheckpoint(
  sqlite: Database,
  mode: "TRUNCATE" | "RESTART" = "TRUNCATE",
): { busy: boolean; walPages: number } {
  if (sqlite.inTransaction) return { busy: true, walPages: 0 };
  const timeout = sqlite.query<{ timeout: number }, []>("PRAGMA busy_timeout").get()?.timeout ?? 5000;
  sqlite.exec("PRAGMA busy_timeout = 0;");
  try {
    const r = sqlite.query<{ busy: number; log: number }, []>(`PRAGMA wal_checkpoint(${mode})`).get();
    return { busy: (r?.busy ?? 0) !== 0, walPages: r?.log ?? 0 };
  } finally {
    sqlite.exec(`PRAGMA busy_timeout = ${timeout};`);
  }
}
