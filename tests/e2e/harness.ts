import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ApiAnswer, callApi, SERVE_FROM_SOURCE, startChild } from "../support/child-server";
import { createMigratedDatabase } from "../support/postgres";
import { matrixStore } from "../support/store-matrix";
import { waitFor } from "../support/test-app";
import { type FakeWhatsApp, type SimAccount, startFakeWhatsApp } from "../wasim/fake-whatsapp";

/**
 * The real Chasqui server as a child process wired to a fake WhatsApp server, with a webhook receiver that
 * records every delivery. Only WA_WS_URL, the test-root preload and NODE_EXTRA_CA_CERTS (media over HTTPS)
 * differ from production. With STORE=postgres (`bun run test:pg`) the server runs with DATABASE_URL on a migrated
 * database of its own on the test PostgreSQL.
 */
export async function startE2E(opts: {
  token: string;
  env?: Record<string, string>;
  /** `sqlite`: on SQLite whatever STORE says (a test of something only a SQLite server does). */
  store?: "sqlite";
}) {
  const wa: FakeWhatsApp = await startFakeWhatsApp();
  const dataDir = mkdtempSync(join(tmpdir(), "chasqui-e2e-"));
  const pg =
    matrixStore() === "postgres" && opts.store !== "sqlite" ? await createMigratedDatabase() : undefined;
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
    startChild(SERVE_FROM_SOURCE, {
      DATA_DIR: dataDir,
      API_TOKEN: opts.token,
      WA_WS_URL: wa.wsUrl,
      NODE_EXTRA_CA_CERTS: wa.certificate.certPath,
      WEBHOOK_RETRY_BASE_MS: "50",
      WEBHOOK_ALLOW_PRIVATE: "true",
      ...(pg ? { DATABASE_URL: pg.url } : {}),
      ...opts.env,
    });
  let chasqui = await launch();

  const e2e = {
    wa,
    dataDir,
    /** STORE=postgres: the server's PostgreSQL database (DATABASE_URL); undefined on SQLite. */
    pg,
    /**
     * The rows of one SQL statement both dialects accept, on the server's store: its SQLite file (read-only), or its
     * PostgreSQL database under STORE=postgres.
     */
    async rows<T = Record<string, unknown>>(text: string): Promise<T[]> {
      if (pg) return [...((await pg.sql.unsafe(text)) as T[])];
      const db = new Database(join(dataDir, "chasqui.sqlite"), { readonly: true });
      try {
        return db.query(text).all() as T[];
      } finally {
        db.close();
      }
    },
    hooks,
    receiverUrl: `http://127.0.0.1:${receiver.port}/hook`,
    get chasqui() {
      return chasqui;
    },
    api(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
      return callApi(chasqui.url, opts.token, method, path, body);
    },
    hook(event: string, pred: (data: any) => boolean = () => true, timeoutMs = 15_000) {
      return waitFor(() => hooks.find((h) => h.event === event && pred(h.data)), {
        timeoutMs,
        message: `webhook ${event}`,
      });
    },
    /** Stops the server with SIGTERM (expecting a clean exit) and starts it again on the same data. */
    async restart(): Promise<number | null> {
      const code = await e2e.stop();
      await e2e.start();
      return code;
    },
    /** Stops the server with SIGTERM; `start()` brings it back on the same data. */
    async stop(): Promise<number | null> {
      chasqui.proc.kill("SIGTERM");
      return chasqui.proc.exited;
    },
    async start() {
      chasqui = await launch();
    },
    /** Creates a baileys connection with a webhook to the receiver and links `phone` to it by QR. */
    async link(phone: SimAccount, name: string, settings: Record<string, unknown> = {}): Promise<number> {
      const created = await e2e.api("POST", "/api/v1/connections", { name, ...settings });
      if (created.status !== 201) throw new Error(`creating the connection: ${JSON.stringify(created.body)}`);
      const id = created.body.id as number;
      await e2e.api("POST", `/api/v1/connections/${id}/webhooks`, {
        url: `http://127.0.0.1:${receiver.port}/hook`,
      });
      const qr = await waitFor(async () => {
        const r = await e2e.api("GET", `/api/v1/connections/${id}/qrcode`);
        return r.body.status === "qrcode" && r.body.qrcode ? (r.body.qrcode as string) : null;
      });
      await phone.scanQr(qr);
      await e2e.connected(id);
      return id;
    },
    /** Waits until the connection is CONNECTED. */
    connected(id: number) {
      return waitFor(
        async () => (await e2e.api("GET", `/api/v1/connections/${id}`)).body.status === "CONNECTED",
        { timeoutMs: 20_000, message: `connection ${id} CONNECTED` },
      );
    },
    /** Every webhook of an event, in arrival order. */
    hooksOf(event: string, pred: (data: any) => boolean = () => true) {
      return hooks.filter((h) => h.event === event && pred(h.data));
    },
    async close() {
      if (process.env.E2E_DEBUG) console.log(chasqui.stdout(), chasqui.stderr());
      chasqui.proc.kill("SIGTERM");
      await chasqui.proc.exited;
      receiver.stop(true);
      await wa.stop();
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return e2e;
}

export type E2E = Awaited<ReturnType<typeof startE2E>>;
