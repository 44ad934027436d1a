import type { Db, Tx, TxBody } from "./client";

/** Told of every stored batch (metrics): its size and how long its COMMIT, the fsync, took. */
export type CommitObserver = (batch: { jobs: number; commitMs: number }) => void;

type Job = { fn: (tx: Tx) => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void };

/**
 * Group commit. Writers that arrive in the same turn of the event loop share one transaction, and so
 * one fsync (synchronous=FULL), instead of paying one each; every caller still gets its answer only
 * after its write is durable. Each job runs in its own savepoint, so a job that throws rolls back alone.
 * Jobs are synchronous (no await inside), like every transaction here.
 */
export function createCommitQueue(db: Db, observer?: CommitObserver) {
  let jobs: Job[] = [];
  let scheduled = false;

  // Compiled once: drizzle would prepare its BEGIN/SAVEPOINT/RELEASE text again for every job.
  const sqlite = db.$client;
  const stmt = {
    begin: sqlite.query("BEGIN IMMEDIATE"),
    commit: sqlite.query("COMMIT"),
    rollback: sqlite.query("ROLLBACK"),
    savepoint: sqlite.query("SAVEPOINT job"),
    release: sqlite.query("RELEASE job"),
    rollbackTo: sqlite.query("ROLLBACK TO job"),
  };
  // Jobs get the database handle itself: between BEGIN and COMMIT every statement on this connection
  // is part of the transaction, exactly as with a drizzle transaction handle.
  const tx = db as unknown as Tx;

  const flush = () => {
    scheduled = false;
    const batch = jobs;
    jobs = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    let began = false;
    let commitMs = 0;
    try {
      stmt.begin.run();
      began = true;
      for (const job of batch) {
        stmt.savepoint.run();
        try {
          outcomes.push({ ok: true, value: job.fn(tx) });
          stmt.release.run();
        } catch (err) {
          stmt.rollbackTo.run();
          stmt.release.run();
          outcomes.push({ ok: false, value: err });
        }
      }
      const commitAt = performance.now();
      stmt.commit.run();
      commitMs = performance.now() - commitAt;
    } catch (err) {
      // BEGIN or COMMIT failed (disk full, I/O error): nothing in the batch is stored.
      if (began && sqlite.inTransaction) stmt.rollback.run();
      for (const job of batch) job.reject(err);
      return;
    }
    observer?.({ jobs: batch.length, commitMs });
    batch.forEach((job, i) => {
      const o = outcomes[i]!;
      if (o.ok) job.resolve(o.value);
      else job.reject(o.value);
    });
  };

  return {
    run<T>(fn: TxBody<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        jobs.push({ fn, resolve: resolve as (v: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}

export type CommitQueue = ReturnType<typeof createCommitQueue>;
