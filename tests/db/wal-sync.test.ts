// The group commit's fsync off the event loop (DB_ASYNC_FSYNC): the SQLite store on a real file database, with the
// WAL fsync replaced by one the test holds or fails.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import { createSqliteStore, type SqliteStore } from "../../src/db/store";
import { createWalSyncer } from "../../src/db/wal-sync";
import { waitFor } from "../support/test-app";

type HeldSync = { calls: number; release(): void; fail(err: Error): void };

/** A store whose fsyncs wait until the test releases (or fails) them; `commitMark` is the events' max seq. */
function openStore() {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-walsync-"));
  const path = join(dir, "chasqui.sqlite");
  const db = openDatabase(path);
  migrate(db);
  const waiting: PromiseWithResolvers<void>[] = [];
  const held: HeldSync = {
    calls: 0,
    release: () => {
      for (const w of waiting.splice(0)) w.resolve();
    },
    fail: (err) => {
      for (const w of waiting.splice(0)) w.reject(err);
    },
  };
  const realSyncs: string[] = [];
  const walSync = createWalSyncer(`${path}-wal`, async (handle: FileHandle) => {
    held.calls++;
    const w = Promise.withResolvers<void>();
    waiting.push(w);
    await w.promise;
    await handle.sync();
    realSyncs.push("synced");
  });
  const maxSeq = db.$client.query<{ seq: number | null }, []>("select max(seq) as seq from events");
  const store: SqliteStore = createSqliteStore(db, {
    path,
    walSync,
    commitMark: () => maxSeq.get()?.seq ?? 0,
  });
  return {
    db,
    store,
    held,
    realSyncs,
    pending: () => waiting.length,
    async [Symbol.asyncDispose]() {
      held.release();
      await store.close();
      db.$client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const now = new Date("2026-12-02T10:00:00Z");
const event = (n: number) => ({ typeCode: 1, data: Buffer.from([n]), createdAt: now });

test("a committed batch answers its callers and runs its afterCommit callbacks only once its fsync is done", async () => {
  await using s = openStore();
  const { store, held } = s;
  const { tags, events } = store.t;
  const before = store.durableMark();
  let heard = false;
  const write = store.write(async (q) => {
    await q.insert(tags).values({ name: "a", color: "a", createdAt: now, updatedAt: now });
    await q.insert(events).values(event(1));
    store.afterCommit(() => {
      heard = true;
    });
    return "stored";
  });
  let answered = false;
  void write.then(() => {
    answered = true;
  });
  await waitFor(() => s.pending() === 1);
  // Committed (another connection sees it), but nobody is told while the fsync is held.
  expect(s.db.$client.query("select count(*) as n from tags").get()).toEqual({ n: 1 });
  expect(s.db.$client.inTransaction).toBe(false);
  await new Promise(setImmediate); // a turn for anything that would wrongly settle now
  expect(answered).toBe(false);
  expect(heard).toBe(false);
  expect(store.durableMark()).toBe(before);

  // The writer is free meanwhile: the next batch commits and waits for an fsync of its own.
  const next = store.write(async (q) => q.insert(events).values(event(2)).returning({ seq: events.seq }));
  await waitFor(
    () => s.db.$client.query<{ n: number }, []>("select count(*) as n from events").get()!.n === 2,
  );
  expect(answered).toBe(false);

  held.release();
  expect(await write).toBe("stored");
  expect(heard).toBe(true);
  await waitFor(() => s.pending() === 1); // the second batch's fsync began after its COMMIT: held again
  expect(store.durableMark()).toBe(before + 1);
  held.release();
  const [{ seq }] = (await next) as [{ seq: number }];
  expect(store.durableMark()).toBe(seq);
  expect(s.realSyncs.length).toBe(2);
});

test("every batch, the first too, commits without the fsync (NORMAL) and the connection is FULL again after it", async () => {
  await using s = openStore();
  const { store, held } = s;
  const { tags } = store.t;
  const level = () => s.db.$client.prepare("PRAGMA synchronous").get() as { synchronous: number };
  const seen: number[] = [];
  for (const name of ["a", "b", "c"]) {
    const write = store.write(async (q) => {
      await q.insert(tags).values({ name, color: name, createdAt: now, updatedAt: now });
      seen.push(level().synchronous);
    });
    await waitFor(() => s.pending() === 1);
    expect(level().synchronous).toBe(2);
    held.release();
    await write;
  }
  expect(seen).toEqual([1, 1, 1]);
});

test("batches committed while an fsync runs share the next one", async () => {
  await using s = openStore();
  const { store, held } = s;
  const { events } = store.t;
  const first = store.write(async (q) => q.insert(events).values(event(1)));
  await waitFor(() => s.pending() === 1);
  // Three more batches (one per turn) commit while the first fsync is held.
  const later: Promise<unknown>[] = [];
  for (let i = 0; i < 3; i++) {
    later.push(store.write(async (q) => q.insert(events).values(event(10 + i))));
    await waitFor(
      () => s.db.$client.query<{ n: number }, []>("select count(*) as n from events").get()!.n === 2 + i,
    );
  }
  held.release();
  await first;
  await waitFor(() => s.pending() === 1);
  held.release();
  await Promise.all(later);
  expect(held.calls).toBe(2);
});

test("a failed fsync fails its batch with a 503 error, and the store takes no more writes", async () => {
  await using s = openStore();
  const { store, held } = s;
  const { tags } = store.t;
  const before = store.durableMark();
  const write = store.write(async (q) =>
    q.insert(tags).values({ name: "lost", color: "x", createdAt: now, updatedAt: now }),
  );
  await waitFor(() => s.pending() === 1);
  held.fail(Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" }));
  const err = (await write.catch((e: unknown) => e)) as { code?: string; status?: number; cause?: Error };
  expect(err.code).toBe("ERR_SERVICE_UNAVAILABLE");
  expect(err.status).toBe(503);
  expect(err.cause?.message).toContain("EIO");
  expect(store.failure()).toBe(err as unknown as Error);
  expect(store.durableMark()).toBe(before);
  const refused = await store
    .write(async (q) => q.insert(tags).values({ name: "after", color: "y", createdAt: now, updatedAt: now }))
    .catch((e: unknown) => e);
  expect(refused).toBe(err);
  // The failed batch's row is in the WAL (it may or may not survive a power cut); the refused write is not.
  expect(s.db.$client.query("select name from tags").all()).toEqual([{ name: "lost" }]);
});
