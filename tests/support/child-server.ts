import { join } from "node:path";
import type { Subprocess } from "bun";

/** `chasqui serve` from source, trusting the fake WhatsApp server's test certificate root. */
export const SERVE_FROM_SOURCE = [
  "bun",
  "--preload",
  join(import.meta.dir, "../wasim/trust-test-root.ts"),
  join(import.meta.dir, "../../src/cli.ts"),
  "serve",
];

/** An API answer: the status and the parsed JSON body (null when empty). */
export type ApiAnswer = { status: number; body: any };

/**
 * One call to a running server with a bearer token: `body` goes as JSON, or as is when it is FormData.
 */
export async function callApi(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...extraHeaders };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`${url}${path}`, { method, headers, body: payload });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/**
 * Runs the server as a child process (the compiled binary or `bun src/cli.ts`) and resolves once its
 * "chasqui listening" log line says which port it bound (PORT=0 picks a free one). `exactEnv`: the child's
 * environment is `env` alone, nothing of this process's and no defaults (it must then set PORT and HOST; the
 * listening line is logged at the default LOG_LEVEL).
 */
export async function startChild(
  cmd: string[],
  env: Record<string, string>,
  timeoutMs = 15_000,
  options: { exactEnv?: boolean } = {},
) {
  const proc = Bun.spawn(cmd, {
    env: options.exactEnv ? env : { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const stderrChunks: string[] = [];
  void (async () => {
    for await (const chunk of proc.stderr) stderrChunks.push(new TextDecoder().decode(chunk));
  })();
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url) {
    if (Date.now() > deadline) throw new Error(`server did not start: ${buffered}\n${stderrChunks.join("")}`);
    const { value, done } = await reader.read();
    if (done)
      throw new Error(
        `server exited before listening (code ${await proc.exited}): ${buffered}\n${stderrChunks.join("")}`,
      );
    buffered += decoder.decode(value);
    const m = /"url":"(http:\/\/[^"]+)".*chasqui listening/.exec(buffered);
    if (m) url = m[1]!;
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  const lines: string[] = [buffered];
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      lines.push(decoder.decode(value));
    }
  })();
  return {
    proc: proc as Subprocess<"ignore", "pipe", "pipe">,
    url: url!,
    stdout: () => lines.join(""),
    stderr: () => stderrChunks.join(""),
  };
}
