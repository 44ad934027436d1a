/**
 * What one uncached list page costs in-process: `bun bench/pages.profile.ts --data-dir DIR [--ref COMMIT]
 * [--iterations N] [--rounds N] [--only tickets,closed,contacts,messages,deep-offset,cached] [--env K=V,…]
 * [--auth env|token|session|agent] [--agent-share S] [--tag-share S] [--write-every K]`. Add `--cpu-prof` to bun for a profile (without
 * --ref). `--auth`
 * is the credential every page is asked with (bench/lib/credentials.ts; default env, the server's API_TOKEN);
 * `--agent-share S` first puts the tickets in four queues, S of them in the first, whose agent `--auth agent` is.
 * `--tag-share S` first tags a share S of the tickets (by id) with the tag the `tagged` and `tagged-open` lists filter
 * on (0.001 = one ticket in a thousand). `--write-every K`: before every K-th page, another connection of each code's
 * database (as the webhook thread or a CLI command is) moves a random ticket to the top of the list, the same ticket
 * in both: the list pages and the `cached` one then also pay for looking at the changes and for what a change makes
 * them compute again, as under the mixed bench's writes (one write per ~10 list requests).
 *
 * Runs the server's app (`createRuntime`) on an already seeded data directory (copy one from the seed cache,
 * see bench/lib/seed.ts; it is used as it is, so use a copy) and asks `app.fetch` for random pages, each a
 * different read-cache key, as bench/lists.bench.ts does over HTTP: a keyset cursor at a random point of the
 * list's order, a random ticket's messages, a random offset page. `cached` (the same page every time, from
 * the read cache) is the floor of auth, routing and the response.
 *
 * With `--ref COMMIT`, that commit's code (a `git archive`, as the other benches' --ref) runs in the same
 * process on a copy of the data directory, and every page is asked of both, one after the other, in
 * alternating order: both see the same pages under the same load, which on a shared machine is the only
 * comparison that holds. Prints, per list, the median, mean and p99 µs per page of each and the ratio of
 * the medians.
 */

import { Database } from "bun:sqlite";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { encodeCursor } from "../src/http/cursor";
import { readerAuthOf, readerHeaders } from "./lib/credentials";
import { checkoutRef } from "./lib/proc";

const { values: opt } = parseArgs({
  options: {
    "data-dir": { type: "string" },
    ref: { type: "string" },
    iterations: { type: "string", default: "2000" },
    rounds: { type: "string", default: "3" },
    only: { type: "string" },
    /** Settings for this code only, e.g. `--env SQLITE_MMAP_MB=256` (the ref runs with its defaults). */
    env: { type: "string" },
    auth: { type: "string", default: "env" },
    "agent-share": { type: "string" },
    "tag-share": { type: "string" },
    "write-every": { type: "string" },
  },
});
const thisEnv = Object.fromEntries(
  (opt.env ?? "")
    .split(",")
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
);
if (!opt["data-dir"]) throw new Error("--data-dir DIR (a seeded data directory) is required");
const TOKEN = "bench-token-0123456789abcdef";
const HERE = resolve(import.meta.dir, "..");

type App = { fetch(req: Request): Response | Promise<Response> };
type Code = {
  name: string;
  app: App;
  close(): Promise<void>;
  sqlite: import("bun:sqlite").Database;
  headers?: Record<string, string>;
  /** Another connection of the same database (`--write-every`). */
  writer: import("bun:sqlite").Database;
};

async function load(
  root: string,
  dataDir: string,
  name: string,
  env: Record<string, string> = {},
): Promise<Code> {
  const { loadConfig } = await import(join(root, "src/config.ts"));
  const { createLogger } = await import(join(root, "src/logger.ts"));
  const { createRuntime } = await import(join(root, "src/server.ts"));
  const config = loadConfig({
    DATA_DIR: dataDir,
    API_TOKEN: TOKEN,
    LOG_LEVEL: "silent",
    HOST: "127.0.0.1",
    ...env,
  });
  const rt = createRuntime(config, createLogger("silent"));
  const writer = new Database(join(dataDir, "chasqui.sqlite"));
  writer.run("PRAGMA busy_timeout = 5000");
  return {
    name,
    app: rt.app,
    close: async () => {
      writer.close();
      await rt.close();
    },
    sqlite: rt.db.$client,
    writer,
  };
}

if (opt["agent-share"]) assignQueues(join(opt["data-dir"], "chasqui.sqlite"), Number(opt["agent-share"]));
const tagId = opt["tag-share"]
  ? tagTickets(join(opt["data-dir"], "chasqui.sqlite"), Number(opt["tag-share"]))
  : 0;
// The reference's copy is taken before this code opens (and migrates) the database: a newer migration would make the
// older code refuse it.
let archive: string | undefined;
let refData: string | undefined;
if (opt.ref) {
  archive = checkoutRef(HERE, opt.ref);
  refData = mkdtempSync(join(tmpdir(), "chasqui-pages-ref-"));
  copyFileSync(join(opt["data-dir"], "chasqui.sqlite"), join(refData, "chasqui.sqlite"));
}
const codes: Code[] = [await load(HERE, opt["data-dir"], "this", thisEnv)];
if (archive && refData) codes.push(await load(archive, refData, opt.ref!));

/**
 * `--agent-share S`: four queues, the first holding a share S of the tickets (by id, the same in both copies) and
 * the others the rest; `--auth agent` then asks as an agent of the first queue, who sees only its tickets (and
 * those without a queue: none here).
 */
function assignQueues(file: string, share: number) {
  if (!(share > 0 && share <= 1)) throw new Error("--agent-share: a share of the tickets, 0 < S <= 1");
  const db = new Database(file);
  db.run("delete from queues where name like 'bench-q%'");
  for (let i = 1; i <= 4; i++)
    db.run("insert into queues (name, color) values (?, ?)", [`bench-q${i}`, `#00000${i}`]);
  const first = db
    .query<{ id: number }, []>("select min(id) as id from queues where name like 'bench-q%'")
    .get()!.id;
  db.run(
    `update tickets set queue_id = case when id % 1000 < ${Math.round(share * 1000)} then ${first} else ${first + 1} + id % 3 end`,
  );
  db.close();
}

/** `--tag-share S`: the tag `bench-tag` on a share S of the tickets (by id, the same in both copies); its id. */
function tagTickets(file: string, share: number): number {
  if (!(share > 0 && share <= 1)) throw new Error("--tag-share: a share of the tickets, 0 < S <= 1");
  const db = new Database(file);
  db.run("delete from tags where name = 'bench-tag'");
  db.run("insert into tags (name, color) values ('bench-tag', '#000001')");
  const id = db.query<{ id: number }, []>("select id from tags where name = 'bench-tag'").get()!.id;
  db.run(`insert into ticket_tags (ticket_id, tag_id) select id, ? from tickets where id % 100000 < ?`, [
    id,
    Math.round(share * 100_000),
  ]);
  db.close();
  return id;
}

const sqlite = codes[0]!.sqlite;
const span = sqlite
  .query<{ lo: number; hi: number; tickets: number }, []>(
    "select min(updated_at) as lo, max(updated_at) as hi, (select count(*) from tickets) as tickets from tickets",
  )
  .get()!;
const names = sqlite
  .query<{ name: string }, []>("select name from contacts")
  .all()
  .map((r) => r.name);
const rand = (n: number) => Math.floor(Math.random() * n);
const ticketAfter = () =>
  encodeCursor("tickets", [span.lo + rand(span.hi - span.lo), Number.MAX_SAFE_INTEGER]);

const LISTS: Record<string, () => string> = {
  tickets: () => `/api/v1/tickets?after=${ticketAfter()}`,
  closed: () => `/api/v1/tickets?status=closed&after=${ticketAfter()}`,
  contacts: () => `/api/v1/contacts?after=${encodeCursor("contacts", [names[rand(names.length)]!, 0])}`,
  messages: () => `/api/v1/tickets/${1 + rand(span.tickets)}/messages`,
  /** `--tag-share`: a page of the tagged tickets, and of the open ones among them. */
  tagged: () => `/api/v1/tickets?tagId=${tagId}&after=${ticketAfter()}`,
  "tagged-open": () => `/api/v1/tickets?tagId=${tagId}&status=open&after=${ticketAfter()}`,
  "deep-offset": () => `/api/v1/tickets?page=${1 + rand(Math.floor(span.tickets / 20))}`,
  /** The floor: the same page every time, answered from the read cache. */
  cached: () => "/api/v1/tickets?limit=20",
};
const chosen = opt.only
  ? opt.only.split(",")
  : Object.keys(LISTS).filter((name) => tagId > 0 || !name.startsWith("tagged"));
const auth = readerAuthOf(opt.auth);
for (const code of codes)
  code.headers = await readerHeaders(auth, TOKEN, async (path, init) =>
    code.app.fetch(new Request(`http://127.0.0.1${path}`, init)),
  );

async function page(code: Code, path: string): Promise<{ us: number; body: string }> {
  const t = performance.now();
  const res = await code.app.fetch(new Request(`http://127.0.0.1${path}`, { headers: code.headers }));
  const body = await res.text();
  const us = (performance.now() - t) * 1000;
  if (res.status !== 200) throw new Error(`${code.name} ${path}: ${res.status} ${body}`);
  return { us, body };
}

const writeEvery = Number(opt["write-every"] ?? 0);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const times: Record<string, number[][]> = {};
let differing = 0;
for (const name of chosen)
  for (let i = 0; i < 200; i++) for (const code of codes) await page(code, LISTS[name]!());
for (let round = 0; round < Number(opt.rounds); round++)
  for (const name of chosen) {
    if (!times[name]) times[name] = codes.map(() => []);
    const xs = times[name];
    for (let i = 0; i < Number(opt.iterations); i++) {
      if (writeEvery > 0 && i % writeEvery === 0) {
        const id = 1 + rand(span.tickets);
        const at = Date.now();
        for (const code of codes)
          code.writer.run("update tickets set updated_at = ?, last_message = 'bench' where id = ?", [at, id]);
      }
      const path = LISTS[name]!();
      // Alternate who goes first, so neither always finds the other's pages in the OS cache.
      const order = i % 2 === 0 ? codes.map((_, k) => k) : codes.map((_, k) => codes.length - 1 - k);
      const bodies: string[] = [];
      for (const k of order) {
        const r = await page(codes[k]!, path);
        xs[k]!.push(r.us);
        bodies[k] = r.body;
      }
      // The same page of the same data: both codes must give the same bytes (`--write-every` writes the same to both).
      if (codes.length > 1 && bodies[0] !== bodies[1]) {
        differing++;
        if (process.env.PAGES_SHOW_DIFF) {
          let at = 0;
          while (bodies[0]![at] === bodies[1]![at]) at++;
          console.error(
            `differs: ${path} at ${at}:\n${bodies[0]!.slice(Math.max(0, at - 300), at + 200)}\n${bodies[1]!.slice(Math.max(0, at - 300), at + 200)}`,
          );
        }
      }
    }
  }
const loadavg = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
console.log(
  `µs per page through app.fetch (credential: ${auth}), ${new Date().toISOString()}, load ${loadavg}:`,
);
for (const name of chosen) {
  const cols = codes.map(
    (code, k) =>
      `${code.name} median ${pct(times[name]![k]!, 0.5).toFixed(0).padStart(5)} mean ${mean(times[name]![k]!).toFixed(0).padStart(5)} p99 ${pct(times[name]![k]!, 0.99).toFixed(0).padStart(6)}`,
  );
  const ratio =
    codes.length > 1
      ? `  ${opt.ref}/this ${(pct(times[name]![1]!, 0.5) / pct(times[name]![0]!, 0.5)).toFixed(2)}×`
      : "";
  console.log(`  ${name.padEnd(12)} ${cols.join("  |  ")}${ratio}`);
}
if (codes.length > 1) console.log(`answers that differed between the two codes: ${differing}`);
for (const code of codes) await code.close();
if (archive) rmSync(archive, { recursive: true, force: true });
if (refData) rmSync(refData, { recursive: true, force: true });
process.exit(0);
