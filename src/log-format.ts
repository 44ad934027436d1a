/** pino's numeric levels, as words. */
const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
/** Fields every line has, or that the prefix already shows. */
const SHOWN = new Set(["level", "time", "msg", "app", "pid", "hostname", "module"]);

/**
 * LOG_FORMAT=pretty: one pino NDJSON line turned into one readable line,
 * `12:04:05.123 INFO  webhooks: message key=value …`, and an error's stack on the lines after it.
 * Written here rather than with pino-pretty: that runs as a transport (a worker thread), and transports
 * break in the compiled binary. A line that is not JSON passes through unchanged.
 */
export function formatPretty(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof o.time === "string" ? o.time.slice(11, 23) : "";
  const level = LEVELS[o.level as number] ?? String(o.level);
  const module = typeof o.module === "string" ? `${o.module}: ` : "";
  const fields: string[] = [];
  let stack = "";
  for (const [key, value] of Object.entries(o)) {
    if (SHOWN.has(key)) continue;
    if (key === "err" && value && typeof value === "object") {
      const err = value as { message?: string; stack?: string };
      fields.push(`err=${JSON.stringify(err.message ?? "")}`);
      if (err.stack) stack = `\n    ${err.stack.split("\n").join("\n    ")}`;
      continue;
    }
    fields.push(
      `${key}=${typeof value === "string" && !/[\s"=]/.test(value) ? value : JSON.stringify(value)}`,
    );
  }
  const msg = typeof o.msg === "string" ? o.msg : "";
  return `${[time, level, `${module}${msg}`, ...fields].filter(Boolean).join(" ")}${stack}\n`;
}
