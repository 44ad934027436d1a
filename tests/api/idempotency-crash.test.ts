import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { openDatabase } from "../../src/db/client";
import { createEventFeed } from "../../src/webhooks/event-feed";
import { startChild } from "../support/child-server";
import { waitFor } from "../support/test-app";

const ROOT = join(import.meta.dir, "../..");
const TOKEN = "idem-crash-admin-token-0123456789";
// The audit's figure came from 6,000 sends and 6 kills: IDEMPOTENCY_CRASH_SENDS=6000 IDEMPOTENCY_CRASH_KILLS=6.
const SENDS = Number(process.env.IDEMPOTENCY_CRASH_SENDS ?? 1000);
const KILLS = Number(process.env.IDEMPOTENCY_CRASH_KILLS ?? 8);
const CLIENTS = Number(process.env.IDEMPOTENCY_CRASH_CLIENTS ?? 64);
const NUMBERS = ["595991000001", "595991000002", "595991000003", "595991000004"];

test(
  "sends cut off by kill -9 and retried with the same Idempotency-Key are stored and announced at most once",
  async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chasqui-idem-crash-"));
    // Each generation binds a free port of its own (PORT=0): a fixed port could be taken in between.
    let base = "";
    let child: Subprocess | undefined;
    const start = async () => {
      const started = await startChild(["bun", join(ROOT, "src/cli.ts"), "serve"], {
        DATA_DIR: dataDir,
        API_TOKEN: TOKEN,
        // The message has left when the sandbox starts waiting: a kill in the wait is a kill mid-send.
        SANDBOX_SEND_DELAY_MS: "2",
      });
      child = started.proc;
      base = started.url.replace("0.0.0.0", "127.0.0.1");
    };

    type Outcome = { status: number; error?: string; messageId?: string; replayed: boolean };
    const outcomes = new Map<number, Outcome>();
    let next = 0;
    let restarting: Promise<void> | undefined;
    let kills = 0;
    const killAt = Array.from({ length: KILLS }, (_, i) => Math.floor(((i + 1) * SENDS) / (KILLS + 2)));
    /**
     * Each kill lands while a message is stored but its client has no answer yet: the moment where a
     * server that stores the key after the message has the message and not the key.
     */
    const killer = async () => {
      const watch = new Database(join(dataDir, "chasqui.sqlite"));
      const recent = watch.query<{ body: string }, []>(
        "select body from messages where from_me = 1 order by rowid desc limit 256",
      );
      const answerPending = () =>
        recent.all().some((m) => !outcomes.has(Number(m.body.slice("pedido ".length))));
      try {
        while (kills < KILLS) {
          await waitFor(() => outcomes.size >= killAt[kills]! || next >= SENDS, { timeoutMs: 120_000 });
          if (next >= SENDS) return;
          await waitFor(() => answerPending() || next >= SENDS, {
            timeoutMs: 60_000,
            message: "a stored message without its answer",
          });
          if (next >= SENDS) return;
          kills++;
          const victim = child!;
          victim.kill("SIGKILL");
          restarting = (async () => {
            await victim.exited;
            await start();
            restarting = undefined;
          })();
          await restarting;
        }
      } finally {
        watch.close();
      }
    };

    const sendOnce = async (i: number): Promise<Outcome> => {
      for (;;) {
        await restarting;
        let res: Response;
        try {
          res = await fetch(`${base}/api/v1/send`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${TOKEN}`,
              "content-type": "application/json",
              "idempotency-key": `order-${i}`,
            },
            body: JSON.stringify({ number: NUMBERS[i % NUMBERS.length], body: `pedido ${i}` }),
          });
        } catch {
          // Cut off by the kill: wait for the server to come back, then retry with the same key.
          await waitFor(
            async () => {
              await restarting;
              return fetch(`${base}/health`).then((r) => r.ok);
            },
            { timeoutMs: 20_000, message: "server back" },
          );
          continue;
        }
        const body = (await res.json().catch(() => ({}))) as any;
        return {
          status: res.status,
          error: body.error,
          messageId: body.data?.[0]?.messageId,
          replayed: res.headers.get("idempotent-replayed") === "true",
        };
      }
    };

    const worker = async () => {
      while (next < SENDS) {
        const i = next++;
        outcomes.set(i, await sendOnce(i));
      }
    };

    try {
      await start();
      const conn = await fetch(`${base}/api/v1/connections`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "Crash", driver: "sandbox", number: "595981000000" }),
      });
      expect(conn.status).toBe(201);
      const killing = killer();
      await Promise.all(Array.from({ length: CLIENTS }, worker));
      await killing;
      await restarting;
      child!.kill("SIGTERM");
      await child!.exited;

      const db = new Database(join(dataDir, "chasqui.sqlite"), { readonly: true });
      const stored = new Map<string, string[]>();
      for (const m of db
        .query<{ id: string; body: string }, []>("select id, body from messages where from_me = 1")
        .all()) {
        stored.set(m.body, [...(stored.get(m.body) ?? []), m.id]);
      }
      db.close();
      // Stored events are read through the one event reader (rows keep their data compressed).
      const eventsDb = openDatabase(join(dataDir, "chasqui.sqlite"));
      const announced = new Map<string, number>();
      for (const e of createEventFeed(eventsDb).after(0, { types: ["message_sent"], limit: 1_000_000 })) {
        const body = JSON.parse(e.payload).data.body as string;
        announced.set(body, (announced.get(body) ?? 0) + 1);
      }
      eventsDb.$client.close();

      const duplicates: number[] = [];
      const unexpected: [number, Outcome][] = [];
      let unknown = 0;
      let replayed = 0;
      for (let i = 0; i < SENDS; i++) {
        const body = `pedido ${i}`;
        const ids = stored.get(body) ?? [];
        if (ids.length > 1 || (announced.get(body) ?? 0) > 1) duplicates.push(i);
        const o = outcomes.get(i)!;
        if (o.status === 201) {
          if (o.replayed) replayed++;
          // A success, first or replayed, names the one message stored for its key.
          if (!o.messageId || !ids.includes(o.messageId)) unexpected.push([i, o]);
        } else if (o.status === 409 && o.error === "ERR_IDEMPOTENCY_OUTCOME_UNKNOWN") {
          unknown++;
        } else {
          unexpected.push([i, o]);
        }
      }
      console.log(
        JSON.stringify({
          sends: SENDS,
          kills,
          replayed,
          outcomeUnknown: unknown,
          duplicates: duplicates.length,
        }),
      );
      expect(kills).toBe(KILLS);
      expect({ duplicates, unexpected }).toEqual({ duplicates: [], unexpected: [] });
    } finally {
      if (child && child.exitCode === null) child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
  { timeout: 180_000 },
);
