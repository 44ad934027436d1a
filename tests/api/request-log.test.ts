import { expect, test } from "bun:test";
import { createLogger } from "../../src/logger";
import { ADMIN_TOKEN, createTestApp } from "../support/test-app";

const capture = (level = "info", format: "json" | "pretty" = "json") => {
  const lines: string[] = [];
  const logger = createLogger(level, undefined, (line) => lines.push(line), format);
  const requests = () =>
    lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((o) => o.msg === "request");
  return { lines, logger, requests };
};

test("one info line per request: method, route template, status, duration and token id; never the token", async () => {
  const log = capture();
  await using t = createTestApp({}, { logger: log.logger });
  const conn = await t.sandbox();
  const api = await t.apiToken();
  await t.get("/api/v1/tickets/999", api);
  await t.request("/api/v1/nope?access_token=leaky-secret-in-query", { token: null });

  const [created, missing, unmatched] = log.requests();
  const { time: _t, durationMs, ...rest } = created!;
  expect(typeof durationMs).toBe("number");
  expect(rest).toEqual({
    level: 30,
    app: "chasqui",
    msg: "request",
    method: "POST",
    route: "/api/v1/connections",
    status: 201,
    tokenId: 0,
  });
  expect(missing).toMatchObject({
    route: "/api/v1/tickets/:ticketId",
    status: 404,
    error: "ERR_TICKET_NOT_FOUND",
    tokenId: Number((await t.services.tokens.list()).find((k) => k.name === "test api")?.id),
  });
  expect(unmatched).toMatchObject({ route: "unmatched", path: "/api/v1/nope", status: 401, tokenId: null });
  const all = log.lines.join("");
  for (const secret of [ADMIN_TOKEN, api, "leaky-secret-in-query", conn.number])
    expect(all).not.toContain(secret);
});

test("/health, /health/ready and /metrics log at debug, so probes do not drown the log", async () => {
  const info = capture("info");
  await using t = createTestApp({}, { logger: info.logger });
  await t.get("/health", null);
  await t.get("/health/ready", null);
  await t.request("/metrics");
  expect(info.requests()).toEqual([]);

  const debug = capture("debug");
  await using d = createTestApp({}, { logger: debug.logger });
  await d.get("/health/ready", null);
  expect(debug.requests()).toMatchObject([{ level: 20, route: "/health/ready", status: 200 }]);
});

test("LOG_FORMAT=pretty writes one readable line per record, with the error's stack after it", () => {
  const lines: string[] = [];
  const logger = createLogger("info", undefined, (line) => lines.push(line), "pretty");
  logger.child({ module: "http" }).info({ method: "GET", route: "/api/v1/tickets", status: 200 }, "request");
  logger.error({ err: new Error("disk full") }, "storing failed");
  expect(lines[0]).toMatch(
    /^\d\d:\d\d:\d\d\.\d{3} INFO {2}http: request method=GET route=\/api\/v1\/tickets status=200\n$/,
  );
  expect(lines[1]).toMatch(
    /^\d\d:\d\d:\d\d\.\d{3} ERROR storing failed err="disk full"\n {4}Error: disk full\n {8}at /,
  );
});

test("LOG_FORMAT accepts json and pretty only", async () => {
  const { loadConfig } = await import("../../src/config");
  expect(loadConfig({}).logFormat).toBe("json");
  expect(loadConfig({ LOG_FORMAT: "pretty" }).logFormat).toBe("pretty");
  expect(() => loadConfig({ LOG_FORMAT: "xml" })).toThrow(/LOG_FORMAT/);
});
