// Writer for bench/mixed.bench.ts, in its own process: sandbox inbound messages and API sends at fixed
// rates (open loop: requests start on schedule whether or not earlier ones answered, up to 400 in flight).
// Args: <api base> <token> <connectionId> <inbound/s> <sends/s> <contacts>. Runs until SIGTERM, then prints
// one JSON line {inbound, sends, errors, skipped, seconds, latencyMs: {inbound, sends}: {p50, p99, max}} (the time
// from a request's start to its answer's last byte).
import { contactNumber } from "./seed";
import { quantile } from "./stats";

const [base, token, connArg, inboundArg, sendsArg, contactsArg] = process.argv.slice(2);
const connectionId = Number(connArg);
const inboundRate = Number(inboundArg);
const sendRate = Number(sendsArg);
const contacts = Number(contactsArg);
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const MAX_IN_FLIGHT = 400;

let inFlight = 0;
const done = { inbound: 0, sends: 0, errors: 0, skipped: 0 };
const took: Record<"inbound" | "sends", number[]> = { inbound: [], sends: [] };
const latency = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? 0 : Math.round(quantile(sorted, p)));
  return { p50: at(0.5), p99: at(0.99), max: Math.round(sorted.at(-1) ?? 0) };
};
// Strides coprime with the contact count spread the writes over many tickets, as real traffic does.
let inboundIndex = 0;
let sendIndex = 0;
const pick = (i: number, stride: number) => contactNumber(((i * stride) % contacts) + 1);

const fire = (path: string, body: unknown, kind: "inbound" | "sends") => {
  if (inFlight >= MAX_IN_FLIGHT) {
    done.skipped++;
    return;
  }
  inFlight++;
  const t0 = performance.now();
  fetch(`${base}${path}`, { method: "POST", headers, body: JSON.stringify(body) })
    .then(async (res) => {
      await res.arrayBuffer();
      took[kind].push(performance.now() - t0);
      if (res.ok) done[kind]++;
      else done.errors++;
    })
    .catch(() => {
      done.errors++;
    })
    .finally(() => {
      inFlight--;
    });
};

const started = performance.now();
let stopped = false;
process.once("SIGTERM", () => {
  stopped = true;
});
let firedInbound = 0;
let firedSends = 0;
while (!stopped) {
  const elapsed = (performance.now() - started) / 1000;
  while (firedInbound < Math.floor(elapsed * inboundRate)) {
    fire(
      `/api/v1/connections/${connectionId}/sandbox/inbound`,
      { number: pick(inboundIndex++, 7919), body: `mixed inbound ${firedInbound}`, name: "Mixed" },
      "inbound",
    );
    firedInbound++;
  }
  while (firedSends < Math.floor(elapsed * sendRate)) {
    fire("/api/v1/send", { number: pick(sendIndex++, 104_729), body: `mixed send ${firedSends}` }, "sends");
    firedSends++;
  }
  await Bun.sleep(5);
}
const deadline = Date.now() + 10_000;
while (inFlight > 0 && Date.now() < deadline) await Bun.sleep(10);
const latencyMs = { inbound: latency(took.inbound), sends: latency(took.sends) };
console.log(JSON.stringify({ ...done, seconds: (performance.now() - started) / 1000, latencyMs }));
process.exit(0);
