import { writeSync } from "node:fs";
import pino from "pino";
import { formatPretty } from "./log-format";

export type Logger = pino.Logger;

/** What the process survived instead of exiting, counted since it started; `GET /health` shows it. */
export type ProcessHealth = {
  /** Log lines dropped because stdout refused them (full disk, closed pipe). */
  logWriteErrors: number;
  /** Unhandled promise rejections and uncaught exceptions, logged and survived. */
  unhandledErrors: number;
};

export const createProcessHealth = (): ProcessHealth => ({ logWriteErrors: 0, unhandledErrors: 0 });

/** How long a log write waits, at most, for a full pipe to drain before the line is dropped. */
const PIPE_FULL_WAIT_MS = 100;

export type LogFormat = "json" | "pretty";

/**
 * NDJSON to stdout, written synchronously (or one readable line a record with `format` pretty). `out` is
 * the file descriptor written to, or a function given each line (tests capture the log with it). No transports: worker-thread transports break inside
 * `bun build --compile`. A write that fails (ENOSPC under a full disk, EPIPE, EIO) drops the line and
 * counts it: logging must never take the server down, and pino's default stream would throw.
 */
export function createLogger(
  level: string,
  health: ProcessHealth = createProcessHealth(),
  out: number | ((line: string) => void) = 1,
  format: LogFormat = "json",
): Logger {
  const write = typeof out === "number" ? (line: string) => writeLine(out, line, health) : out;
  return pino(
    { level, base: { app: "chasqui" }, timestamp: pino.stdTimeFunctions.isoTime },
    { write: format === "pretty" ? (line: string) => write(formatPretty(line)) : write },
  );
}

function writeLine(fd: number, line: string, health: ProcessHealth): void {
  let bytes = Buffer.from(line);
  let waitedMs = 0;
  try {
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(fd, bytes));
      } catch (err) {
        // A non-blocking pipe whose reader is behind: give it a moment, as pino's own stream does.
        if ((err as NodeJS.ErrnoException).code !== "EAGAIN" || waitedMs >= PIPE_FULL_WAIT_MS) throw err;
        Bun.sleepSync(1);
        waitedMs++;
      }
    }
  } catch {
    health.logWriteErrors++;
  }
}
