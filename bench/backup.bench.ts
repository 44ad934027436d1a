/**
 * Backup and restore at the 1M-message database: `chasqui backup` (plain and tar), `GET /api/v1/admin/backup`
 * from a running server with the API's latency watched meanwhile, and `chasqui restore`.
 *
 * Run: bun bench/backup.bench.ts [--messages 1000000] [--rounds 3] [--media-files 200]
 * The database is seeded once in $TMPDIR with raw SQL: 100k contacts, 100k tickets, the messages spread over
 * them (bodies of 40–70 characters, like a helpdesk chat), through the real migrations.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "../src/db/client";
import { migrate } from "../src/db/migrate";
import { startChild } from "../tests/support/child-server";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    messages: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "3" },
    "media-files": { type: "string", default: "200" },
  },
});
const messages = Number(values.messages);
const rounds = Number(values.rounds);
const mediaFiles = Number(values["media-files"]);
const TOKEN = "bench-admin-token-0123456789abcdef";
const cli = [process.execPath, join(import.meta.dir, "../src/cli.ts")];

const work = mkdtempSync(join(tmpdir(), "chasqui-backup-bench-"));
const dataDir = join(work, "data");
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timed(args: string[], env: Record<string, string>) {
  const started = performance.now();
  const proc = Bun.spawn([...cli, ...args], {
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`${args.join(" ")} failed (${code}): ${err}`);
  return performance.now() - started;
}

function seed() {
  const started = performance.now();
  const db = openDatabase(join(dataDir, "chasqui.sqlite"));
  migrate(db);
  const sqlite = db.$client;
  sqlite.exec("PRAGMA synchronous = OFF");
  const now = Date.now();
  sqlite.transaction(() => {
    sqlite.run(
      "INSERT INTO connections (name, driver, number, status, is_default) VALUES ('Bench', 'sandbox', '595981234567', 'CONNECTED', 1)",
    );
    sqlite.run(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
      INSERT INTO contacts (number, name) SELECT 595971000000 + i, 'Cliente ' || i FROM n`);
    sqlite.run(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
      INSERT INTO tickets (status, contact_id, connection_id, last_message, created_at, updated_at)
      SELECT CASE WHEN i % 10 = 0 THEN 'open' ELSE 'closed' END, i, 1, 'Gracias por contactarnos', ${now} - i * 60000, ${now} - i * 60000 FROM n`);
    sqlite.run(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${messages})
      INSERT INTO messages (id, connection_id, ticket_id, contact_id, body, from_me, ack, timestamp, created_at, updated_at)
      SELECT '3EB0' || printf('%020X', i), 1, i % 100000 + 1, CASE WHEN i % 2 THEN i % 100000 + 1 END,
        'Mensaje ' || i || ': hola, necesito ayuda con mi pedido ' || substr('abcdefghijklmnopqrstuvwxyz', 1 + i % 26),
        i % 2 = 0, 3, (${now} - i * 1000) / 1000, ${now} - i * 1000, ${now} - i * 1000 FROM n`);
  })();
  sqlite.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite.close();
  return (performance.now() - started) / 1000;
}

try {
  const seedSeconds = seed();
  // Media: 100 KB files, as a month of small images might look; only the tar carries them.
  mkdirSync(join(dataDir, "media"), { recursive: true });
  const blob = new Uint8Array(100 * 1024).map((_, i) => (i * 31) & 0xff);
  for (let i = 0; i < mediaFiles; i++) writeFileSync(join(dataDir, "media", `bench-${i}.jpg`), blob);
  console.log(
    `seeded ${messages} messages in ${seedSeconds.toFixed(1)} s; database ${mb(statSync(join(dataDir, "chasqui.sqlite")).size)}, media ${mediaFiles} × 100 KB`,
  );

  const env = { DATA_DIR: dataDir };
  for (let r = 1; r <= rounds; r++) {
    const plain = join(work, "b.sqlite");
    const tar = join(work, "b.tar");
    const tPlain = await timed(["backup", plain], env);
    const tTar = await timed(["backup", tar, "--media"], env);
    const restoreDir = join(work, `restore-${r}`);
    const tRestore = await timed(["restore", tar], { DATA_DIR: restoreDir });
    console.log(
      `round ${r}: chasqui backup ${s(tPlain)} (${mb(statSync(plain).size)}); --media ${s(tTar)} (${mb(statSync(tar).size)}); restore of the tar ${s(tRestore)}`,
    );
    rmSync(restoreDir, { recursive: true, force: true });
  }

  // The HTTP route from a running server, with /health polled meanwhile: the snapshot runs in a worker,
  // so the server's event loop should keep answering.
  const server = await startChild([...cli, "serve"], { ...env, API_TOKEN: TOKEN, LOG_LEVEL: "info" }, 60_000);
  try {
    for (let r = 1; r <= rounds; r++) {
      let polling = true;
      const latencies: number[] = [];
      const poller = (async () => {
        while (polling) {
          const t0 = performance.now();
          await fetch(`${server.url}/health`).then((res) => res.arrayBuffer());
          latencies.push(performance.now() - t0);
        }
      })();
      const started = performance.now();
      const res = await fetch(`${server.url}/api/v1/admin/backup`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      // Counted and dropped as it arrives: buffering 250 MB here would stall this process's own /health polls.
      let bytes = 0;
      for await (const chunk of res.body ?? []) bytes += chunk.byteLength;
      const elapsed = performance.now() - started;
      polling = false;
      await poller;
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
      console.log(
        `round ${r}: GET /api/v1/admin/backup ${s(elapsed)} (${mb(bytes)}, status ${res.status}); /health meanwhile: ${latencies.length} requests, p99 ${p99.toFixed(1)} ms, max ${(latencies.at(-1) ?? 0).toFixed(1)} ms`,
      );
    }
  } finally {
    server.proc.kill("SIGTERM");
    await server.proc.exited;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
