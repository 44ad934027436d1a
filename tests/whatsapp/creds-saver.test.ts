// The credentials saver with asynchronous writes (PostgreSQL's fenced auth state): one write at a time, the
// latest state last, no retry of a write that found the connection's lease lost. Writes are plain functions
// recording what they were given; the retry delay is 0 so a retry is a condition to wait for, not a time.
// flush() tells whether a retry is pending (it writes only then).
import { describe, expect, test } from "bun:test";
import { LeaseLost } from "../../src/cluster/leases";
import { createLogger } from "../../src/logger";
import { createCredsSaver } from "../../src/whatsapp/baileys/creds-saver";

const log = createLogger("silent");

function deferred() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(1);
  }
}

describe("credentials saver with asynchronous writes", () => {
  test("a save asked for during a write runs once after it, with the state of that moment", async () => {
    const creds = { version: 1 };
    const writes: { copy: number; done: ReturnType<typeof deferred> }[] = [];
    const saver = createCredsSaver({
      log,
      retryDelayMs: () => 0,
      write: () => {
        const done = deferred();
        writes.push({ copy: creds.version, done });
        return done.promise;
      },
    });
    saver.save();
    creds.version = 2;
    saver.save();
    creds.version = 3;
    saver.save();
    // Still one write in flight: the second and third saves wait for it, and collapse into one.
    expect(writes.map((w) => w.copy)).toEqual([1]);
    writes[0]!.done.resolve();
    await until(() => writes.length === 2, "the second write");
    expect(writes.map((w) => w.copy)).toEqual([1, 3]);
    writes[1]!.done.resolve();
    // Nothing else was pending: the next save writes the newest state, not a third copy of 3 first.
    creds.version = 4;
    saver.save();
    await until(() => writes.length === 3, "the next write");
    expect(writes.map((w) => w.copy)).toEqual([1, 3, 4]);
    writes[2]!.done.resolve();
  });

  test("a failed write is retried; a write that found the lease lost is not", async () => {
    let calls = 0;
    let failWith: unknown = new Error("database unreachable");
    const saver = createCredsSaver({
      log,
      retryDelayMs: () => 0,
      write: async () => {
        calls++;
        if (failWith) {
          const err = failWith;
          failWith = undefined;
          throw err;
        }
      },
    });
    saver.save();
    await until(() => calls === 2, "the retry after a failure");

    const lines: string[] = [];
    const lost = createCredsSaver({
      log: createLogger("warn", undefined, (line) => lines.push(line)),
      retryDelayMs: () => 0,
      write: async () => {
        calls++;
        throw new LeaseLost(1, "a", 1);
      },
    });
    calls = 0;
    lost.save();
    await until(() => lines.some((l) => l.includes("lost the connection's lease")), "the failure handled");
    expect(calls).toBe(1);
    // flush() writes once more only when a retry is pending: none is.
    lost.flush();
    expect(calls).toBe(1);
  });
});
