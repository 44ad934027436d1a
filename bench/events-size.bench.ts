/**
 * What events cost on disk per message written through the API, against the messages themselves.
 *
 * In-process, on a fresh file database: one sandbox connection, then `--messages` messages written through
 * the HTTP app in the mixed bench's proportion (5 sandbox inbound : 1 `POST /api/v1/send`, spread over
 * `--contacts` chats, so most land on an existing ticket), with no webhook configured. Each send is
 * acknowledged 1 → 2 → 3 by the sandbox; the script waits for every ack, checkpoints the WAL and reads
 * `dbstat`: bytes of the `events` table + its indexes and of the `messages` table + its indexes, per message
 * written and per event. Sizes do not depend on timing, so one run is enough (no rounds). With `--webhook`, one
 * webhook subscribed to every event (a local receiver answering 204) and the `webhook_deliveries` table + its
 * indexes are reported too, per delivery, once every delivery is delivered.
 *
 * Run: bun bench/events-size.bench.ts [--messages 20000] [--contacts 500] [--webhook] [--json FILE]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { createLogger } from "../src/logger";
import { createRuntime } from "../src/server";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "20000" },
    contacts: { type: "string", default: "500" },
    webhook: { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const MESSAGES = Number(args.messages);
const CONTACTS = Number(args.contacts);

const dir = mkdtempSync(join(tmpdir(), "chasqui-events-size-"));
const TOKEN = "bench-token-0123456789abcdef";
const config = loadConfig({
  DATA_DIR: dir,
  API_TOKEN: TOKEN,
  PUBLIC_URL: "http://127.0.0.1:9",
  LOG_LEVEL: "silent",
  WA_WS_URL: "ws://127.0.0.1:9/ws/chat",
  WEBHOOK_ALLOW_PRIVATE: "true",
});
const runtime = createRuntime(config, createLogger("silent"));
const sqlite = runtime.db.$client;
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const post = async (path: string, body: unknown) => {
  const res = await runtime.app.request(path, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text) as { id: number };
};

const conn = await post("/api/v1/connections", {
  name: "Principal",
  driver: "sandbox",
  number: "595981234567",
});
const count = (sql: string) => (sqlite.query(sql).get() as { n: number }).n;
const deadline = (ms: number) => Date.now() + ms;
const until = async (what: string, ok: () => boolean, ms = 60_000) => {
  const end = deadline(ms);
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
};
const receiver = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: () => new Response(null, { status: 204 }),
});
if (args.webhook) {
  await post(`/api/v1/connections/${conn.id}/webhooks`, { url: `http://127.0.0.1:${receiver.port}/hook` });
  runtime.dispatcher.start();
}
await until(
  "the sandbox to connect",
  () => count(`select count(*) as n from connections where status = 'CONNECTED'`) === 1,
);

const number = (i: number) => `59599${String(1_000_000 + (i % CONTACTS)).slice(1)}`;
let sends = 0;
const started = performance.now();
const BATCH = 50;
for (let i = 0; i < MESSAGES; i += BATCH) {
  const batch: Promise<unknown>[] = [];
  for (let j = i; j < Math.min(MESSAGES, i + BATCH); j++) {
    if (j % 6 === 5) {
      sends++;
      batch.push(
        post("/api/v1/send", {
          number: number(j * 7),
          body: `respuesta número ${j}, gracias por escribirnos`,
        }),
      );
    } else {
      batch.push(
        post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
          number: number(j),
          body: `hola, consulta ${j} sobre mi pedido`,
          name: `Cliente ${j % CONTACTS}`,
        }),
      );
    }
  }
  await Promise.all(batch);
}
// Every send is acknowledged three times (SERVER_ACK, DELIVERY_ACK, READ) within a second.
await until(
  "every ack",
  () => count("select count(*) as n from messages where from_me = 1 and ack >= 3") >= sends,
);
await until(
  "the last ack events",
  () => count("select count(*) as n from messages where from_me = 1 and ack < 3") === 0,
);
if (args.webhook)
  await until(
    "every delivery",
    () => count("select count(*) as n from webhook_deliveries where status <> 'delivered'") === 0,
  );
const seconds = (performance.now() - started) / 1000;
sqlite.exec("PRAGMA wal_checkpoint(TRUNCATE)");

const pages = sqlite
  .query<{ name: string; bytes: number }, []>("select name, sum(pgsize) as bytes from dbstat group by name")
  .all();
const bytesOf = (names: string[]) =>
  pages.filter((r) => names.includes(r.name)).reduce((a, r) => a + r.bytes, 0);
const indexesOf = (table: string) =>
  sqlite
    .query<{ name: string }, [string]>("select name from sqlite_schema where type = 'index' and tbl_name = ?")
    .all(table)
    .map((r) => r.name);
const messages = count("select count(*) as n from messages");
const events = count("select count(*) as n from events");
const eventsTable = bytesOf(["events"]);
const eventsIndexes = bytesOf(indexesOf("events"));
const messagesTable = bytesOf(["messages"]);
const messagesIndexes = bytesOf(indexesOf("messages"));
const result = {
  messagesWritten: MESSAGES,
  sends,
  messages,
  events,
  eventsPerMessage: +(events / messages).toFixed(2),
  eventsBytesPerMessage: Math.round((eventsTable + eventsIndexes) / messages),
  eventsTableBytesPerMessage: Math.round(eventsTable / messages),
  eventsIndexBytesPerMessage: Math.round(eventsIndexes / messages),
  eventsBytesPerEvent: Math.round((eventsTable + eventsIndexes) / events),
  messagesBytesPerMessage: Math.round((messagesTable + messagesIndexes) / messages),
  messagesTableBytesPerMessage: Math.round(messagesTable / messages),
  messagesIndexBytesPerMessage: Math.round(messagesIndexes / messages),
  eventsIndexes: indexesOf("events"),
  ...(args.webhook
    ? (() => {
        const deliveries = count("select count(*) as n from webhook_deliveries");
        const table = bytesOf(["webhook_deliveries"]);
        const indexes = bytesOf(indexesOf("webhook_deliveries"));
        return {
          deliveries,
          deliveriesBytesPerDelivery: Math.round((table + indexes) / Math.max(1, deliveries)),
          deliveriesTableBytesPerDelivery: Math.round(table / Math.max(1, deliveries)),
          deliveriesIndexBytesPerDelivery: Math.round(indexes / Math.max(1, deliveries)),
        };
      })()
    : {}),
  seconds: +seconds.toFixed(1),
};
console.log(JSON.stringify(result, null, 2));
console.log(
  `events + indexes: ${result.eventsBytesPerMessage} B per message written (${result.eventsBytesPerEvent} B per event, ${result.eventsPerMessage} events per message) vs messages + indexes: ${result.messagesBytesPerMessage} B per message → ${(result.eventsBytesPerMessage / result.messagesBytesPerMessage).toFixed(2)}×`,
);
if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 2));
await runtime.close();
receiver.stop(true);
rmSync(dir, { recursive: true, force: true });
