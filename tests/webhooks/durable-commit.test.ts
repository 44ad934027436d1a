// DB_ASYNC_FSYNC through the HTTP app on a real file database: the group commit's fsync runs off the event loop,
// and nothing that tells the outside world of a write (the answer, the event feed, a webhook) happens before it is
// done. The fsync is the real one, held or failed by the test. SQLite only (the apps run on SQLite under
// STORE=postgres too): on PostgreSQL a commit is durable when COMMIT returns, and events are announced from the
// feed of committed rows (tests/cluster/pg-event-sink.test.ts).
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestApp, waitFor } from "../support/test-app";
import { FAST_ENV, LOOPBACK_RECEIVERS } from "./helpers";
import { startReceiver } from "./receiver";

/**
 * The WAL fsync passes through until `hold()`; then each waits until `proceed()` lets the waiting ones through
 * (still holding later ones), `release()` lets everything through, or `fail()` fails the waiting ones and every
 * later one.
 */
function heldFsync() {
  let mode: "pass" | "hold" | "fail" = "pass";
  let failure: Error | undefined;
  const waiting: PromiseWithResolvers<void>[] = [];
  return {
    hold: () => {
      mode = "hold";
    },
    proceed: () => {
      for (const w of waiting.splice(0)) w.resolve();
    },
    release: () => {
      mode = "pass";
      for (const w of waiting.splice(0)) w.resolve();
    },
    fail: (err: Error) => {
      mode = "fail";
      failure = err;
      for (const w of waiting.splice(0)) w.reject(err);
    },
    waiting: () => waiting.length,
    fsync: async (handle: FileHandle) => {
      if (mode === "fail") throw failure;
      if (mode === "hold") {
        const w = Promise.withResolvers<void>();
        waiting.push(w);
        await w.promise;
      }
      await handle.sync();
    },
  };
}

async function setup(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-durable-"));
  const sync = heldFsync();
  const t = createTestApp(
    { ...FAST_ENV, ...LOOPBACK_RECEIVERS, WEBHOOK_WORKER: "false", ...env },
    { databasePath: join(dir, "chasqui.sqlite"), walFsync: sync.fsync, store: "sqlite" },
  );
  const dispose = t[Symbol.asyncDispose].bind(t);
  t[Symbol.asyncDispose] = async () => {
    sync.release();
    await dispose();
    rmSync(dir, { recursive: true, force: true });
  };
  const conn = await t.sandbox("WhatsApp Principal", "595981234567");
  return { t, conn, sync };
}

const countEvents = (t: Awaited<ReturnType<typeof setup>>["t"]) =>
  t.db.$client.query<{ n: number }, []>("select count(*) as n from events").get()!.n;

/** A few turns of the event loop: what the inline dispatcher would do on a wake-up happens within them. */
const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise(setImmediate);
};

test("SQLite: an inbound message is answered, in the event feed and sent to webhooks only once its commit's fsync is done", async () => {
  await using r = startReceiver();
  const { t, conn, sync } = await setup();
  await using _t = t;
  const hook = await t.post(`/api/v1/connections/${conn.id}/webhooks`, { url: r.url });
  expect(hook.status).toBe(201);
  t.dispatcher.start();
  const before = countEvents(t);

  sync.hold();
  let answered = false;
  const posted = t
    .post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595991000001", body: "hola" })
    .then((res) => {
      answered = true;
      return res;
    });
  // Committed: contact, ticket and message events are in the table, their fsync waits.
  await waitFor(() => countEvents(t) === before + 3 && sync.waiting() > 0);
  t.dispatcher.wake();
  await turns();
  expect(answered).toBe(false);
  expect(t.services.eventFeed.after(before, { limit: 10 })).toEqual([]);
  const claimed = t.db.$client
    .query<{ n: number }, []>("select count(*) as n from webhook_deliveries where attempts > 0")
    .get()!.n;
  expect(claimed).toBe(0);
  expect(r.requests).toEqual([]);

  sync.release();
  const res = await posted;
  expect(res.status).toBe(201);
  expect(t.services.eventFeed.after(before, { limit: 10 }).map((e) => e.type)).toEqual([
    "contact_created",
    "ticket_created",
    "message_received",
  ]);
  await waitFor(() => r.requests.length === 3, { message: "3 deliveries after the fsync" });
});

test("SQLite: a failed fsync answers the write 503, makes the server not ready, and no later write is taken", async () => {
  const { t, conn, sync } = await setup();
  await using _t = t;
  expect((await t.get("/health/ready")).status).toBe(200);
  const before = countEvents(t);
  sync.hold();
  const posted = t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
    number: "595991000002",
    body: "hola",
  });
  await waitFor(() => countEvents(t) > before && sync.waiting() > 0);
  sync.fail(Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" }));
  const res = await posted;
  expect(res.status).toBe(503);
  expect((res.body as { error: string }).error).toBe("ERR_SERVICE_UNAVAILABLE");
  const ready = await t.get("/health/ready");
  expect(ready.status).toBe(503);
  expect((ready.body as { checks: { database: string } }).checks.database).toBe("error");
  sync.release();
  const again = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
    number: "595991000003",
    body: "otra",
  });
  expect(again.status).toBe(503);
});

test("SQLite: an event of a batch that committed while an earlier batch's fsync ran is announced after its own fsync, and delivered", async () => {
  await using r = startReceiver();
  const { t, conn, sync } = await setup();
  await using _t = t;
  expect((await t.post(`/api/v1/connections/${conn.id}/webhooks`, { url: r.url })).status).toBe(201);
  t.dispatcher.start();
  const heard: number[] = [];
  t.events.subscribe((e) => heard.push(e.seq));
  const before = countEvents(t);

  sync.hold();
  const first = t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
    number: "595991000011",
    body: "uno",
  });
  await waitFor(() => countEvents(t) === before + 3 && sync.waiting() > 0);
  // The second message's batch commits while the first one's fsync is held; its own fsync waits for that one.
  const second = t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
    number: "595991000012",
    body: "dos",
  });
  await waitFor(() => countEvents(t) === before + 6);
  await turns();
  expect(heard).toEqual([]);

  sync.proceed(); // the fsyncs waiting now: the second batch's begins after them, and is held
  expect((await first).status).toBe(201);
  await waitFor(() => sync.waiting() > 0);
  await turns();
  expect(heard).toEqual([before + 1, before + 2, before + 3]);
  expect(t.services.eventFeed.after(before, { limit: 10 }).length).toBe(3);

  sync.release();
  expect((await second).status).toBe(201);
  await waitFor(() => heard.length === 6);
  expect(heard).toEqual([1, 2, 3, 4, 5, 6].map((i) => before + i));
  expect(t.services.eventFeed.after(before, { limit: 10 }).length).toBe(6);
  await waitFor(() => r.requests.length === 6, { message: "6 deliveries" });
});
