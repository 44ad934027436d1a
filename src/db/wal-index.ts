// The WAL index (`<db>-shm`) read from outside SQLite: what the checkpoint thread polls.
import { openSync } from "node:fs";

/** Descriptors of WAL indexes, by database path: opened once, never closed (see walIndexFd). */
const walIndexFds = new Map<string, number>();

/**
 * A read-only descriptor of `<path>-shm`, opened once per process and kept for its life. Never close it: closing
 * any descriptor of a file drops every POSIX lock this process holds on that file, SQLite's too — and without its
 * lock on the WAL index another process (the CLI, a backup, a test) opening the database believes it is alone,
 * reinitializes the index under this process's memory map, and the next access here is a SIGBUS (seen in
 * session 6 as a Bun "Bus error" crash of the server when the e2e test opened the database beside it).
 */
export function walIndexFd(path: string): number | undefined {
  let fd = walIndexFds.get(path);
  if (fd !== undefined) return fd;
  try {
    fd = openSync(`${path}-shm`, "r");
  } catch {
    return undefined; // no WAL index yet
  }
  walIndexFds.set(path, fd);
  return fd;
}
