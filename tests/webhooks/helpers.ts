import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storedEvents } from "../support/events";
import { createTestApp, type TestApp } from "../support/test-app";

/**
 * Fast retry schedule so a whole retry series fits in a test: 20 ms, 80 ms, 320 ms… The timeout stays
 * generous: on a loaded machine a healthy loopback answer can take longer than 300 ms, and a spurious
 * timeout adds an attempt that tests counting attempts would see. Tests of timeouts set their own.
 */
export const FAST_ENV = {
  WEBHOOK_RETRY_BASE_MS: "20",
  WEBHOOK_TIMEOUT_MS: "5000",
  WEBHOOK_MAX_ATTEMPTS: "4",
  WEBHOOK_LEASE_MS: "2000",
};

/**
 * These suites deliver to receivers on 127.0.0.1, which the address policy refuses by default; the
 * policy's own tests (ssrf.test.ts) turn it back on with `WEBHOOK_ALLOW_PRIVATE: "false"`.
 */
export const LOOPBACK_RECEIVERS = { WEBHOOK_ALLOW_PRIVATE: "true" };

export type Hook = { id: number; secret: string; connectionId: number };

/**
 * A test app with a sandbox connection; the dispatcher is started unless `start` is false. `thread: true`
 * puts the database in a file and sets WEBHOOK_WORKER, so the dispatcher runs in its own Worker.
 */
export async function setupApp(
  env: Record<string, string> = {},
  opts: {
    start?: boolean;
    clock?: () => number;
    resolve?: (host: string) => Promise<string[]>;
    thread?: boolean;
    /** `sqlite`: on SQLite whatever STORE says (a test of a SQLite-only mechanism). */
    store?: "sqlite";
  } = {},
) {
  const dir = opts.thread ? mkdtempSync(join(tmpdir(), "chasqui-thread-")) : undefined;
  const t = createTestApp(
    { ...FAST_ENV, ...LOOPBACK_RECEIVERS, ...(opts.thread ? { WEBHOOK_WORKER: "true" } : {}), ...env },
    {
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.resolve ? { resolve: opts.resolve } : {}),
      ...(dir ? { databasePath: join(dir, "chasqui.sqlite") } : {}),
      ...(opts.store ? { store: opts.store } : {}),
    },
  );
  if (dir) {
    const dispose = t[Symbol.asyncDispose].bind(t);
    t[Symbol.asyncDispose] = async () => {
      await dispose();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const conn = await t.sandbox("WhatsApp Principal", "595981234567");
  if (opts.start !== false) t.dispatcher.start();
  return { t, conn };
}

export async function addHook(
  t: TestApp,
  connectionId: number,
  url: string,
  extra: Record<string, unknown> = {},
) {
  const r = await t.post(`/api/v1/connections/${connectionId}/webhooks`, { url, ...extra });
  if (r.status !== 201) throw new Error(`creating webhook failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Hook;
}

let counter = 0;
/** Injects an inbound message from a new number (3 events: contact_created, ticket_created, message_received). */
export async function inbound(t: TestApp, connectionId: number, body = "hola", number?: string) {
  counter++;
  const r = await t.post(`/api/v1/connections/${connectionId}/sandbox/inbound`, {
    number: number ?? `5959${String(10_000_000 + counter).slice(-8)}`,
    body,
    name: "Cliente",
  });
  if (r.status >= 300) throw new Error(`inbound failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { messageId: string; ticketId: number; contactId: number };
}

export type DeliveryWire = {
  id: number;
  eventId: string;
  event: string;
  webhookId: number;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
};

export async function deliveries(t: TestApp, query = "") {
  const r = await t.get(`/api/v1/webhooks/deliveries?limit=100&${query}`);
  if (r.status !== 200) throw new Error(`listing deliveries failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.deliveries as DeliveryWire[];
}

/** Rows by status straight from the table (includes `delivering`), on the app's store. */
export async function statusCounts(t: TestApp) {
  const rows = await t.rows<{ status: string; n: number }>(
    "select status, count(*) as n from webhook_deliveries group by status",
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
}

/** The ids of the stored events, in creation (`seq`) order, of one connection when given. */
export async function storedEventIds(t: TestApp, connectionId?: number): Promise<string[]> {
  return (await storedEvents(t, connectionId === undefined ? {} : { connectionId })).map((e) => e.id);
}
