import type { Logger } from "../../logger";
import type { ConnectionStatus, GatewayEvents } from "../gateway";

/** Why a socket closed, as far as supervision is concerned (the socket module reads Baileys' codes). */
export type CloseReason =
  | { kind: "loggedOut" }
  /** WhatsApp's 515 after pairing: the socket is to be opened again at once. */
  | { kind: "restartRequired" }
  | { kind: "qrExpired" }
  | { kind: "dropped"; code: number | undefined; message: string };

export type SupervisorOptions = {
  log: Logger;
  /** The connection's number until WhatsApp tells it (at open). */
  number: string | null;
  /** Receives every status change, and every status set again (each new QR, say). */
  onStatus: GatewayEvents["status"];
  /** Opens a socket; throws when it cannot (a busy database reading keys, say). */
  connect: () => Promise<void>;
  /** The phone unlinked this device: forget its credentials. */
  onLoggedOut: () => void;
  /** Delay before the next try after `failures` consecutive failures (from 0). */
  retryDelayMs: (failures: number) => number;
  /** This many closes within loopWindowMs pause reconnects for loopPauseMs. */
  loopWindowMs: number;
  loopMaxCloses: number;
  loopPauseMs: number;
};

export type Supervisor = ReturnType<typeof createSupervisor>;

/**
 * The connection's status and reconnect policy, without a socket: reconnect with capped exponential
 * backoff and jitter on every close except a logout, at once after restartRequired (515), and a pause when
 * closes loop.
 */
export function createSupervisor(opts: SupervisorOptions) {
  const { log } = opts;
  let status: ConnectionStatus = "OPENING";
  let number = opts.number;
  let stopped = false;
  let attempt = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let closes: number[] = [];

  /** Resolves once the status is stored (the gateway awaits it where its caller reads the status back). */
  const setStatus = (
    next: ConnectionStatus,
    info: { qrcode?: string | null; reason?: string } = {},
  ): void | Promise<void> => {
    if (next !== status)
      log.info({ from: status, to: next, reason: info.reason }, "connection status changed");
    status = next;
    return opts.onStatus(next, { qrcode: info.qrcode ?? null, number, reason: info.reason });
  };

  const scheduleReconnect = (delayMs: number) => {
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (!stopped) void connectOrRetry();
    }, delayMs);
  };

  const backoffMs = () => opts.retryDelayMs(attempt++);

  /** Opens a socket; when that throws, tries again after a backoff. */
  const connectOrRetry = async (): Promise<void> => {
    if (stopped) return;
    try {
      await opts.connect();
    } catch (err) {
      if (stopped) return;
      const delayMs = backoffMs();
      log.error({ err, retryInMs: delayMs }, "opening the WhatsApp socket failed; will retry");
      setStatus("OPENING", { reason: `connecting failed: ${(err as Error).message}` });
      scheduleReconnect(delayMs);
    }
  };

  return {
    status: () => status,

    async start() {
      stopped = false;
      // Stored before the socket opens: a restart's caller reads the status back, and must not see the QR of the
      // session it just replaced.
      await setStatus("OPENING");
      await connectOrRetry();
    },

    /** No reconnect from now on (until start). */
    stop() {
      stopped = true;
      clearTimeout(reconnectTimer);
    },

    qr(qrcode: string) {
      // Baileys keeps rotating the QR after a pairing code was asked for; the code stays valid meanwhile, so
      // the connection stays PAIRING instead of flipping back to qrcode under the user typing the code.
      if (status !== "PAIRING") setStatus("qrcode", { qrcode });
    },

    /** Resolves once PAIRING is stored. */
    pairing() {
      return setStatus("PAIRING");
    },

    /** The socket is open; `me` is the number WhatsApp says it is linked to, when known. */
    opened(me: string | null) {
      attempt = 0;
      if (me) number = me;
      setStatus("CONNECTED");
    },

    /** The socket is gone for good: a logout asked for here. */
    disconnected(reason: string) {
      setStatus("DISCONNECTED", { reason });
    },

    closed(reason: CloseReason) {
      if (stopped) return;
      switch (reason.kind) {
        case "loggedOut":
          opts.onLoggedOut();
          setStatus("DISCONNECTED", { reason: "logged out from the phone" });
          return;
        case "restartRequired":
          void connectOrRetry();
          return;
        case "qrExpired":
          setStatus("TIMEOUT", { reason: "the QR code expired without being scanned" });
          return;
      }
      const now = Date.now();
      closes = [...closes.filter((t) => now - t < opts.loopWindowMs), now];
      if (closes.length >= opts.loopMaxCloses) {
        closes = [];
        setStatus("OPENING", {
          reason: `reconnect loop: ${opts.loopMaxCloses} closes within ${opts.loopWindowMs} ms; pausing`,
        });
        scheduleReconnect(opts.loopPauseMs);
        return;
      }
      setStatus("OPENING", { reason: `connection closed (${reason.code ?? "unknown"}): ${reason.message}` });
      scheduleReconnect(backoffMs());
    },
  };
}
