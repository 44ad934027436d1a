import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");

let building: Promise<string> | undefined;

/**
 * `bun build --compile` of the server, once per test process: `bun test` runs every file in one process
 * with one module registry, so the test files that need the binary share this build. Call it from a
 * `beforeAll` with a generous timeout (~10–30 s).
 *
 * It lives in `$TMPDIR/chasqui-binary-<pid>`. `bun test` fires no "exit" event, so instead each build
 * removes the directories of test processes that are gone: at most one ~100 MB binary stays behind.
 */
export function compiledBinary(): Promise<string> {
  building ??= build();
  return building;
}

async function build(): Promise<string> {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(/^chasqui-binary-(\d+)$/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid))
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  const dir = join(tmpdir(), `chasqui-binary-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, "chasqui");
  const proc = Bun.spawn(
    // The webhook dispatcher thread's and the read threads' entries are entrypoints too, as in scripts/build.ts.
    [
      process.execPath,
      "build",
      "--compile",
      join(root, "src/cli.ts"),
      join(root, "src/webhooks/dispatcher-worker.ts"),
      join(root, "src/http/read-front-worker.ts"),
      "--outfile",
      binary,
    ],
    { cwd: root, stdout: "pipe", stderr: "pipe" },
  );
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`bun build --compile failed (${code}): ${stderr}${stdout}`);
  return binary;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, owned by someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
