// The thread behind `adminSync` (store-matrix.ts): runs one administrative statement (CREATE/DROP DATABASE) on the
// test cluster's `postgres` database while the test thread waits on a shared word. Protocol: word 0 = 0 while the
// statement runs, 1 = done, 2 = failed (the message, UTF-8, in the bytes after word 1, its length in word 1).
import { SQL } from "bun";

let state: Int32Array;
let text: Uint8Array;
let sql: SQL;

self.onmessage = async (e: MessageEvent) => {
  const m = e.data as { init?: { buffer: SharedArrayBuffer; url: string }; statement?: string };
  if (m.init) {
    state = new Int32Array(m.init.buffer, 0, 2);
    text = new Uint8Array(m.init.buffer, 8);
    sql = new SQL({ url: m.init.url, max: 1 });
    return;
  }
  let outcome = 1;
  try {
    await sql.unsafe(m.statement!);
  } catch (err) {
    outcome = 2;
    const bytes = new TextEncoder().encode(String((err as Error).message ?? err)).slice(0, text.length);
    text.set(bytes);
    Atomics.store(state, 1, bytes.length);
  }
  Atomics.store(state, 0, outcome);
  Atomics.notify(state, 0);
};
