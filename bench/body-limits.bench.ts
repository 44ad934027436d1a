/**
 * Memory cost of oversized request bodies (a script, not a test): `bun bench/body-limits.bench.ts`.
 *
 * Starts the real server as its own process (`bun <root>/src/cli.ts serve`, MAX_UPLOAD_MB=64) — a fresh
 * one per scenario, so each VmHWM is that scenario's own — and sends bodies over the limits from a raw
 * TCP client, the way curl does (Content-Length declared, unless the scenario says chunked): the body is
 * generated on the fly, so the client holds a few MB at most, and it stops sending once the answer comes.
 * Reads the server's VmRSS every 10 ms from /proc/<pid>/status; reports the peak over the idle baseline.
 *
 * Options: --root DIR (the checkout whose server runs; default this one: point it at an older commit's
 * tree to measure "before"), --mb N (size of each oversized body, default 200), --only NAME (one scenario).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startChild } from "../tests/support/child-server";
import { readMemory, sampleRss, stopProcess } from "./lib/proc";

const { values: opt } = parseArgs({
  options: {
    root: { type: "string", default: resolve(import.meta.dir, "..") },
    mb: { type: "string", default: "200" },
    only: { type: "string" },
  },
});
const ROOT = resolve(opt.root!);
const BODY_MB = Number(opt.mb);
const TOKEN = "bench-token-0123456789abcdef";
const MB = 1024 * 1024;
const CHUNK = 256 * 1024;
const log = (...a: unknown[]) => console.error("[bench]", ...a);

type Shot = { status: number; sentMb: number; ms: number };

/** Sends one request over a raw socket; the body comes from `body()` chunk by chunk, with backpressure. */
function send(
  url: string,
  head: string,
  prefix: Uint8Array,
  fillBytes: number,
  suffix: Uint8Array,
  chunked: boolean,
) {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  return new Promise<Shot>((done) => {
    let sent = 0;
    let answered: number | undefined;
    let response = "";
    const socket = connect({ host: hostname, port: Number(port) });
    const finish = () => {
      socket.destroy();
      done({ status: answered ?? 0, sentMb: sent / MB, ms: Math.round(performance.now() - started) });
    };
    socket.on("data", (d) => {
      response += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(response);
      if (m && response.includes("\r\n\r\n") && answered === undefined) {
        answered = Number(m[1]);
        finish();
      }
    });
    socket.on("error", () => finish());
    socket.on("close", () => finish());
    const write = (bytes: Uint8Array) =>
      new Promise<boolean>((ok) => {
        if (socket.destroyed || answered !== undefined) return ok(false);
        const framed = chunked
          ? Buffer.concat([Buffer.from(`${bytes.byteLength.toString(16)}\r\n`), bytes, Buffer.from("\r\n")])
          : bytes;
        sent += bytes.byteLength;
        if (socket.write(framed)) ok(true);
        else socket.once("drain", () => ok(!socket.destroyed));
      });
    socket.on("connect", async () => {
      socket.write(head);
      if (!(await write(prefix))) return;
      const filler = new Uint8Array(CHUNK).fill(0x61);
      for (let left = fillBytes; left > 0; left -= CHUNK) {
        if (!(await write(left >= CHUNK ? filler : filler.subarray(0, left)))) return;
      }
      if (!(await write(suffix))) return;
      if (chunked) socket.write("0\r\n\r\n");
    });
  });
}

const enc = (s: string) => new TextEncoder().encode(s);

function jsonRequest(url: string, chunked: boolean) {
  const prefix = enc('{"number":"595991234567","body":"');
  const suffix = enc('"}');
  const fill = BODY_MB * MB;
  const length = prefix.byteLength + fill + suffix.byteLength;
  const head =
    `POST /api/v1/send HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer ${TOKEN}\r\n` +
    "Content-Type: application/json\r\n" +
    (chunked ? "Transfer-Encoding: chunked\r\n" : `Content-Length: ${length}\r\n`) +
    "\r\n";
  return send(url, head, prefix, fill, suffix, chunked);
}

function multipartRequest(url: string, ticketId: number) {
  const boundary = "----benchboundary7MA4YWxkTrZu0gW";
  const prefix = enc(
    `--${boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\ncaption\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="medias"; filename="big.bin"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  const suffix = enc(`\r\n--${boundary}--\r\n`);
  const fill = BODY_MB * MB;
  const length = prefix.byteLength + fill + suffix.byteLength;
  const head =
    `POST /api/v1/tickets/${ticketId}/messages/media HTTP/1.1\r\nHost: bench\r\n` +
    `Authorization: Bearer ${TOKEN}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
    `Content-Length: ${length}\r\n\r\n`;
  return send(url, head, prefix, fill, suffix, false);
}

type Scenario = {
  name: string;
  run: (url: string, ticketId: number) => Promise<Shot[]>;
};

const SCENARIOS: Scenario[] = [
  { name: `JSON ${BODY_MB} MB`, run: async (u) => [await jsonRequest(u, false)] },
  { name: `JSON ${BODY_MB} MB, chunked`, run: async (u) => [await jsonRequest(u, true)] },
  { name: `multipart, one ${BODY_MB} MB file`, run: async (u, t) => [await multipartRequest(u, t)] },
  {
    name: `4 × JSON ${BODY_MB} MB at once`,
    run: (u) => Promise.all([1, 2, 3, 4].map(() => jsonRequest(u, false))),
  },
  {
    name: `4 × multipart ${BODY_MB} MB at once`,
    run: (u, t) => Promise.all([1, 2, 3, 4].map(() => multipartRequest(u, t))),
  },
];

async function runScenario(s: Scenario) {
  const dataDir = mkdtempSync(join(tmpdir(), "chasqui-bench-body-"));
  const child = await startChild(["bun", join(ROOT, "src/cli.ts"), "serve"], {
    DATA_DIR: dataDir,
    API_TOKEN: TOKEN,
    MAX_UPLOAD_MB: "64",
  });
  try {
    const api = (path: string, body: unknown) =>
      fetch(`${child.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<any>);
    const conn = await api("/api/v1/connections", {
      name: "bench",
      driver: "sandbox",
      number: "595981234567",
    });
    const inbound = await api(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: "595991234567",
      body: "hola",
    });
    // A few ordinary requests first, so the baseline includes a warmed-up server.
    for (let i = 0; i < 20; i++)
      await fetch(`${child.url}/api/v1/tickets`, { headers: { authorization: `Bearer ${TOKEN}` } });
    Bun.gc(true);
    const before = readMemory(child.proc.pid);
    const sampler = sampleRss(child.proc.pid, 10);
    const shots = await s.run(child.url, inbound.ticketId);
    const peak = sampler.stop();
    const after = readMemory(child.proc.pid);
    return {
      scenario: s.name,
      statuses: [...new Set(shots.map((x) => x.status))].join(","),
      sentMb: Math.max(...shots.map((x) => x.sentMb)),
      answerMs: Math.max(...shots.map((x) => x.ms)),
      baselineMb: before.rssMb,
      // VmHWM also counts boot; it speaks for this scenario only when it rose during it.
      peakDeltaMb: (after.hwmMb > before.hwmMb ? Math.max(peak, after.hwmMb) : peak) - before.rssMb,
    };
  } finally {
    await stopProcess(child.proc);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? "?"}`;
log(`root ${ROOT}, ${BODY_MB} MB bodies, MAX_UPLOAD_MB=64, machine ${machine}, Bun ${Bun.version}`);
const rows = [];
for (const s of SCENARIOS) {
  if (opt.only && !s.name.includes(opt.only)) continue;
  const r = await runScenario(s);
  log(JSON.stringify(r));
  rows.push(r);
}
console.log("| scenario | answer | MB sent when answered | time to answer | RSS idle | RSS peak over idle |");
console.log("|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.scenario} | ${r.statuses} | ${r.sentMb.toFixed(0)} | ${r.answerMs} ms | ${r.baselineMb.toFixed(0)} MB | +${r.peakDeltaMb.toFixed(0)} MB |`,
  );
}
