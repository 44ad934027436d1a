import { afterEach, expect, test } from "bun:test";
import { tracingChannel } from "node:diagnostics_channel";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, createProcessHealth } from "../../src/logger";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const logFile = () => {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-log-"));
  dirs.push(dir);
  const path = join(dir, "out.log");
  return { path, fd: openSync(path, "w") };
};
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const messages = (text: string) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l).msg);

test("the lines of one turn are written together after it, in order", async () => {
  const { path, fd } = logFile();
  const logger = createLogger("info", createProcessHealth(), fd);
  logger.info("one");
  logger.info("two");
  logger.warn("three");
  expect(readFileSync(path, "utf8")).toBe(""); // not one write per line
  await nextTurn();
  expect(messages(readFileSync(path, "utf8"))).toEqual(["one", "two", "three"]);
  logger.info("four");
  await nextTurn();
  expect(messages(readFileSync(path, "utf8"))).toEqual(["one", "two", "three", "four"]);
  closeSync(fd);
});

test("a turn's lines past 64 KiB are written at once", () => {
  const { path, fd } = logFile();
  const logger = createLogger("info", createProcessHealth(), fd);
  logger.info("x".repeat(70_000));
  expect(messages(readFileSync(path, "utf8"))).toEqual(["x".repeat(70_000)]);
  closeSync(fd);
});

test("lines that cannot be written (a full disk) are counted, and the logger goes on", async () => {
  const full = openSync("/dev/full", "w");
  const health = createProcessHealth();
  const logger = createLogger("info", health, full);
  logger.info("lost 1");
  logger.info("lost 2");
  await nextTurn();
  expect(health.logWriteErrors).toBe(2);
  logger.info("lost 3");
  await nextTurn();
  expect(health.logWriteErrors).toBe(3);
  closeSync(full);
});

test("a process that exits in the same turn as it logged still writes its lines", async () => {
  const logger = join(import.meta.dir, "../../src/logger.ts");
  const child = Bun.spawn(
    [
      process.execPath,
      "-e",
      `const { createLogger } = require(${JSON.stringify(logger)}); const log = createLogger("info"); log.info("before exit"); log.error("last words"); process.exit(3);`,
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  const out = await new Response(child.stdout).text();
  expect(await child.exited).toBe(3);
  expect(messages(out)).toEqual(["before exit", "last words"]);
});

test("pino's tracing channel is skipped while nobody subscribes to it, and still traced for a subscriber", () => {
  const lines: string[] = [];
  const logger = createLogger("info", createProcessHealth(), (line) => lines.push(line));
  const channel = tracingChannel("pino_asJson");
  // Bun leaves TracingChannel#hasSubscribers undefined; pino then traces every line (src/logger.ts).
  expect(channel.hasSubscribers).toBe(false);
  const traced: unknown[] = [];
  const handlers = {
    start: (m: unknown) => traced.push(m),
    end: () => {},
    asyncStart: () => {},
    asyncEnd: () => {},
    error: () => {},
  };
  channel.subscribe(handlers);
  try {
    expect(channel.hasSubscribers).toBe(true);
    logger.info("traced");
  } finally {
    channel.unsubscribe(handlers);
  }
  expect(channel.hasSubscribers).toBe(false);
  logger.info("plain");
  expect(traced).toHaveLength(1);
  expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["traced", "plain"]);
});
