import type { AuthenticationState, WASocket } from "@whiskeysockets/baileys";
import type { SQL } from "bun";
import { usePostgresAuthState } from "../../cluster/pg-auth-state";
import type { Db } from "../../db/client";
import { AppError } from "../../errors";
import { backoffDelay } from "../../lib/backoff";
import type { Logger } from "../../logger";
import type { GatewayEvents, GatewayLease, WhatsAppGateway } from "../gateway";
import { createCredsSaver } from "./creds-saver";
import { createInbound } from "./inbound";
import { createOutbound } from "./outbound";
import { openSocket } from "./socket";
import { useSqliteAuthState } from "./sqlite-auth-state";
import { createSupervisor } from "./supervisor";

export type BaileysOptions = {
  /** Where session keys live on one node (SQLite). */
  db?: Db;
  /**
   * On PostgreSQL (several nodes): the pool session keys are read from and written to, every write fenced by
   * the connection's lease (src/cluster/pg-auth-state.ts). A connection started under a lease uses it.
   */
  postgres?: SQL;
  logger: Logger;
  /** The WebSocket URL handed to Baileys; WhatsApp's own when unset. Tests point it at the fake server. */
  wsUrl?: string;
  /** Baileys' own log level (it is chatty); default warn. */
  baileysLogLevel?: string;
  /** Looks up a stored message, so Baileys can re-encrypt it when a phone asks for a retry. */
  lookupMessage?: (
    connectionId: number,
    id: string,
  ) => Promise<{ body: string } | undefined> | { body: string } | undefined;
  /** Finds the phone number stored for a LID, when Baileys has no mapping for it. */
  numberForLid?: (lid: string) => Promise<string | undefined> | string | undefined;
  /** Supervision bounds. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  sendTimeoutMs?: number;
  healthCheckTimeoutMs?: number;
  mediaDownloadTimeoutMs?: number;
  profilePicTimeoutMs?: number;
  /** Closes within this window that trip the loop detector, and how long it then pauses. */
  loopWindowMs?: number;
  loopMaxCloses?: number;
  loopPauseMs?: number;
};

/** Baileys' auth state as the gateway uses it, on SQLite (synchronous writes) or PostgreSQL (fenced, async). */
export type BaileysAuth = {
  state: AuthenticationState;
  saveCreds: () => void | Promise<void>;
  clear: () => void | Promise<void>;
};

/**
 * Builds the gateway with its auth state: on PostgreSQL under the node's lease of the connection (a write
 * that finds the lease lost tells `owner.lost`, which closes the socket), else in the SQLite database.
 */
export async function openBaileysGateway(
  connection: { id: number; number: string | null },
  events: GatewayEvents,
  opts: BaileysOptions,
  owner?: GatewayLease,
): Promise<WhatsAppGateway> {
  let auth: BaileysAuth;
  if (opts.postgres) {
    if (!owner)
      throw new Error(`connection ${connection.id}: a Baileys session on PostgreSQL needs its lease`);
    auth = await usePostgresAuthState(opts.postgres, owner.lease, { onLeaseLost: owner.lost });
  } else {
    if (!opts.db) throw new Error("Baileys needs a database for its session keys");
    auth = useSqliteAuthState(opts.db, connection.id);
  }
  return createBaileysGateway(connection, events, opts, auth);
}

/**
 * The WhatsApp gateway port over Baileys, one socket per connection at a time: socket.ts opens it and
 * reports its events, supervisor.ts keeps the status and reconnects (backoff with jitter, at once after a
 * 515, a pause when closes loop), inbound.ts and outbound.ts carry messages in and out.
 */
export function createBaileysGateway(
  connection: { id: number; number: string | null },
  events: GatewayEvents,
  opts: BaileysOptions,
  auth: BaileysAuth,
): WhatsAppGateway {
  const log = opts.logger.child({ module: "baileys", connectionId: connection.id });
  const baileysLog = opts.logger.child(
    { module: "baileys-lib", connectionId: connection.id },
    { level: opts.baileysLogLevel ?? "warn" },
  );
  const reconnectBaseMs = opts.reconnectBaseMs ?? 1_000;
  const reconnectMaxMs = opts.reconnectMaxMs ?? 60_000;

  let sock: WASocket | undefined;
  const requireSocket = (): WASocket => {
    if (!sock || supervisor.status() !== "CONNECTED")
      throw new AppError("ERR_WAPP_NOT_CONNECTED", "The connection is not connected");
    return sock;
  };
  /** Capped exponential delay for the `n`-th consecutive failure (from 0). */
  const jittered = (n: number) =>
    // Jitter keeps many connections from reconnecting in lockstep after a shared outage.
    backoffDelay({
      attempt: n,
      baseMs: reconnectBaseMs,
      factor: 2,
      maxMs: reconnectMaxMs,
      jitter: { kind: "equal" },
    });

  const supervisor = createSupervisor({
    log,
    number: connection.number,
    onStatus: (status, info) => events.status(status, info),
    connect,
    onLoggedOut: () => {
      creds.dropRetry();
      const cleared = auth.clear();
      if (cleared instanceof Promise)
        cleared.catch((err) => log.error({ err }, "forgetting the logged-out device's keys failed"));
    },
    retryDelayMs: jittered,
    loopWindowMs: opts.loopWindowMs ?? 60_000,
    loopMaxCloses: opts.loopMaxCloses ?? 8,
    loopPauseMs: opts.loopPauseMs ?? 5 * 60_000,
  });

  const inbound = createInbound({
    events,
    log,
    baileysLog,
    socket: () => sock,
    requireSocket,
    numberForLid: opts.numberForLid,
    mediaDownloadTimeoutMs: opts.mediaDownloadTimeoutMs ?? 60_000,
  });

  const outbound = createOutbound({
    log,
    socket: () => sock,
    requireSocket,
    rememberOwnSend: inbound.rememberOwnSend,
    sendTimeoutMs: opts.sendTimeoutMs ?? 30_000,
    healthCheckTimeoutMs: opts.healthCheckTimeoutMs ?? 5_000,
    profilePicTimeoutMs: opts.profilePicTimeoutMs ?? 5_000,
  });

  const creds = createCredsSaver({ log, write: auth.saveCreds, retryDelayMs: jittered });

  async function connect() {
    sock = openSocket(
      {
        auth: auth.state,
        baileysLog,
        wsUrl: opts.wsUrl,
        lookupMessage: (id) => opts.lookupMessage?.(connection.id, id),
        isCurrent: (socket) => sock === socket,
      },
      {
        credsChanged: creds.save,
        qr: (qrcode) => supervisor.qr(qrcode),
        opened: (me) => {
          supervisor.opened(me);
          events.seen?.(new Date());
        },
        closed: (reason) => {
          sock = undefined;
          supervisor.closed(reason);
        },
        messagesUpsert: inbound.onUpsert,
        historySet: inbound.onHistory,
        messagesUpdate: inbound.onStatusUpdates,
        // Any frame from the server proves the socket is alive ("looks connected but is dead" detection).
        frame: () => events.seen?.(new Date()),
        serverAck: outbound.serverAcked,
      },
    );
  }

  return {
    driver: "baileys",
    async start() {
      await supervisor.start();
    },
    async stop() {
      supervisor.stop();
      const s = sock;
      sock = undefined;
      s?.end(undefined);
      creds.flush();
    },
    async logout() {
      const s = sock;
      supervisor.stop();
      creds.dropRetry();
      sock = undefined;
      try {
        await s?.logout();
      } catch (err) {
        log.warn({ err }, "logout request failed; forgetting the device locally");
      }
      await auth.clear();
      supervisor.disconnected("logged out");
    },
    status: () => supervisor.status(),
    async requestPairingCode(phone: string) {
      if (!sock) throw new AppError("ERR_WAPP_NOT_CONNECTED", "The connection is not started");
      if (supervisor.status() === "CONNECTED")
        throw new AppError("ERR_CONFLICT", "The connection is already linked");
      const code = await sock.requestPairingCode(phone);
      // Stored before the answer: the caller (the panel) reads the connection back and must see PAIRING.
      await supervisor.pairing();
      return code;
    },
    retryMediaDownload: inbound.retryMediaDownload,
    ...outbound.operations,
  };
}
