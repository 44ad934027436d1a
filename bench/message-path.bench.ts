/**
 * The message path of two trees in ONE process, interleaved round by round (a script, not a test):
 * `bun bench/message-path.bench.ts [--ref main] [--tickets 50] [--burst 100] [--rounds 30] [--seed-messages N]`.
 *
 * Builds the runtime of this tree and of `--ref` (a `git archive`, node_modules linked), each on its own file
 * database (DATA_DIR under the system's temp dir) with one sandbox connection and `--tickets` conversations, then
 * per round and tree, alternating which tree goes first, three bursts through the services (no HTTP):
 * - inbound: `--burst` messages at once to `receive` (contact upsert, open ticket, insert, ticket touch, event),
 *   spread over the existing tickets — what a busy connection's inbound traffic does;
 * - send: `--burst` `sendToTicket` text sends at once (sandbox gateway; its acks arrive later by timer and commit in
 *   the background in both trees alike);
 * - acks: once the sandbox's own receipts of that round's sends are in (800 ms), `--burst` queued acks (`queueAck`,
 *   "played": each changes its row and emits `message_ack`), then `flushAcks` (one transaction).
 * A burst's writes share group commits, so the figure (µs per message: the burst's wall time / burst) is mostly the
 * main thread's CPU per write, the limit of issue 14, with the fsyncs amortized; "cpu" rows are the process's CPU
 * time (user + system, every thread) during the burst / burst, less sensitive to other processes than wall time;
 * last, the main thread's own CPU time (/proc/self/task/<pid>/stat, summed over the rounds), the figure issue 14 is
 * about.
 * `--seed-messages N` starts each tree on a database seeded by its own `bench/lib/seed.ts` (100,000 contacts and
 * tickets, N messages; `CHASQUI_SEED_CACHE` reuses them) before the bench's own connection and tickets are added: the
 * tables and indexes a message write touches then have a real server's size (the default starts empty).
 * Prints the median per scenario and the ratio this tree / ref. Same process, same moment: the ratio holds under load; the absolute figures do not.
 * Note `uptime` beside it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkoutRef } from "./lib/proc";
import { median } from "./lib/stats";

const { values: opt } = parseArgs({
  options: {
    ref: { type: "string", default: "main" },
    tickets: { type: "string", default: "50" },
    burst: { type: "string", default: "100" },
    rounds: { type: "string", default: "30" },
    "seed-messages": { type: "string" },
  },
});
const ROOT = resolve(import.meta.dir, "..");
const TICKETS = Number(opt.tickets);
const BURST = Number(opt.burst);
const ROUNDS = Number(opt.rounds);
const TOKEN = "bench-token-0123456789abcdefgh";
/** The sandbox gateway's last receipt comes 600 ms after a send (src/whatsapp/sandbox/sandbox-gateway.ts). */
const SANDBOX_ACKS_MS = 800;

type Tree = {
  name: string;
  inbound(round: number): Promise<void>;
  send(round: number): Promise<string[]>;
  acks(ids: string[]): Promise<void>;
  close(): Promise<void>;
};

async function treeOf(name: string, root: string, dataDir: string): Promise<Tree> {
  if (opt["seed-messages"]) {
    const { seedDatabase } = await import(join(root, "bench/lib/seed.ts"));
    const seeded = seedDatabase(dataDir, {
      contacts: 100_000,
      tickets: 100_000,
      messages: Number(opt["seed-messages"]),
    });
    console.error(
      `[message-path] ${name}: seeded ${seeded.counts.messages} messages in ${seeded.seconds.toFixed(1)} s`,
    );
  }
  const { loadConfig } = await import(join(root, "src/config.ts"));
  const { createLogger } = await import(join(root, "src/logger.ts"));
  const { createRuntime } = await import(join(root, "src/server.ts"));
  const config = loadConfig({
    DATA_DIR: dataDir,
    API_TOKEN: TOKEN,
    PUBLIC_URL: "http://bench.test",
    LOG_LEVEL: "silent",
    WA_WS_URL: "ws://127.0.0.1:9/ws/chat",
  });
  const rt = createRuntime(config, createLogger("silent"));
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await rt.app.fetch(
      new Request(`http://bench.test${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    if (!res.ok) throw new Error(`${name}: ${method} ${path} → ${res.status} ${await res.text()}`);
    return JSON.parse(await res.text());
  };
  const conn = await call("POST", "/api/v1/connections", {
    name: "S",
    driver: "sandbox",
    number: "595981000000",
  });
  for (let i = 0; i < 500; i++) {
    if ((await call("GET", `/api/v1/connections/${conn.id}`)).status === "CONNECTED") break;
    await new Promise((r) => setImmediate(r));
  }
  const messages = rt.services.messages;
  const numberOf = (i: number) => `5959900${String(i % TICKETS).padStart(5, "0")}`;
  const ticketIds: number[] = [];
  for (let i = 0; i < TICKETS; i++) {
    const r = await messages.receive(conn.id, inbound(`SEED${i}`, numberOf(i), `m${i}`));
    ticketIds.push(r.ticketId);
  }
  let seq = 0;
  return {
    name,
    async inbound(round) {
      await Promise.all(
        Array.from({ length: BURST }, (_, k) =>
          messages.receive(conn.id, inbound(`R${round}-${k}-${seq++}`, numberOf(k), `hola ${round} ${k}`)),
        ),
      );
    },
    async send(round) {
      const sent = await Promise.all(
        Array.from({ length: BURST }, (_, k) =>
          messages.sendToTicket(ticketIds[k % TICKETS]!, { body: `respuesta ${round} ${k}` }),
        ),
      );
      return sent.map((r: any) => r[0].message.id as string);
    },
    async acks(ids) {
      for (const id of ids) messages.queueAck(conn.id, id, 4);
      await messages.flushAcks();
    },
    close: () => rt.close(),
  };
}

function inbound(id: string, from: string, body: string) {
  return {
    id,
    from,
    fromMe: false,
    pushName: "Cliente",
    body,
    mediaType: "chat",
    media: null,
    quotedMsgId: null,
    timestampSec: Math.floor(Date.now() / 1000),
  };
}

const refDir = checkoutRef(ROOT, opt.ref!);
const dirs = [mkdtempSync(join(tmpdir(), "chasqui-msgs-a-")), mkdtempSync(join(tmpdir(), "chasqui-msgs-b-"))];
const trees = [await treeOf(opt.ref!, refDir, dirs[0]!), await treeOf("this tree", ROOT, dirs[1]!)];

const times = new Map<string, number[]>();
const record = (scenario: string, tree: string, ms: number) => {
  const key = `${scenario}\u0000${tree}`;
  const xs = times.get(key) ?? [];
  xs.push((ms * 1000) / BURST);
  times.set(key, xs);
};
/** The main thread's CPU time (user + system) in clock ticks (10 ms), from /proc (Linux). */
const mainThreadTicks = (): number => {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
};
/** Main-thread ticks per scenario and tree, summed over the rounds (one burst is too short for a tick's resolution). */
const ticks = new Map<string, number>();
/** Wall time (ms) of a burst, and the process's CPU time (user + system, ms) meanwhile. */
const timed = async <T>(fn: () => Promise<T>): Promise<[T, number, number]> => {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const v = await fn();
  const c = process.cpuUsage(c0);
  return [v, performance.now() - t0, (c.user + c.system) / 1000];
};
const measure = async <T>(scenario: string, tree: string, fn: () => Promise<T>): Promise<T> => {
  const t0 = mainThreadTicks();
  const [v, wall, cpu] = await timed(fn);
  const key = `${scenario}\u0000${tree}`;
  ticks.set(key, (ticks.get(key) ?? 0) + mainThreadTicks() - t0);
  record(scenario, tree, wall);
  record(`${scenario} cpu`, tree, cpu);
  return v;
};
for (let round = 0; round < ROUNDS; round++)
  for (let k = 0; k < trees.length; k++) {
    const tree = trees[(round + k) % trees.length]!;
    await measure("inbound", tree.name, () => tree.inbound(round));
    const ids = await measure("send", tree.name, () => tree.send(round));
    // The sandbox's own receipts (1, 2, 3 within 600 ms of each send) commit first, outside the measured burst.
    await Bun.sleep(SANDBOX_ACKS_MS);
    await measure("acks", tree.name, () => tree.acks(ids));
  }

console.log(
  `\n${new Date().toISOString()}, ${TICKETS} tickets, ${ROUNDS} rounds of ${BURST} per scenario and tree (µs per message)`,
);
console.log(`| scenario | ${opt.ref} median µs | this tree median µs | this / ${opt.ref} |`);
console.log("|---|---:|---:|---:|");
for (const scenario of ["inbound", "inbound cpu", "send", "send cpu", "acks", "acks cpu"]) {
  const [ref, mine] = trees.map((t) => median(times.get(`${scenario}\u0000${t.name}`)!));
  console.log(`| ${scenario} | ${ref!.toFixed(1)} | ${mine!.toFixed(1)} | ${(mine! / ref!).toFixed(2)} |`);
}
console.log(`\nMain thread CPU over all rounds (µs per message, /proc ticks of 10 ms)`);
console.log(`| scenario | ${opt.ref} | this tree | this / ${opt.ref} |`);
console.log("|---|---:|---:|---:|");
for (const scenario of ["inbound", "send", "acks"]) {
  const [ref, mine] = trees.map(
    (t) => ((ticks.get(`${scenario}\u0000${t.name}`) ?? 0) * 10_000) / (ROUNDS * BURST),
  );
  console.log(`| ${scenario} | ${ref!.toFixed(1)} | ${mine!.toFixed(1)} | ${(mine! / ref!).toFixed(2)} |`);
}
for (const t of trees) await t.close().catch(() => {});
for (const dir of [...dirs, refDir]) rmSync(dir, { recursive: true, force: true });
process.exit(0);
