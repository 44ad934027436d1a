import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/logger";
import { createRuntime } from "../../src/server";

/**
 * `chasqui user create`: the first admin of a fresh install, created from the command line. Without a
 * terminal (a script, a pipe) it prints a generated one-time password, which then signs in.
 */
const root = join(import.meta.dir, "../..");
const cli = join(root, "src/cli.ts");
const work = mkdtempSync(join(tmpdir(), "chasqui-user-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(args: string[]) {
  const proc = Bun.spawn(["bun", cli, ...args], {
    cwd: work,
    env: { ...process.env, DATA_DIR: work, LOG_LEVEL: "warn" },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  proc.stdin.end();
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, stdout: stdout.trim(), stderr };
}

/** Signs in against the database the CLI wrote, through the real app. */
async function signIn(email: string, password: string) {
  const config = loadConfig({ DATA_DIR: work, LOG_LEVEL: "silent" });
  const runtime = createRuntime(config, createLogger("silent"));
  try {
    const res = await runtime.app.request("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    return { status: res.status, body: (await res.json()) as any };
  } finally {
    await runtime.close();
  }
}

test("user create --admin prints a one-time password that signs in as an admin; user password replaces it", async () => {
  const created = await run(["user", "create", "--admin", "--email", "Root@Example.com", "--name", "Root"]);
  expect(created.code).toBe(0);
  expect(created.stderr).toContain("created user #1 root@example.com (admin)");
  expect(created.stdout).toMatch(/^[A-Za-z0-9]{16}$/);
  const first = await signIn("root@example.com", created.stdout);
  expect(first.status).toBe(200);
  expect(first.body.user).toMatchObject({ name: "Root", role: "admin", hasPassword: true });

  const again = await run(["user", "create", "--admin", "--email", "root@example.com"]);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain("A user with this email already exists");

  const agent = await run(["user", "create", "--email", "ana@example.com"]);
  expect(agent.code).toBe(0);
  expect(agent.stderr).toContain("(agent)");
  const listed = await run(["user", "list"]);
  expect(listed.stdout.split("\n")).toEqual([
    "1\tadmin\tactive\troot@example.com\tRoot",
    "2\tagent\tactive\tana@example.com\tana",
  ]);

  const changed = await run(["user", "password", "--email", "root@example.com"]);
  expect(changed.code).toBe(0);
  expect(changed.stdout).toMatch(/^[A-Za-z0-9]{16}$/);
  expect((await signIn("root@example.com", created.stdout)).status).toBe(401);
  expect((await signIn("root@example.com", changed.stdout)).status).toBe(200);

  const noEmail = await run(["user", "create", "--admin"]);
  expect(noEmail.code).toBe(2);
  expect(noEmail.stderr).toContain("needs --email");
  const badRole = await run(["user", "create", "--email", "x@example.com", "--role", "owner"]);
  expect(badRole.code).toBe(2);
}, 120_000);
