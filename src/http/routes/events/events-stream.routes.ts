import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { visibleQueues } from "../../../domain/account.service";
import { EVENT_NAMES, type EventName } from "../../../webhooks/events";
import { authenticate, bearerToken, sessionPrincipal } from "../../auth";
import type { AppEnv } from "../../context";
import { createRouter } from "../../create-router";
import type { EventStreams, StreamFilter, StreamSubscription } from "../../event-streams";
import { commonErrors, positiveInt } from "../../wire";

/** A comment line this often keeps proxies and Bun's idle timeout (120 s) from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;
/** How long a stream that is ending (dropped, or the server stopping) waits for a client that does not read. */
export const DROP_GRACE_MS = 15_000;

/**
 * Bearer auth that also reads `?access_token=`, because a browser's EventSource cannot send headers.
 * Only this route accepts it: a token in a URL can end up in proxy logs and browser history.
 */
const headerOrQueryAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c) ?? c.req.query("access_token");
  // The panel signed in with a session: EventSource sends the cookie by itself.
  const user = token === undefined ? await sessionPrincipal(c) : null;
  if (user) {
    c.set("principal", user);
    return next();
  }
  c.set(
    "principal",
    await authenticate(
      c,
      token,
      "Missing token: send Authorization: Bearer <token> or ?access_token=<token>",
    ),
  );
  await next();
});

const eventList = z
  .string()
  .optional()
  .transform((s, ctx) => {
    const names = (s ?? "")
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !(EVENT_NAMES as readonly string[]).includes(n));
    if (unknown.length > 0) {
      ctx.addIssue({ code: "custom", message: `unknown event(s): ${unknown.join(", ")}` });
      return z.NEVER;
    }
    return names as EventName[];
  })
  .openapi({
    type: "string",
    description: "Comma-separated event names to receive; omit for all",
    example: "message_received,message_ack",
  });

const StreamQuery = z.object({
  connectionId: positiveInt().optional(),
  event: eventList,
  lastEventId: z.string().optional().openapi({
    description:
      "Resume after this event id on the first connection (EventSource sends the `Last-Event-ID` header itself when it reconnects; the header wins)",
  }),
  access_token: z.string().optional().openapi({
    description:
      "The API token, for clients that cannot send headers (the browser's EventSource). Accepted on this route only.",
  }),
});

export const eventsStreamRouter = createRouter();
eventsStreamRouter.use("/events/stream", headerOrQueryAuth);
eventsStreamRouter.openapi(
  createRoute({
    method: "get",
    path: "/events/stream",
    tags: ["Webhooks"],
    summary: "Live stream of events (Server-Sent Events)",
    description: [
      "The events webhooks carry, as they are stored, over one long-lived `text/event-stream` response: an alternative to webhooks for clients that can keep a connection open.",
      "Each event is `id: <event id>`, `event: <event name>`, `data: <the webhook envelope as JSON>` — the same body and id (`webhook-id`) a webhook receives.",
      "Resume: send `Last-Event-ID: <event id>` (EventSource does it on reconnect) or `?lastEventId=` and every stored event after it is replayed first, in order; an id that is unknown or already pruned (EVENT_RETENTION_HOURS) gives an `event: reset` first and then live events only, so re-read state with the REST API.",
      "A client that falls 1,000 events behind (it does not read) gets an `event: reset` and the stream ends: reconnect with `Last-Event-ID` to catch up from the stored events.",
      "Auth: `Authorization: Bearer <token>` or, for EventSource, `?access_token=<token>`. A `: ping` comment is sent every 15 s.",
    ].join("\n\n"),
    request: { query: StreamQuery },
    responses: {
      200: {
        description: "An endless stream of events",
        content: {
          "text/event-stream": {
            schema: { type: "string" },
            example:
              'id: evt_019384a2b1c0f3e2d1a0b9\nevent: message_received\ndata: {"event":"message_received","timestamp":"2024-12-01T10:30:00.000Z","connectionId":1,"connectionName":"WhatsApp Principal","connectionNumber":"595981234567","data":{"messageId":"3EB0ABC123","body":"Hola"}}\n\n',
          },
        },
      },
      ...commonErrors,
    },
  }),
  async (c) => {
    const { services, streams } = c.get("deps");
    // Resolving a Last-Event-ID: a synchronous read on SQLite, a query of the pool on PostgreSQL.
    const seqOf = (id: string) => services.pgEventFeed?.seqOf(id) ?? services.eventFeed.seqOf(id);
    const q = c.req.valid("query");
    const resumeFrom = c.req.header("last-event-id") || q.lastEventId;

    let afterSeq: number | undefined;
    let reset = false;
    if (resumeFrom) {
      afterSeq = /^\d+$/.test(resumeFrom) ? Number(resumeFrom) : await seqOf(resumeFrom);
      reset = afterSeq === undefined;
    }

    // nginx buffers proxied responses by default, which would hold events back.
    c.header("x-accel-buffering", "no");
    c.header("Content-Type", "text/event-stream");
    c.header("Cache-Control", "no-cache");
    c.header("Connection", "keep-alive");
    const visible = agentVisibility(c);
    return c.body(
      sseBody(streams, { connectionId: q.connectionId, types: q.event, visible }, afterSeq, reset, c.req.raw),
    );
  },
);

/**
 * A signed-in agent's stream carries only the events of tickets they may see (their queues and tickets with
 * no queue) and the events of no ticket (connections, contacts). A ticket event counts by the queue it names
 * (a transfer also by the queue it left, so the agent learns the ticket went away); a message event by its
 * ticket's current queue.
 */
function agentVisibility(c: Context<AppEnv>): StreamFilter["visible"] {
  const p = c.get("principal");
  const queues = visibleQueues(p);
  if (queues === null) return undefined;
  const sees = (queueId: number | null | undefined) => queues.includes(queueId ?? 0);
  return (row, queueOf) => {
    let data: { ticketId?: number; queueId?: number | null; transfer?: { fromQueueId: number | null } };
    try {
      data = JSON.parse(row.payload).data ?? {};
    } catch {
      return false;
    }
    if (typeof data.ticketId !== "number") return true;
    if (row.type.startsWith("ticket_"))
      return sees(data.queueId) || (data.transfer !== undefined && sees(data.transfer.fromQueueId));
    const queueId = queueOf(data.ticketId);
    return queueId !== undefined && sees(queueId);
  };
}

const encoder = new TextEncoder();
const HELLO = encoder.encode("retry: 3000\n: connected\n\n");
const PING = encoder.encode(": ping\n\n");
const resetFrame = (reason: string) =>
  encoder.encode(`event: reset\ndata: ${JSON.stringify({ reason })}\n\n`);
const UNKNOWN_ID = resetFrame("Last-Event-ID is unknown or past retention");
const FELL_BEHIND = resetFrame("The client fell behind: reconnect with Last-Event-ID");

/** What Bun hands a `type: "direct"` ReadableStream's `pull`: writes go straight to the destination. */
type DirectController = {
  write(data: Uint8Array): number | Promise<number>;
  flush(): number | Promise<number>;
  close(error?: Error): void;
};

/**
 * The response body of one stream: a Bun "direct" ReadableStream fed by the shared fan-out. The frames are
 * encoded once for all streams; at the end of each fan-out pass the hub calls this stream's `flush`, which
 * writes what it has in one chunk straight to the response (no writer, no TransformStream, no queue, no
 * promise per write). When the socket is full, Bun's write or flush returns a promise: until it settles the
 * events wait in the stream's bounded buffer in the hub, then go out in one write. A client that lets
 * `bufferEvents` pile up there is dropped: `event: reset`, then the end.
 */
function sseBody(
  streams: EventStreams,
  filter: StreamFilter,
  afterSeq: number | undefined,
  reset: boolean,
  req: Request,
): ReadableStream<Uint8Array> {
  let controller: DirectController | undefined;
  let sub: StreamSubscription | undefined;
  let ended = false;
  let cleaned = false;
  let blocked = false;
  let lastWrite = Date.now();
  let heartbeat: ReturnType<typeof setTimeout> | undefined;
  let cut: ReturnType<typeof setTimeout> | undefined;
  let untrack = () => {};
  let pendingLast: Uint8Array | undefined;
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    ended = true;
    sub?.close();
    untrack();
    clearTimeout(heartbeat);
    clearTimeout(cut);
    finish();
  };
  const unblock = () => {
    blocked = false;
    if (ended) {
      // What was queued reached the client: the response can end.
      if (!cleaned) finishEnd();
    } else flush();
  };
  const send = (bytes: Uint8Array) => {
    lastWrite = Date.now();
    try {
      const w = controller!.write(bytes);
      const f = controller!.flush();
      const wait = w instanceof Promise ? w : f instanceof Promise ? f : undefined;
      if (wait) {
        blocked = true;
        wait.then(unblock, cleanup);
      }
    } catch {
      // The client went away.
      cleanup();
    }
  };
  const finishEnd = () => {
    try {
      controller?.close();
    } catch {
      // Already closed.
    }
    cleanup();
  };
  /** Ends the response once the client took what is queued; cut after DROP_GRACE_MS if it takes nothing. */
  const end = (last?: Uint8Array) => {
    if (ended) return;
    ended = true;
    sub?.close();
    untrack();
    clearTimeout(heartbeat);
    if (!controller) {
      // Nothing pulled yet: `pull` writes the greeting, this and the end.
      pendingLast = last;
    } else {
      if (last) send(last);
      if (!blocked) return finishEnd();
    }
    // A client that stopped reading would keep the written bytes (and its socket) forever: cut it.
    cut = setTimeout(() => {
      try {
        controller?.close(new Error("SSE client did not read"));
      } catch {
        // It finished reading meanwhile.
      }
      cleanup();
    }, DROP_GRACE_MS);
    // It must not hold a stopping process open.
    cut.unref?.();
  };
  const flush = () => {
    if (ended || blocked || !sub || !controller) return;
    // Not blocked: the client took what was sent. Otherwise the hub's buffer holds the events.
    while (!blocked && !ended) {
      const rows = sub.take();
      if (rows === "dropped") return end(FELL_BEHIND);
      if (rows.length === 0) return;
      // One write per pass: the frames are already encoded, once for all streams.
      send(rows.length === 1 ? rows[0]!.bytes : Buffer.concat(rows.map((r) => r.bytes)));
    }
  };
  // A `: ping` comment after HEARTBEAT_MS without a write; one timer per stream, re-armed lazily.
  const beat = () => {
    if (ended) return;
    const idle = Date.now() - lastWrite;
    if (idle >= HEARTBEAT_MS) {
      if (!blocked) send(PING);
      heartbeat = setTimeout(beat, HEARTBEAT_MS);
    } else heartbeat = setTimeout(beat, HEARTBEAT_MS - idle);
  };

  // Rows come in `seq` order from the shared fan-out (after a catch-up read from the table when resuming),
  // so replay and live events can neither overlap nor leave a gap. Open now: events committed before the
  // body is first pulled are held in the hub's buffer.
  sub = streams.open(filter, afterSeq, flush);
  untrack = streams.track(() => end());
  req.signal?.addEventListener("abort", cleanup, { once: true });
  heartbeat = setTimeout(beat, HEARTBEAT_MS);

  const source = {
    type: "direct",
    pull(ctl: DirectController) {
      if (controller) {
        // A reader (rather than a server) pulls again: it reads what was written; the stream goes on.
        controller = ctl;
        return done;
      }
      controller = ctl;
      send(HELLO);
      if (reset) send(UNKNOWN_ID);
      if (ended) {
        if (pendingLast) send(pendingLast);
        if (!blocked) finishEnd();
      } else flush();
      // The stream stays open while this is pending.
      return done;
    },
    cancel() {
      cleanup();
    },
  };
  return new ReadableStream(source as unknown as UnderlyingDefaultSource<Uint8Array>);
}
