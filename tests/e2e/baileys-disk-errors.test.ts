import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { waitFor } from "../support/test-app";
import { filterLibsignalSessionChurnLogs } from "../wasim/sim-signal-device";
import { type E2E, startE2E } from "./harness";

/**
 * A disk that refuses writes while Baileys saves its credentials (busy, full): the server logs it,
 * keeps serving, and saves them once the disk is back. Baileys' creds.update handler used to leave the
 * rejection unhandled, and that killed the process.
 */
const TOKEN = "e2e-disk-errors-token-0123456789";
const PHONE = "595981000400";

filterLibsignalSessionChurnLogs();
setDefaultTimeout(40_000);

let e2e: E2E;
beforeAll(async () => {
  // SQLite only (on SQLite under STORE=postgres too): on PostgreSQL the session keys are rows written under the
  // connection's lease (tests/cluster/pg-auth-state.test.ts), nothing goes to DATA_DIR.
  e2e = await startE2E({
    token: TOKEN,
    env: { LOG_LEVEL: "info", WA_RECONNECT_BASE_MS: "50" },
    store: "sqlite",
  });
}, 40_000);
afterAll(() => e2e?.close());

test("SQLite: failing credential saves are logged and retried; the process stays up and serves", async () => {
  const phone = e2e.wa.createAccount(PHONE, "Helpdesk");
  const created = await e2e.api("POST", "/api/v1/connections", { name: "Disco" });
  const id = created.body.id as number;
  // Every write of the creds row fails from now on, as on a full disk.
  const db = new Database(join(e2e.dataDir, "chasqui.sqlite"));
  // The server writes at the same time (the new connection's session): wait for its lock as it waits for ours.
  db.run("PRAGMA busy_timeout = 5000");
  for (const op of ["INSERT", "UPDATE"]) {
    db.run(`CREATE TRIGGER creds_fail_${op} BEFORE ${op} ON wa_auth WHEN NEW.type = 'creds'
            BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END`);
  }
  const qr = await waitFor(async () => {
    const r = await e2e.api("GET", `/api/v1/connections/${id}/qrcode`);
    return r.body.status === "qrcode" && r.body.qrcode ? (r.body.qrcode as string) : null;
  });
  await phone.scanQr(qr);
  await waitFor(() => /saving WhatsApp credentials failed/.test(e2e.chasqui.stdout()), {
    timeoutMs: 15_000,
    message: "the failed save logged",
  });
  expect(e2e.chasqui.proc.exitCode).toBeNull();
  expect((await fetch(`${e2e.chasqui.url}/health`)).status).toBe(200);

  // The disk is back: a retry saves the linked device's credentials.
  db.run("DROP TRIGGER creds_fail_INSERT");
  db.run("DROP TRIGGER creds_fail_UPDATE");
  const saved = await waitFor(
    () =>
      db
        .query<{ value: string }, [number]>(
          "select value from wa_auth where connection_id = ? and type = 'creds' and key_id = 'creds'",
        )
        .get(id),
    { timeoutMs: 15_000, message: "creds saved after the disk came back" },
  );
  expect(JSON.parse(saved.value).me?.id).toBeString();
  db.close();
  expect(e2e.chasqui.proc.exitCode).toBeNull();
  expect(e2e.chasqui.stderr()).not.toMatch(/Unhandled|uncaught/i);
});
