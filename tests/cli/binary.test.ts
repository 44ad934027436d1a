import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledBinary } from "../support/binary";
import { startChild } from "../support/child-server";
import { waitFor } from "../support/test-app";
import { startReceiver } from "../webhooks/receiver";

const work = mkdtempSync(join(tmpdir(), "chasqui-bin-"));
let binary = "";

beforeAll(async () => {
  binary = await compiledBinary();
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[], env: Record<string, string>) => {
  // Run from an empty directory: the binary must never read ./drizzle or anything else from the tree.
  const r = Bun.spawnSync([binary, ...args], {
    cwd: work,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
};

describe("the compiled binary", () => {
  test("manages tokens from the command line", () => {
    const env = { DATA_DIR: join(work, "cli-data") };
    const created = run(["token", "create", "--name", "ci", "--scope", "admin"], env);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^chq_[A-Za-z0-9_-]{43}$/);
    const list = run(["token", "list"], env);
    expect(list.stdout).toContain(`admin\t…${token.slice(-4)}\tactive\tci`);
    expect(run(["token", "revoke", "1"], env).code).toBe(0);
    expect(run(["token", "list"], env).stdout).toContain("revoked");
    expect(run(["token", "revoke", "99"], env).code).toBe(1);
    expect(run(["token", "create"], env).code).toBe(2);
  }, 30_000);

  test("refuses an invalid configuration with a clear message", () => {
    const r = run(["serve"], { DATA_DIR: join(work, "bad"), PORT: "not-a-port" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("PORT");
  }, 30_000);

  test("serves with embedded migrations, delivers webhooks from its dispatcher thread, answers the ticket list from its HTTP read thread, prints the first admin token, and exits cleanly on SIGTERM", async () => {
    await using receiver = startReceiver();
    const child = await startChild([binary, "serve"], {
      DATA_DIR: join(work, "serve-data"),
      WEBHOOK_ALLOW_PRIVATE: "true",
      WEBHOOK_WORKER: "true",
      HTTP_READ_THREADS: "1",
    });
    const health = await fetch(`${child.url}/health`);
    expect(await health.json()).toMatchObject({ status: "ok" });
    const token = /Bearer (chq_\S+)/.exec(child.stderr())?.[1] ?? (await waitForToken(child.stderr));
    const conn = await fetch(`${child.url}/api/v1/connections`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Sandbox", driver: "sandbox", number: "595981234567" }),
    });
    expect(conn.status).toBe(201);
    const hook = await fetch(
      `${child.url}/api/v1/connections/${((await conn.json()) as { id: number }).id}/webhooks`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ url: receiver.url, events: ["message_sent"] }),
      },
    );
    expect(hook.status).toBe(201);
    const sent = await fetch(`${child.url}/api/v1/send`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ number: "595991234567", body: "hola desde el binario" }),
    });
    expect(sent.status).toBe(201);
    // The worker's entry is inside the binary: the delivery arrives, signed.
    await waitFor(() => receiver.requests.length === 1, { message: "webhook delivered by the binary" });
    receiver.verify(receiver.requests[0]!, ((await hook.json()) as { secret: string }).secret);
    // The read thread's entry is inside the binary too: the ticket list is answered by its thread (the token's
    // first use there wants a lastUsedAt write, which the main thread answers; the second is the thread's own).
    await waitFor(
      async () =>
        ((await (await fetch(`${child.url}/health/ready`)).json()) as { readFront: { running: number } })
          .readFront.running === 1,
      { message: "the read thread is ready" },
    );
    for (let i = 0; i < 2; i++) {
      const list = await fetch(`${child.url}/api/v1/tickets`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(list.status).toBe(200);
      expect(((await list.json()) as { count: number }).count).toBe(1);
    }
    const metrics = await (
      await fetch(`${child.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    expect(metrics).toContain(
      'chasqui_http_requests_total{method="GET",route="/api/v1/tickets",status="200",thread="front-1"} 1',
    );
    child.proc.kill("SIGTERM");
    expect(await child.proc.exited).toBe(0);
    expect(child.stdout()).toContain('"msg":"stopped"');
  }, 30_000);
});

async function waitForToken(stderr: () => string): Promise<string> {
  for (let i = 0; i < 1000; i++) {
    const m = /Bearer (chq_\S+)/.exec(stderr());
    if (m) return m[1]!;
    await Bun.sleep(5);
  }
  throw new Error(`no token printed: ${stderr()}`);
}
