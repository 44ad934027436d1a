import { tracingChannel } from "node:diagnostics_channel";
import { writeSync } from "node:fs";
import pino from "pino";
import { formatPretty } from "./log-format";

/**
 * pino formats each line through `tracingChannel("pino_asJson").traceSync(…)` unless the channel's `hasSubscribers`
 * is `false`; Bun (1.4) leaves that property undefined, so every line paid for the tracing (a context object, five
 * channel looks, AsyncLocalStorage's `runStores`): 0.2 of ~1 µs a line in a loop; under the mixed bench the request
 * log's formatting was 2.5 % of the main thread, tracing included. Defined here as Node defines it, only where the
 * runtime does not.
 */
function defineTracingHasSubscribers(): void {
  const proto = Object.getPrototypeOf(tracingChannel("chasqui")) as object;
  if ("hasSubscribers" in proto) return;
  Object.defineProperty(proto, "hasSubscribers", {
    configurable: true,
    get(this: Record<"start" | "end" | "asyncStart" | "asyncEnd" | "error", { hasSubscribers: boolean }>) {
      return (
        this.start.hasSubscribers ||
        this.end.hasSubscribers ||
        this.asyncStart.hasSubscribers ||
        this.asyncEnd.hasSubscribers ||
        this.error.hasSubscribers
      );
    },
  });
}
defineTracingHasSubscribers();

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

/** Lines waiting for their turn's write are written at once when they reach this many characters. */
const BATCH_CHARS = 64 * 1024;

/**
 * NDJSON to stdout (or one readable line a record with `format` pretty). `out` is the file descriptor written to, or
 * a function given each line (tests capture the log with it). No transports: worker-thread transports break inside
 * `bun build --compile`. A write that fails (ENOSPC under a full disk, EPIPE, EIO) drops the lines and counts them:
 * logging must never take the server down, and pino's default stream would throw.
 *
 * Lines to a descriptor are written synchronously, batched by event-loop turn (see lineWriter): a request log line
 * no longer costs a system call of its own.
 */
export function createLogger(
  level: string,
  health: ProcessHealth = createProcessHealth(),
  out: number | ((line: string) => void) = 1,
  format: LogFormat = "json",
): Logger {
  const write = typeof out === "number" ? lineWriter(out, health) : out;
  return pino(
    { level, base: { app: "chasqui" }, timestamp: pino.stdTimeFunctions.isoTime },
    { write: format === "pretty" ? (line: string) => write(formatPretty(line)) : write },
  );
}

/** `healths[i]`: whom line i's loss is counted to (the logger that wrote it). */
type Batch = { lines: string[]; healths: ProcessHealth[]; chars: number; scheduled: boolean };
/** The lines waiting to be written, by descriptor (one batch per descriptor of this thread). */
const batches = new Map<number, Batch>();

/** Writes every waiting line now (the process's exit does it; a thread about to end may call it). */
export function flushLogs(): void {
  for (const [fd, batch] of batches) flush(fd, batch);
}

/**
 * A line writer to `fd` that gathers the lines logged during one event-loop turn and writes them with one
 * synchronous write right after the turn (`setImmediate`), or at once past BATCH_CHARS; the process's `exit`
 * writes what waits. Under load a turn answers many requests, and each request's log line cost a system call of
 * its own (~5 µs of a ~15 µs cached list on a virtual machine). Order is kept; what a `kill -9` can cost is the
 * lines of the turn it lands in, as a crash between a write and the next always could.
 */
function lineWriter(fd: number, health: ProcessHealth): (line: string) => void {
  return (line) => {
    let batch = batches.get(fd);
    if (!batch) {
      if (batches.size === 0) process.once("exit", flushLogs);
      batch = { lines: [], healths: [], chars: 0, scheduled: false };
      batches.set(fd, batch);
    }
    batch.lines.push(line);
    batch.healths.push(health);
    batch.chars += line.length;
    if (batch.chars >= BATCH_CHARS) flush(fd, batch);
    else if (!batch.scheduled) {
      batch.scheduled = true;
      setImmediate(() => flush(fd, batch));
    }
  };
}

function flush(fd: number, batch: Batch): void {
  batch.scheduled = false;
  if (batch.lines.length === 0) return;
  const { lines, healths } = batch;
  batch.lines = [];
  batch.healths = [];
  batch.chars = 0;
  if (!writeAll(fd, lines.join(""))) for (const health of healths) health.logWriteErrors++;
}

/** Writes all of `text` to `fd`; false when a write failed (what was not written is dropped). */
function writeAll(fd: number, text: string): boolean {
  let bytes = Buffer.from(text);
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
    return true;
  } catch {
    return false;
  }
}
