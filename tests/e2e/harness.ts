import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild } from "../support/child-server";
import { waitFor } from "../support/test-app";
import { type FakeWhatsApp, startFakeWhatsApp } from "../wasim/fake-whatsapp";

const root = join(import.meta.dir, "../..");

/**
 * The real Chasqui server as a child process wired to a fake WhatsApp server, with a webhook receiver that
 * records every delivery. Only WA_WS_URL, the test-root preload and NODE_EXTRA_CA_CERTS (media over HTTPS)
 * differ from production.
 */
export async function startE2E(opts: { token: string; env?: Record<string, string> }) {
  const wa: FakeWhatsApp = await startFakeWhatsApp();
  const dataDir = mkdtempSync(join(tmpdir(), "chasqui-e2e-"));
  const hooks: any[] = [];
  const receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (req) => {
      hooks.push(await req.json());
      return new Response("ok");
    },
  });
  const launch = () =>
    startChild(
      ["bun", "--preload", join(root, "tests/wasim/trust-test-root.ts"), join(root, "src/cli.ts"), "serve"],
      {
        DATA_DIR: dataDir,
        API_TOKEN: opts.token,
        WA_WS_URL: wa.wsUrl,
        NODE_EXTRA_CA_CERTS: wa.certificate.certPath,
        WEBHOOK_RETRY_BASE_MS: "50",
        ...opts.env,
      },
    );
  let chasqui = await launch();

  const e2e = {
    wa,
    dataDir,
    hooks,
    receiverUrl: `http://127.0.0.1:${receiver.port}/hook`,
    get chasqui() {
      return chasqui;
    },
    async api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
      const headers: Record<string, string> = { authorization: `Bearer ${opts.token}` };
      let payload: BodyInit | undefined;
      if (body instanceof FormData) payload = body;
      else if (body !== undefined) {
        payload = JSON.stringify(body);
        headers["content-type"] = "application/json";
      }
      const res = await fetch(`${chasqui.url}${path}`, { method, headers, body: payload });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    hook(event: string, pred: (data: any) => boolean = () => true, timeoutMs = 15_000) {
      return waitFor(() => hooks.find((h) => h.event === event && pred(h.data)), {
        timeoutMs,
        message: `webhook ${event}`,
      });
    },
    /** Stops the server with SIGTERM (expecting a clean exit) and starts it again on the same data. */
    async restart(): Promise<number | null> {
      chasqui.proc.kill("SIGTERM");
      const code = await chasqui.proc.exited;
      chasqui = await launch();
      return code;
    },
    async close() {
      if (process.env.E2E_DEBUG) console.log(chasqui.stdout(), chasqui.stderr());
      chasqui.proc.kill("SIGTERM");
      await chasqui.proc.exited;
      receiver.stop(true);
      await wa.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return e2e;
}

export type E2E = Awaited<ReturnType<typeof startE2E>>;
