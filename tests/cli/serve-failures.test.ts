import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../support/determinism";
import { waitFor } from "../support/test-app";

/**
 * `chasqui serve` facing a broken environment: what the operator sees is one clear line and a non-zero
 * exit when it cannot start, and a server that keeps serving when only its log output is broken.
 */
const root = join(import.meta.dir, "../..");
const cli = join(root, "src/cli.ts");
const work = mkdtempSync(join(tmpdir(), "chasqui-serve-fail-"));
chmodSync(work, 0o755);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TOKEN = "serve-failures-admin-token-0123456789";
const isRoot = process.getuid?.() === 0;
const hasSetpriv = Bun.which("setpriv") !== null;

/**
 * Runs `serve` to its exit; as root, through setpriv without the capabilities that bypass file permissions
 * (still uid 0, so a checkout only root can read stays readable), so a read-only directory is read-only.
 */
async function serveUntilExit(env: Record<string, string>, opts: { withoutDacCaps?: boolean } = {}) {
  const cmd = ["bun", cli, "serve"];
  const proc = Bun.spawn(
    opts.withoutDacCaps
      ? [
          "setpriv",
          "--bounding-set=-dac_override,-dac_read_search,-fowner",
          "--inh-caps=-dac_override,-dac_read_search,-fowner",
          ...cmd,
        ]
      : cmd,
    {
      cwd: work,
      env: { ...process.env, HOME: work, HOST: "127.0.0.1", LOG_LEVEL: "warn", API_TOKEN: TOKEN, ...env },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const killer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  clearTimeout(killer);
  return { code, stdout, stderr };
}

/** One line, naming the problem, no stack trace. */
function expectOneClearLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split("\n");
  expect({ lines: lines.length, text: stderr.trim() }).toEqual({
    lines: 1,
    text: expect.stringMatching(pattern),
  });
  expect(stderr).not.toMatch(/\bat .+:\d+:\d+|\^|SQLiteError|Bun v\d/);
}

describe("serve refuses to start with one clear line", () => {
  test("a DATA_DIR that cannot be created", async () => {
    writeFileSync(join(work, "a-file"), "not a directory");
    const r = await serveUntilExit({ DATA_DIR: join(work, "a-file", "data"), PORT: "0" });
    expect(r.code).not.toBe(0);
    expectOneClearLine(r.stderr, /DATA_DIR .*a-file\/data.* cannot be created/);
  });

  test.skipIf(isRoot && !hasSetpriv)("a read-only DATA_DIR", async () => {
    const dir = join(work, "read-only");
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    const r = await serveUntilExit({ DATA_DIR: dir, PORT: "0" }, { withoutDacCaps: isRoot });
    expect(r.code).not.toBe(0);
    expectOneClearLine(r.stderr, /DATA_DIR .*read-only.* is not writable/);
  });

  test("a port already in use", async () => {
    const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const r = await serveUntilExit({ DATA_DIR: join(work, "port-data"), PORT: String(taken.port) });
      expect(r.code).not.toBe(0);
      expectOneClearLine(r.stderr, new RegExp(`port ${taken.port} .*already in use`));
    } finally {
      taken.stop(true);
    }
  });
});

test("a log stream that fails every write (stdout on a full disk) never stops the server", async () => {
  // Every write to /dev/full fails with ENOSPC, like a log file on a full disk.
  const full = openSync("/dev/full", "w");
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = Bun.spawn(["bun", cli, "serve"], {
    env: {
      ...process.env,
      DATA_DIR: join(work, "full-log-data"),
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "debug",
      API_TOKEN: TOKEN,
    },
    stdout: full,
    stderr: "pipe",
  });
  closeSync(full);
  try {
    await waitFor(() => fetch(`${base}/health`).then((r) => r.ok), {
      timeoutMs: 15_000,
      message: "server up",
    });
    const api = (path: string, json?: unknown) =>
      fetch(`${base}${path}`, {
        method: json === undefined ? "GET" : "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
    expect(
      (await api("/api/v1/connections", { name: "S", driver: "sandbox", number: "595981000500" })).status,
    ).toBe(201);
    expect((await api("/api/v1/send", { number: "595991000501", body: "hola" })).status).toBe(201);
    expect((await api("/api/v1/nope")).status).toBe(404);
    const health: any = await (await fetch(`${base}/health`)).json();
    expect(health.status).toBe("ok");
    expect(health.logWriteErrors).toBeGreaterThan(0);
    expect(proc.exitCode).toBeNull();
  } finally {
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  }
}, 30_000);
