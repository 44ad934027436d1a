import { expect, test } from "bun:test";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");

test("a stray rejection and an uncaught exception are logged and counted; the process lives on", async () => {
  // The guards `serve` installs, in a process of their own: without them the first error exits it.
  const script = `
    import { createLogger, createProcessHealth } from ${JSON.stringify(join(root, "src/logger.ts"))};
    import { guardProcess } from ${JSON.stringify(join(root, "src/server.ts"))};
    const health = createProcessHealth();
    guardProcess(createLogger("info", health), health);
    Promise.reject(new Error("stray rejection"));
    setTimeout(() => { throw new Error("stray throw"); }, 0);
    const check = setInterval(() => {
      if (health.unhandledErrors < 2) return;
      clearInterval(check);
      console.error(JSON.stringify(health));
    }, 1);
  `;
  const proc = Bun.spawn(["bun", "-e", script], { cwd: root, stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  expect({ code, health: JSON.parse(stderr.trim().split("\n").pop() ?? "null") }).toEqual({
    code: 0,
    health: { logWriteErrors: 0, unhandledErrors: 2 },
  });
  const logged = stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { msg: string; err: { message: string } });
  expect(logged.map((l) => [l.msg, l.err.message])).toEqual([
    ["unhandled promise rejection; still serving", "stray rejection"],
    ["uncaught exception; still serving", "stray throw"],
  ]);
}, 20_000);
