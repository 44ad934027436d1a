import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { EVENT_NAMES, type EventName } from "../../../webhooks/events";
import { authenticate, bearerToken } from "../../auth";
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
  c.set(
    "principal",
    authenticate(c, token, "Missing token: send Authorization: Bearer <token> or ?access_token=<token>"),
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
      "Resume: send `Last-Event-ID: <event id>` (EventSource does it on reconnect) or `?lastEventId=` and every stored event after it is replayed first, in order; an id that is unknown or past WEBHOOK_RETENTION_DAYS gives an `event: reset` first and then live events only, so re-read state with the REST API.",
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
  (c) => {
    const { services, streams } = c.get("deps");
    const feed = services.eventFeed;
    const q = c.req.valid("query");
    const resumeFrom = c.req.header("last-event-id") || q.lastEventId;

    let afterSeq: number | undefined;
    let reset = false;
    if (resumeFrom) {
      afterSeq = /^\d+$/.test(resumeFrom) ? Number(resumeFrom) : feed.seqOf(resumeFrom);
      reset = afterSeq === undefined;
    }

    // nginx buffers proxied responses by default, which would hold events back.
    c.header("x-accel-buffering", "no");
    c.header("Content-Type", "text/event-stream");
    c.header("Cache-Control", "no-cache");
    c.header("Connection", "keep-alive");
    return c.body(
      sseBody(streams, { connectionId: q.connectionId, types: q.event }, afterSeq, reset, c.req.raw),
    );
  },
);

const encoder = new TextEncoder();
const HELLO = encoder.encode("retry: 3000\n: connected\n\n");
const PING = encoder.encode(": ping\n\n");
const resetFrame = (reason: string) =>
  encoder.encode(`event: reset\ndata: ${JSON.stringify({ reason })}\n\n`);
const UNKNOWN_ID = resetFrame("Last-Event-ID is unknown or past retention");
const FELL_BEHIND = resetFrame("The client fell behind: reconnect with Last-Event-ID");

/**
 * The response body of one stream: a pull-based ReadableStream fed by the shared fan-out. The frames are
 * encoded once for all streams; at the end of each fan-out pass the hub calls this stream's `flush`, which
 * enqueues what it has in one chunk (no writer, no TransformStream, no promise per write). While the client
 * keeps up, a chunk goes straight to the server's pending read; while it does not (the queue holds one chunk),
 * the events wait in the stream's bounded buffer in the hub, and `pull` (the client took the queued chunk)
 * flushes them. A client that lets `bufferEvents` pile up there is dropped: `event: reset`, then the end.
 */
function sseBody(
  streams: EventStreams,
  filter: StreamFilter,
  afterSeq: number | undefined,
  reset: boolean,
  req: Request,
): ReadableStream<Uint8Array> {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let sub: StreamSubscription | undefined;
  let ended = false;
  let cleaned = false;
  let lastWrite = Date.now();
  let heartbeat: ReturnType<typeof setTimeout> | undefined;
  let cut: ReturnType<typeof setTimeout> | undefined;
  let untrack = () => {};

  const send = (bytes: Uint8Array) => {
    controller.enqueue(bytes);
    lastWrite = Date.now();
  };
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    ended = true;
    sub?.close();
    untrack();
    clearTimeout(heartbeat);
    clearTimeout(cut);
  };
  /** Ends the response once the client took what is queued; cut after DROP_GRACE_MS if it takes nothing. */
  const end = (last?: Uint8Array) => {
    if (ended) return;
    ended = true;
    sub?.close();
    untrack();
    clearTimeout(heartbeat);
    try {
      if (last) controller.enqueue(last);
      controller.close();
    } catch {
      // Already cancelled by the client.
    }
    // A client that stopped reading would keep the queued chunks (and its socket) forever: cut it.
    cut = setTimeout(() => {
      try {
        controller.error(new Error("SSE client did not read"));
      } catch {
        // It finished reading meanwhile.
      }
      cleanup();
    }, DROP_GRACE_MS);
    // It must not hold a stopping process open.
    cut.unref?.();
  };
  const flush = () => {
    if (ended || !sub) return;
    // Room in the queue: the client took what was sent. Otherwise the hub's buffer holds the events.
    while ((controller.desiredSize ?? 0) > 0) {
      const rows = sub.take();
      if (rows === "dropped") return end(FELL_BEHIND);
      if (rows.length === 0) return;
      // One chunk per pass: the frames are already encoded, once for all streams.
      send(rows.length === 1 ? rows[0]!.bytes : Buffer.concat(rows.map((r) => r.bytes)));
    }
  };
  // A `: ping` comment after HEARTBEAT_MS without a write; one timer per stream, re-armed lazily.
  const beat = () => {
    if (ended) return;
    const idle = Date.now() - lastWrite;
    if (idle >= HEARTBEAT_MS) {
      send(PING);
      heartbeat = setTimeout(beat, HEARTBEAT_MS);
    } else heartbeat = setTimeout(beat, HEARTBEAT_MS - idle);
  };

  return new ReadableStream<Uint8Array>(
    {
      start(ctl) {
        controller = ctl;
        send(HELLO);
        if (reset) send(UNKNOWN_ID);
        // Rows come in `seq` order from the shared fan-out (after a catch-up read from the table when
        // resuming), so replay and live events can neither overlap nor leave a gap.
        sub = streams.open(filter, afterSeq, flush);
        untrack = streams.track(() => end());
        req.signal?.addEventListener("abort", cleanup, { once: true });
        heartbeat = setTimeout(beat, HEARTBEAT_MS);
      },
      pull() {
        flush();
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: 1 },
  );
}
