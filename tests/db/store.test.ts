import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { asc, eq } from "drizzle-orm";
import { HeldTransactionError, ONE_SNAPSHOT, type Query, uniqueViolation } from "../../src/db/store";
import { LOCK_TRY_MS } from "../../src/db/store/sqlite-store";
import { describeStores, openTestStore } from "../support/stores";

const names = (rows: { name: string }[]) => rows.map((r) => r.name);
const now = new Date(1_700_000_000_000);

describeStores("Store", (dialect) => {
  test("a read while a write is open sees none of its rows; a read after it resolves sees them", async () => {
    await using s = await openTestStore(dialect);
    const { store } = s;
    const { tags } = store.t;
    let seenInside: string[] = [];
    await store.write(async (q) => {
      await q.insert(tags).values({ name: "vip", color: "#fff", createdAt: now, updatedAt: now });
      // Another request reading meanwhile.
      seenInside = names(await store.read((r) => r.select({ name: tags.name }).from(tags)));
      // The body itself sees its own write.
      expect(names(await q.select({ name: tags.name }).from(tags))).toEqual(["vip"]);
    });
    expect(seenInside).toEqual([]);
    expect(names(await store.read((r) => r.select({ name: tags.name }).from(tags)))).toEqual(["vip"]);
  });

  test("a failing write rolls back alone and passes its error on", async () => {
    await using s = await openTestStore(dialect);
    const { store } = s;
    const { tags } = store.t;
    const add = (name: string, fail = false) =>
      store.write(async (q) => {
        await q.insert(tags).values({ name, color: name, createdAt: now, updatedAt: now });
        if (fail) throw new Error(`no ${name}`);
        return name;
      });
    const results = await Promise.allSettled([add("a"), add("b", true), add("c")]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe("no b");
    const rows = await store.read((q) => q.select({ name: tags.name }).from(tags).orderBy(asc(tags.name)));
    expect(names(rows)).toEqual(["a", "c"]);
  });

  test("a body that throws before its first await is a rejection of read and write", async () => {
    await using s = await openTestStore(dialect);
    const boom = (): Promise<never> => {
      throw new Error("boom");
    };
    await expect(s.store.read(boom)).rejects.toThrow("boom");
    await expect(s.store.write(boom)).rejects.toThrow("boom");
    // The store goes on.
    expect(await s.store.read((q) => q.select().from(s.store.t.tags))).toEqual([]);
  });

  test("a unique violation names its column on either store", async () => {
    await using s = await openTestStore(dialect);
    const { store } = s;
    const { tags } = store.t;
    const add = () =>
      store.write((q) =>
        q.insert(tags).values({ name: "vip", color: "#fff", createdAt: now, updatedAt: now }).returning(),
      );
    await add();
    const err = await add().then(
      () => null,
      (e: unknown) => e,
    );
    expect(uniqueViolation(err)).toBe("name");
    expect(uniqueViolation(new Error("something else"))).toBeNull();
  });

  test("dates and nulls read back as written", async () => {
    await using s = await openTestStore(dialect);
    const { store } = s;
    const { queues } = store.t;
    const [row] = await store.write((q) =>
      q
        .insert(queues)
        .values({ name: "Soporte", color: "#4CAF50", createdAt: now, updatedAt: now })
        .returning(),
    );
    const [read] = await store.read((q) => q.select().from(queues).where(eq(queues.id, row!.id)));
    expect(read).toEqual(row!);
    expect(read!.createdAt).toEqual(now);
    expect(read!.greetingMessage).toBeNull();
  });
});

describe("Store on sqlite", () => {
  test("a oneSnapshot read sees one state; a read that starts meanwhile sees the latest commit and ends that snapshot", async () => {
    await using s = await openTestStore("sqlite");
    const { store } = s;
    const { tags } = store.t;
    // Another connection, as the webhook thread's or a CLI command's: its commits land between the body's statements.
    const other = new Database(s.db!.$client.filename);
    other.run("PRAGMA busy_timeout = 5000");
    const add = (name: string) =>
      other.run("insert into tags (name, color, created_at, updated_at) values (?, '#000', 0, 0)", [name]);
    const read = (q: Query) => q.select({ name: tags.name }).from(tags).orderBy(asc(tags.name));
    // Nothing open on the reader: a truncating checkpoint is not held back by a read transaction.
    const readerIdle = () =>
      (other.query("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number }).busy === 0;
    add("a");

    const seen = await store.read(async (q) => {
      const first = names(await read(q));
      add("b");
      return [first, names(await read(q))];
    }, ONE_SNAPSHOT);
    expect(seen).toEqual([["a"], ["a"]]);
    // Without the option each statement sees the latest commit.
    const plain = await store.read(async (q) => {
      const first = names(await read(q));
      add("c");
      return [first, names(await read(q))];
    });
    expect(plain).toEqual([
      ["a", "b"],
      ["a", "b", "c"],
    ]);
    expect(readerIdle()).toBe(true);

    const overlapped = await store.read(async (q) => {
      const first = names(await read(q));
      add("d");
      // Another read starting now (here from inside the body; from another request's code alike) must not see the
      // state this body's snapshot began at.
      const meanwhile = names(await store.read(read));
      return [first, meanwhile, names(await read(q))];
    }, ONE_SNAPSHOT);
    expect(overlapped).toEqual([
      ["a", "b", "c"],
      ["a", "b", "c", "d"],
      ["a", "b", "c", "d"],
    ]);
    expect(readerIdle()).toBe(true);

    await expect(
      store.read(async (q) => {
        await read(q);
        throw new Error("boom");
      }, ONE_SNAPSHOT),
    ).rejects.toThrow("boom");
    expect(readerIdle()).toBe(true);
    other.close();
  });

  test("writes run one at a time in call order, and writes of one turn share one commit", async () => {
    const batches: number[] = [];
    // The clock stands still: the batch's time budget (next test) never runs out here.
    await using s = await openTestStore("sqlite", { observer: (b) => batches.push(b.jobs), now: () => 0 });
    const { store } = s;
    const { tags } = store.t;
    const order: number[] = [];
    let running = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.write(async (q) => {
          running++;
          expect(running).toBe(1);
          order.push(i);
          await q.insert(tags).values({ name: `t${i}`, color: `c${i}`, createdAt: now, updatedAt: now });
          await q.select().from(tags);
          running--;
        }),
      ),
    );
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const rows = await store.read((q) =>
      q.select({ id: tags.id, name: tags.name }).from(tags).orderBy(tags.id),
    );
    expect(names(rows)).toEqual(order.map((i) => `t${i}`));
    expect(batches).toEqual([20]);
  });

  test("a batch stops taking jobs once its bodies used its time, and the rest commit on a later turn", async () => {
    const batches: number[] = [];
    let clock = 0;
    await using s = await openTestStore("sqlite", {
      observer: (b) => batches.push(b.jobs),
      maxBatchMs: 5,
      now: () => clock,
    });
    const { store } = s;
    const { tags } = store.t;
    // Each body "takes" 2 ms: a batch takes jobs while its 5 ms last (0, 2, 4 → a third job starts at 4).
    // One tick per turn of the event loop.
    const turns: number[] = [];
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    tick();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.write(async (q) => {
          turns.push(turn);
          await q.insert(tags).values({ name: `t${i}`, color: `c${i}`, createdAt: now, updatedAt: now });
          clock += 2;
        }),
      ),
    );
    ticking = false;
    expect(batches).toEqual([3, 3, 3, 1]);
    const rows = await store.read((q) => q.select({ name: tags.name }).from(tags).orderBy(tags.id));
    expect(names(rows)).toEqual(Array.from({ length: 10 }, (_, i) => `t${i}`));
    // Each batch ran on a turn of its own: other work (a timer here, HTTP requests in the server) ran between them.
    expect(new Set(turns).size).toBe(4);
  });

  test("synchronous transactions of the same connection interleave with store writes", async () => {
    await using s = await openTestStore("sqlite");
    const { store, db } = s;
    const { tags } = store.t;
    const row = (name: string) => ({ name, color: name, createdAt: now, updatedAt: now });
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      jobs.push(store.write((q) => q.insert(tags).values(row(`store${i}`))));
      db!.transaction((tx) =>
        tx
          .insert(tags)
          .values(row(`sync${i}`))
          .run(),
      );
    }
    await Promise.all(jobs);
    const count = await store.read((q) => q.select().from(tags));
    expect(count.length).toBe(20);
  });

  test("when a batch cannot begin every job of it is rejected and nothing is stored", async () => {
    await using s = await openTestStore("sqlite");
    const { store, db } = s;
    const { tags } = store.t;
    // An open transaction on the writer connection makes the batch's BEGIN fail.
    db!.$client.run("BEGIN");
    const jobs = [0, 1].map((i) =>
      store
        .write((q) => q.insert(tags).values({ name: `x${i}`, color: "x", createdAt: now, updatedAt: now }))
        .then(
          () => "stored",
          (err: Error) => err.message,
        ),
    );
    expect(await Promise.all(jobs)).toEqual([
      "cannot start a transaction within a transaction",
      "cannot start a transaction within a transaction",
    ]);
    db!.$client.run("ROLLBACK");
    expect(await store.read((q) => q.select().from(tags))).toEqual([]);
  });

  test("a batch waits for another connection's write lock off the event loop, and commits once it is free", async () => {
    await using s = await openTestStore("sqlite");
    const { store, db } = s;
    const { tags } = store.t;
    // The webhook dispatcher thread's connection, in the middle of its own write.
    const other = new Database(db!.$client.filename);
    other.run("BEGIN IMMEDIATE");
    let stored = false;
    const write = store
      .write((q) => q.insert(tags).values({ name: "late", color: "x", createdAt: now, updatedAt: now }))
      .then(() => {
        stored = true;
      });
    // Timers run meanwhile (requests, in the server): the batch gave the lock up instead of sleeping in SQLite
    // for up to busy_timeout (5 s here, after which it would fail with SQLITE_BUSY).
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 1));
    expect(stored).toBe(false);
    other.run("COMMIT");
    other.close();
    await write;
    expect(names(await store.read((q) => q.select({ name: tags.name }).from(tags)))).toEqual(["late"]);
  });

  test(`after ${LOCK_TRY_MS} ms of tries a batch waits for the lock in SQLite, so a lock never freed fails it`, async () => {
    await using s = await openTestStore("sqlite", { busyTimeoutMs: 100 });
    const { store, db } = s;
    const { tags } = store.t;
    const other = new Database(db!.$client.filename);
    other.run("BEGIN IMMEDIATE");
    const write = store.write((q) =>
      q.insert(tags).values({ name: "never", color: "x", createdAt: now, updatedAt: now }),
    );
    await expect(write).rejects.toThrow("database is locked");
    other.run("ROLLBACK");
    other.close();
    // The store goes on.
    await store.write((q) =>
      q.insert(tags).values({ name: "after", color: "x", createdAt: now, updatedAt: now }),
    );
    expect(names(await store.read((q) => q.select({ name: tags.name }).from(tags)))).toEqual(["after"]);
  });

  test("a body that holds the transaction across an event-loop turn is rolled back with its batch", async () => {
    await using s = await openTestStore("sqlite");
    const { store } = s;
    const { tags } = store.t;
    const row = (name: string) => ({ name, color: name, createdAt: now, updatedAt: now });
    const held = store.write(async (q) => {
      await q.insert(tags).values(row("held"));
      await new Promise((r) => setTimeout(r, 0));
    });
    await expect(held).rejects.toBeInstanceOf(HeldTransactionError);
    expect(await store.read((q) => q.select().from(tags))).toEqual([]);
    // The store goes on.
    await store.write((q) => q.insert(tags).values(row("after")));
    expect(names(await store.read((q) => q.select({ name: tags.name }).from(tags)))).toEqual(["after"]);
  });
});

describe("Store on postgres", () => {
  test("a write that loses a deadlock runs again and both writes commit", async () => {
    await using s = await openTestStore("postgres");
    const { store } = s;
    const { tags } = store.t;
    const [a, b] = await store.write((q) =>
      q
        .insert(tags)
        .values([
          { name: "a", color: "a", createdAt: now, updatedAt: now },
          { name: "b", color: "b", createdAt: now, updatedAt: now },
        ])
        .returning(),
    );
    let runs = 0;
    const locked = { first: Promise.withResolvers<void>(), second: Promise.withResolvers<void>() };
    const swap = (one: number, other: number, mine: PromiseWithResolvers<void>, theirs: Promise<void>) =>
      store.write(async (q) => {
        runs++;
        await q
          .update(tags)
          .set({ color: `x${one}` })
          .where(eq(tags.id, one));
        mine.resolve();
        await theirs;
        await q
          .update(tags)
          .set({ color: `y${other}` })
          .where(eq(tags.id, other));
      });
    await Promise.all([
      swap(a!.id, b!.id, locked.first, locked.second.promise),
      swap(b!.id, a!.id, locked.second, locked.first.promise),
    ]);
    expect(runs).toBe(3);
    const rows = await store.read((q) => q.select({ id: tags.id }).from(tags));
    expect(rows.length).toBe(2);
  }, 60_000);
});
