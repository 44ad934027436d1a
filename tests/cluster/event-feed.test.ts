// The PostgreSQL event feed (§5.4) against real concurrent transactions: each writer is its own Bun.SQL client
// holding its transaction open until the test lets it commit.
import { describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { cursorAfterEvent, FEED_START, type FeedCursor, readEventFeed } from "../../src/cluster/event-feed";
import { createMigratedDatabase, type TestDatabase } from "../support/postgres";

type Writer = {
  /** Inserts an event in the open transaction; resolves with its seq. */
  insert(tag: string): Promise<number>;
  /** Takes a transaction id now (a write to another table), before any event; resolves with it. */
  takeXid(): Promise<bigint>;
  commit(): Promise<void>;
  close(): Promise<void>;
};

/** A transaction on its own connection, driven step by step. */
async function openWriter(db: TestDatabase): Promise<Writer> {
  const sql = new SQL({ url: db.url, max: 1 });
  const steps: {
    run: (tx: SQL) => Promise<unknown>;
    done: (v: unknown) => void;
    fail: (e: unknown) => void;
  }[] = [];
  let wake: () => void = () => {};
  let ending = false;
  const transaction = sql.begin(async (tx) => {
    for (;;) {
      const step = steps.shift();
      if (step) {
        try {
          step.done(await step.run(tx));
        } catch (err) {
          step.fail(err);
        }
        continue;
      }
      if (ending) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  });
  const run = <T>(fn: (tx: SQL) => Promise<T>) =>
    new Promise<T>((done, fail) => {
      steps.push({ run: fn, done: done as (v: unknown) => void, fail });
      wake();
    });
  return {
    insert: async (tag) =>
      Number(
        (
          (await run(
            (tx) => tx`insert into events (type_code, data) values (1, ${Buffer.from(tag)}) returning seq`,
          )) as { seq: unknown }[]
        )[0]!.seq,
      ),
    takeXid: async () => {
      await run((tx) => tx`insert into nodes (id) values (${`xid-${Math.random()}`})`);
      const [row] = (await run((tx) => tx`select pg_current_xact_id()::text as x`)) as { x: string }[];
      return BigInt(row!.x);
    },
    commit: async () => {
      ending = true;
      wake();
      await transaction;
    },
    // Ends the transaction if it is still open (a failed test), then the client.
    close: async () => {
      ending = true;
      wake();
      await transaction.catch(() => {});
      await sql.close();
    },
  };
}

const tags = (events: { data: Buffer }[]) => events.map((e) => e.data.toString());

/** Reads everything the feed returns now, following the cursor. */
async function drain(db: TestDatabase, cursor: FeedCursor) {
  const seen: { data: Buffer; seq: number }[] = [];
  for (;;) {
    const page = await readEventFeed(db.sql, cursor, { limit: 2 });
    seen.push(...page.events);
    cursor = page.next;
    if (page.events.length < 2) return { seen, cursor };
  }
}

/**
 * Reads until `count` events came (or 10 s passed; the caller's assertion then shows what is missing). Transaction
 * ids are cluster-wide: another transaction on the test server that took its id before a writer committed (an
 * autovacuum ANALYZE, another database's test) rightly holds those events back until it ends.
 */
async function drainAtLeast(db: TestDatabase, cursor: FeedCursor, count: number) {
  const deadline = Date.now() + 10_000;
  const seen: { data: Buffer; seq: number }[] = [];
  for (;;) {
    const r = await drain(db, cursor);
    seen.push(...r.seen);
    cursor = r.cursor;
    if (seen.length >= count || Date.now() > deadline) return { seen, cursor };
    await Bun.sleep(20);
  }
}

describe("event feed on PostgreSQL", () => {
  test("an event whose transaction commits after a later seq's is held back until it commits, then read, never skipped", async () => {
    await using db = await createMigratedDatabase();
    const t1 = await openWriter(db);
    const t2 = await openWriter(db);
    try {
      const s1 = await t1.insert("first by seq");
      const s2 = await t2.insert("second by seq");
      expect(s1).toBeLessThan(s2);
      await t2.commit(); // seq 2 is committed, seq 1 is not: reading by seq alone would pass 1 by for good

      let { seen, cursor } = await drain(db, FEED_START);
      expect(tags(seen)).toEqual([]); // t1 still runs and is older than t2: nothing can be final yet
      const naive = (await db.sql`select seq from events where seq > 0 order by seq`) as { seq: unknown }[];
      expect(naive.map((r) => Number(r.seq))).toEqual([s2]); // what a reader by seq would have taken

      await t1.commit();
      ({ seen, cursor } = await drainAtLeast(db, cursor, 2));
      expect(tags(seen)).toEqual(["first by seq", "second by seq"]);
      expect((await drain(db, cursor)).seen).toEqual([]);
    } finally {
      await t1.close();
      await t2.close();
    }
  }, 60_000);

  test("when the later transaction took its id first, its event is read first, and the other one still after it", async () => {
    await using db = await createMigratedDatabase();
    const older = await openWriter(db);
    const younger = await openWriter(db);
    try {
      await older.takeXid(); // the lower transaction id
      await younger.takeXid();
      const sYoung = await younger.insert("young");
      const sOld = await older.insert("old");
      expect(sYoung).toBeLessThan(sOld);
      await older.commit();
      let { seen, cursor } = await drainAtLeast(db, FEED_START, 1);
      expect(tags(seen)).toEqual(["old"]); // older transaction: final, though its seq is the higher one
      await younger.commit();
      ({ seen, cursor } = await drainAtLeast(db, cursor, 1));
      expect(tags(seen)).toEqual(["young"]); // a smaller seq after the cursor's: still read
      const resumed = await cursorAfterEvent(db.sql, sOld);
      expect(tags((await drainAtLeast(db, resumed!, 1)).seen)).toEqual(["young"]);
      expect(await cursorAfterEvent(db.sql, 999_999)).toBeUndefined();
    } finally {
      await older.close();
      await younger.close();
    }
  }, 60_000);

  test("transaction ids of different lengths keep their numeric order (999 before 1000), so none is skipped", async () => {
    await using db = await createMigratedDatabase();
    // Two writers whose ids straddle a power of ten: ids are burnt by subtransactions that write (each takes one).
    const nextXid = async () =>
      BigInt(
        ((await db.sql`select pg_snapshot_xmax(pg_current_snapshot())::text as x`) as { x: string }[])[0]!.x,
      );
    const first = await nextXid();
    let boundary = 10n ** BigInt(String(first).length);
    if (first > boundary - 60n) boundary *= 10n;
    const burnUntil = async (target: bigint, margin: number) => {
      for (let next = await nextXid(); next < target; next = await nextXid()) {
        const burn = Math.max(1, Number(target - next) - margin);
        await db.sql.unsafe(`do $$ begin
            for i in 1..${burn} loop
              begin insert into nodes (id) values ('burn'); raise exception 'undo'; exception when others then null; end;
            end loop;
            perform pg_current_xact_id();
          end $$`);
      }
    };
    // Transaction ids are the cluster's: other databases' writers may take some meanwhile, so the writer below the
    // boundary takes its id with a margin left, and the other takes its id once the next one is past the boundary.
    await burnUntil(boundary - 60n, 2);
    const below = await openWriter(db);
    const at = await openWriter(db);
    try {
      const belowXid = await below.takeXid();
      expect(belowXid).toBeLessThan(boundary);
      await burnUntil(boundary, 0);
      const atXid = await at.takeXid();
      // Fewer digits below: as text, "9…" sorts after "10…".
      expect(String(belowXid).length).toBeLessThan(String(atXid).length);
      await below.insert(`below ${boundary}`);
      await at.insert(`at ${boundary}`);
      await below.commit();
      await at.commit();
      const txIds = (await db.sql`select tx_id::text as t from events order by seq`) as { t: string }[];
      expect(txIds.map((r) => BigInt(r.t))).toEqual([belowXid, atXid]);
      const { seen } = await drain(db, FEED_START);
      expect(tags(seen)).toEqual([`below ${boundary}`, `at ${boundary}`]);
    } finally {
      await below.close();
      await at.close();
    }
  }, 60_000);

  test("four writers committing in shuffled order while a reader follows the feed: every event read exactly once", async () => {
    await using db = await createMigratedDatabase();
    const writers = await Promise.all(Array.from({ length: 4 }, () => openWriter(db)));
    let open = writers;
    try {
      const expected: string[] = [];
      let cursor = FEED_START;
      const seen: string[] = [];
      const read = async (atLeast = 0) => {
        const r = await drainAtLeast(db, cursor, atLeast);
        cursor = r.cursor;
        seen.push(...tags(r.seen));
      };
      // Rounds: every writer inserts a few events, interleaved, then they commit in a rotating order with
      // reads in between; new transactions are opened for the next round.
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 3; i++) {
          for (const [w, writer] of open.entries()) {
            const tag = `r${round}w${w}e${i}`;
            await writer.insert(tag);
            expected.push(tag);
          }
        }
        const order = open.map((_, i) => (i + round) % open.length).reverse();
        for (const i of order) {
          await open[i]!.commit();
          await read();
        }
        for (const w of open) await w.close();
        open = await Promise.all(open.map(() => openWriter(db)));
      }
      await read(expected.length - seen.length);
      expect(seen.sort()).toEqual(expected.sort());
      expect(new Set(seen).size).toBe(seen.length);
    } finally {
      // The last round's writers too: one left open would be cut off by the database's drop, in the next test.
      for (const w of [...writers, ...open]) await w.close().catch(() => {});
    }
  }, 60_000);

  test("one connection's events only, when asked", async () => {
    await using db = await createMigratedDatabase();
    await db.sql`insert into events (connection_id, type_code, data) values
      (1, 1, ${Buffer.from("a")}), (2, 1, ${Buffer.from("b")}), (1, 1, ${Buffer.from("c")})`;
    const page = await readEventFeed(db.sql, FEED_START, { limit: 10, connectionId: 1 });
    expect(tags(page.events)).toEqual(["a", "c"]);
    expect(page.events.map((e) => e.connectionId)).toEqual([1, 1]);
  }, 60_000);
});
