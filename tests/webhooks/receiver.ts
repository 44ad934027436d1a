import { Webhook } from "standardwebhooks";

export type ReceivedRequest = {
  id: string;
  timestamp: string;
  signature: string;
  event: string;
  connectionId: string;
  contentType: string;
  /** The Host header: the name in the webhook URL even when the IP it resolved to was dialled. */
  host: string;
  body: string;
  /** Which request this is for its webhook-id: 1 for the first attempt. */
  attempt: number;
  at: number;
};

/** What the receiver does with a request: answer, hang until it is closed, or drop the TCP connection. */
export type Answer = Response | "hang";

/**
 * A real HTTP receiver on 127.0.0.1:0 (or another loopback address) that records every request and answers
 * as `script` says. Hanging requests are released (with a 200 nobody reads) when the receiver is disposed.
 */
export function startReceiver(
  script: (req: ReceivedRequest, all: ReceivedRequest[]) => Answer = () => ok(),
  hostname = "127.0.0.1",
) {
  const requests: ReceivedRequest[] = [];
  const perId = new Map<string, number>();
  const hanging: (() => void)[] = [];
  const server = Bun.serve({
    port: 0,
    hostname,
    idleTimeout: 0,
    async fetch(req) {
      const body = await req.text();
      const id = req.headers.get("webhook-id") ?? "";
      const attempt = (perId.get(id) ?? 0) + 1;
      perId.set(id, attempt);
      const r: ReceivedRequest = {
        id,
        timestamp: req.headers.get("webhook-timestamp") ?? "",
        signature: req.headers.get("webhook-signature") ?? "",
        event: req.headers.get("x-webhook-event") ?? "",
        connectionId: req.headers.get("x-connection-id") ?? "",
        contentType: req.headers.get("content-type") ?? "",
        host: req.headers.get("host") ?? "",
        body,
        attempt,
        at: Date.now(),
      };
      requests.push(r);
      const answer = script(r, requests);
      if (answer === "hang") {
        return new Promise<Response>((resolve) => hanging.push(() => resolve(ok())));
      }
      return answer;
    },
  });
  return {
    url: `http://${hostname}:${server.port}/hook`,
    port: server.port as number,
    requests,
    /** Requests whose webhook-id is `id`, in arrival order. */
    byId: (id: string) => requests.filter((r) => r.id === id),
    /** Verifies one request's signature with the `standardwebhooks` package; throws when it does not verify. */
    verify(r: ReceivedRequest, secret: string) {
      return new Webhook(secret).verify(r.body, {
        "webhook-id": r.id,
        "webhook-timestamp": r.timestamp,
        "webhook-signature": r.signature,
      });
    },
    async [Symbol.asyncDispose]() {
      for (const release of hanging.splice(0)) release();
      await server.stop(true);
    },
  };
}

export const ok = (status = 200, headers: Record<string, string> = {}) =>
  new Response(null, { status, headers });

/** A TCP server that accepts connections and drops each one as soon as bytes arrive: a connection reset. */
export function startResetServer() {
  let connections = 0;
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open() {
        connections++;
      },
      data(socket) {
        socket.terminate();
      },
    },
  });
  return {
    url: `http://127.0.0.1:${listener.port}/hook`,
    get connections() {
      return connections;
    },
    [Symbol.dispose]() {
      listener.stop(true);
    },
  };
}
