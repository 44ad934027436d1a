import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/logger";
import { startServer } from "../../src/server";

/**
 * The contract: every curl example of docs/seed-API.md (a copy of the seed document) runs as written
 * against a real server, with only the host, the token, the local file paths and example.com swapped
 * for local stand-ins.
 */
const seed = readFileSync(join(import.meta.dir, "../../docs/seed-API.md"), "utf8");
const examples = [...seed.matchAll(/```bash\n([\s\S]*?)```/g)]
  .map((m) => m[1]!.trim())
  .filter((s) => s.startsWith("curl"));

const TOKEN = "seed-examples-token-0123456789";
const PNG = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
  (c) => c.charCodeAt(0),
);

const dir = mkdtempSync(join(tmpdir(), "chasqui-seed-"));
let server: Awaited<ReturnType<typeof startServer>>;
let remote: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  writeFileSync(join(dir, "image.jpg"), PNG);
  writeFileSync(join(dir, "contract.pdf"), "%PDF-1.4\n% contract\n");
  remote = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req) =>
      new URL(req.url).pathname.endsWith(".pdf")
        ? new Response("%PDF-1.4\n% doc\n", { headers: { "content-type": "application/pdf" } })
        : new Response(PNG, { headers: { "content-type": "image/jpeg" } }),
  });
  const config = loadConfig({
    DATA_DIR: join(dir, "data"),
    PORT: "0",
    HOST: "127.0.0.1",
    API_TOKEN: TOKEN,
    MEDIA_FETCH_ALLOW_PRIVATE: "true",
    LOG_LEVEL: "silent",
  });
  server = await startServer(config, createLogger("silent"));
  const { services, db, sessions } = server.runtime;
  // The state the examples assume: connections 1 and 2, queue 1, ticket 123 holding message 3EB0ABC123.
  for (const [name, number] of [
    ["WhatsApp Principal", "595981234567"],
    ["WhatsApp Ventas", "595982345678"],
  ] as const) {
    await sessions.start(await services.connections.create({ name, driver: "sandbox", number }));
  }
  await services.catalog.queues.create({ name: "Soporte", color: "#4CAF50" });
  db.$client.run("insert into contacts (id, number, name) values (45, '595991111111', 'Juan Pérez')");
  db.$client.run("insert into tickets (id, status, contact_id, connection_id) values (123, 'open', 45, 1)");
  db.$client.run(
    "insert into messages (id, connection_id, ticket_id, contact_id, body, from_me, timestamp) values ('3EB0ABC123', 1, 123, 45, 'Hola, necesito ayuda', 0, 1701432600)",
  );
});

afterAll(async () => {
  await server.stop();
  remote.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

describe("the seed document's curl examples", () => {
  test("there are examples to run", () => expect(examples.length).toBe(21));

  for (const example of examples) {
    const title = example.split("\n")[0]!.replace(/\s*\\$/, "");
    test(title, async () => {
      const cmd = example
        .replaceAll("http://localhost:8080", `http://127.0.0.1:${server.port}`)
        .replaceAll("TU_TOKEN", TOKEN)
        .replaceAll("/path/to/image.jpg", join(dir, "image.jpg"))
        .replaceAll("/path/to/contract.pdf", join(dir, "contract.pdf"))
        .replaceAll("https://example.com/", `http://127.0.0.1:${remote.port}/`)
        .replace(/^curl /, `curl -sS -w '\\n%{http_code}' `);
      const proc = Bun.spawn(["bash", "-c", cmd], { stdout: "pipe", stderr: "pipe" });
      const out = await new Response(proc.stdout).text();
      expect(await proc.exited).toBe(0);
      const status = Number(out.slice(out.lastIndexOf("\n") + 1));
      const body = JSON.parse(out.slice(0, out.lastIndexOf("\n")));
      // A failure shows the body, which names the error.
      expect({ ok: status === 200 || status === 201, body }).toMatchObject({ ok: true });
    });
  }
});
