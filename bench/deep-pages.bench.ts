// Deep list pages: the ticket list joined before LIMIT/OFFSET (old) vs the page ids from the covering index first (new).
// 100k tickets in an in-memory database, page 501 of the closed ones. Run: bun bench/deep-pages.bench.ts
import { openDatabase } from "../src/db/client";
import { migrate } from "../src/db/migrate";

const db = openDatabase(":memory:");
migrate(db);
const s = db.$client;
s.run("insert into connections (name, driver, status) values ('c','sandbox','CONNECTED')");
s.run("begin");
const ic = s.prepare("insert into contacts (number, name) values (?, ?)");
const it = s.prepare(
  "insert into tickets (status, contact_id, connection_id, updated_at, created_at) values (?, ?, 1, ?, ?)",
);
for (let i = 1; i <= 100000; i++) {
  ic.run(String(59500000000 + i), `n${i}`);
  it.run(i % 3 ? "closed" : "open", i, i * 1000, i * 1000);
}
s.run("commit");
const SEL = `select t.id, t.status, t.contact_id, c.number, c.name, w.name as wName, q.name as qName, u.name as uName from tickets t join contacts c on c.id = t.contact_id join connections w on w.id = t.connection_id left join queues q on q.id = t.queue_id left join users u on u.id = t.user_id`;
const oldQ = s.query(`${SEL} where t.status = ? order by t.updated_at desc, t.id desc limit ? offset ?`);
const newQ = s.query(
  `with page as (select t.id from tickets t where t.status = ? order by t.updated_at desc, t.id desc limit ? offset ?) ${SEL.replace("from tickets t", "from page p join tickets t on t.id = p.id")}`,
);
for (const [name, q] of [
  ["old", oldQ],
  ["new", newQ],
] as const) {
  for (let w = 0; w < 20; w++) q.all("closed", 20, 10000);
  const t0 = performance.now();
  const N = 200;
  for (let i = 0; i < N; i++) q.all("closed", 20, 10000);
  console.log(
    name,
    "page 501 (offset 10,000) of closed:",
    ((performance.now() - t0) / N).toFixed(3),
    "ms/query",
  );
}
