import { AddressRefusedError, fetchPinned } from "../net/address-policy";
import { parseRetryAfterMs } from "./backoff";
import type { ReceiverPolicy } from "./receiver-policy";
import { signWebhook } from "./signing";

export type DeliveryRequest = {
  url: string;
  secret: string;
  /** The event id: the `webhook-id` header, the same on every attempt so consumers can dedupe. */
  eventId: string;
  eventType: string;
  connectionId: number | null;
  /** The stored JSON body, sent byte for byte. */
  payload: string;
};

export type DeliveryOutcome =
  | { kind: "response"; statusCode: number; retryAfterMs: number | undefined; durationMs: number }
  | { kind: "error"; error: string; timedOut: boolean; durationMs: number }
  /** The address policy refused the receiver's address: no connection was made. */
  | { kind: "refused"; error: string; durationMs: number };

export const USER_AGENT = "Chasqui-Webhooks/1.0";

/** The headers of one attempt; `webhook-timestamp` is fresh per attempt, so is the signature. */
export function deliveryHeaders(req: DeliveryRequest, nowMs: number): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "x-webhook-event": req.eventType,
    "x-connection-id": req.connectionId === null ? "" : String(req.connectionId),
    "webhook-id": req.eventId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signWebhook(req.secret, req.eventId, timestamp, req.payload),
  };
}

/**
 * One HTTP attempt. Never throws: a status, a timeout, a network error or a refusal all come back as an
 * outcome. The receiver's host is resolved and checked against the address policy on every attempt (DNS
 * may have changed since the webhook was configured) and the request goes to the checked address, so
 * nothing is sent to an address the policy refuses. Redirects are never followed: a 3xx is a failed
 * attempt like any other non-2xx.
 */
export async function attemptDelivery(
  req: DeliveryRequest,
  opts: {
    timeoutMs: number;
    receivers: ReceiverPolicy;
    clock?: () => number;
    signal?: AbortSignal;
    fetchImpl?: typeof fetch;
  },
): Promise<DeliveryOutcome> {
  const clock = opts.clock ?? Date.now;
  const started = performance.now();
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  try {
    const url = new URL(req.url);
    const addresses = await opts.receivers.addressesFor(url, signal);
    const res = await fetchPinned(
      url,
      addresses,
      { method: "POST", body: req.payload, headers: deliveryHeaders(req, clock()), signal },
      opts.fetchImpl,
    );
    // Drain the body (bounded by the same timeout) so the keep-alive connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    const durationMs = performance.now() - started;
    // An answer seen after the time limit is a timeout even if the timer fired late (a thread starved of CPU
    // handles both at once): the receiver was slower than WEBHOOK_TIMEOUT_MS, and the attempt is retried.
    if (durationMs > opts.timeoutMs) {
      return { kind: "error", error: `timed out after ${opts.timeoutMs} ms`, timedOut: true, durationMs };
    }
    return {
      kind: "response",
      statusCode: res.status,
      retryAfterMs:
        res.status === 429 || res.status === 503
          ? parseRetryAfterMs(res.headers.get("retry-after"), clock())
          : undefined,
      durationMs,
    };
  } catch (err) {
    const durationMs = performance.now() - started;
    if (err instanceof AddressRefusedError && err.reason === "blocked") {
      return { kind: "refused", error: err.message.slice(0, 500), durationMs };
    }
    const timedOut = timeout.aborted;
    const message = timedOut
      ? `timed out after ${opts.timeoutMs} ms`
      : opts.signal?.aborted
        ? "aborted at shutdown"
        : err instanceof Error
          ? err instanceof AddressRefusedError
            ? err.message
            : `${err.name}: ${err.message}`
          : String(err);
    return { kind: "error", error: message.slice(0, 500), timedOut, durationMs };
  }
}

export const isSuccess = (o: DeliveryOutcome) =>
  o.kind === "response" && o.statusCode >= 200 && o.statusCode < 300;
