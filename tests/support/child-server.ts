import type { Subprocess } from "bun";

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
