import makeWASocket, {
  type BinaryNode,
  Browsers,
  DisconnectReason,
  generateMessageIDV2,
  jidNormalizedUser,
  makeCacheableSignalKeyStore,
  proto,
  S_WHATSAPP_NET,
  type WAMessage,
  type WAMessageKey,
  type WASocket,
} from "@whiskeysockets/baileys";
import type { Db } from "../../db/client";
import { AppError } from "../../errors";
import { backoffDelay } from "../../lib/backoff";
import type { Logger } from "../../logger";
import type {
  ChatAddress,
  GatewayEvents,
  MessageRef,
  NumberCheck,
  OutboundMedia,
  QuotedRef,
  SentMessage,
  WhatsAppGateway,
} from "../gateway";
import { createInbound } from "./inbound";
import { pnDigits } from "./message-mapper";
import { createSignalKeyCache } from "./signal-key-cache";
import { useSqliteAuthState } from "./sqlite-auth-state";
import { createSupervisor } from "./supervisor";
import { withTimeout } from "./with-timeout";

export type BaileysOptions = {
  db: Db;
  logger: Logger;
  /** The WebSocket URL handed to Baileys; WhatsApp's own when unset. Tests point it at the fake server. */
  wsUrl?: string;
  /** Baileys' own log level (it is chatty); default warn. */
  baileysLogLevel?: string;
  /** Looks up a stored message, so Baileys can re-encrypt it when a phone asks for a retry. */
  lookupMessage?: (connectionId: number, id: string) => { body: string } | undefined;
  /** Finds the phone number stored for a LID, when Baileys has no mapping for it. */
  numberForLid?: (lid: string) => string | undefined;
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

/** A chat address (digits, or a group id ending in @g.us) as a jid. */
const toJid = (to: ChatAddress) => (to.includes("@") ? to : `${to}@s.whatsapp.net`);

/**
 * One Baileys socket per connection, supervised: reconnect with capped exponential backoff and jitter on
 * every close except a logout, at once after restartRequired (515), and a pause when closes loop.
 */
export function createBaileysGateway(
  connection: { id: number; number: string | null },
  events: GatewayEvents,
  opts: BaileysOptions,
): WhatsAppGateway {
  const log = opts.logger.child({ module: "baileys", connectionId: connection.id });
  const baileysLog = opts.logger.child(
    { module: "baileys-lib", connectionId: connection.id },
    { level: opts.baileysLogLevel ?? "warn" },
  );
  const auth = useSqliteAuthState(opts.db, connection.id);
  const reconnectBaseMs = opts.reconnectBaseMs ?? 1_000;
  const reconnectMaxMs = opts.reconnectMaxMs ?? 60_000;
  const sendTimeoutMs = opts.sendTimeoutMs ?? 30_000;

  let sock: WASocket | undefined;
  const requireSocket = (): WASocket => {
    if (!sock || supervisor.status() !== "CONNECTED")
      throw new AppError("ERR_WAPP_NOT_CONNECTED", "The connection is not connected");
    return sock;
  };
  /** Sends waiting for WhatsApp's `<ack class=message>`, by message id. */
  const serverAcks = new Map<string, () => void>();
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
      dropCredsRetry();
      auth.clear();
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

  // Credentials are one object Baileys mutates in place: a later save writes the latest state, so failed
  // saves need one pending retry, not a queue.
  let credsRetryTimer: ReturnType<typeof setTimeout> | undefined;
  let credsFailures = 0;
  const saveCreds = () => {
    clearTimeout(credsRetryTimer);
    credsRetryTimer = undefined;
    try {
      auth.saveCreds();
      if (credsFailures > 0)
        log.info({ failures: credsFailures }, "WhatsApp credentials saved after retries");
      credsFailures = 0;
    } catch (err) {
      // A full or busy disk: the session keeps its credentials in memory, so it works until a restart;
      // keep trying, since a restart before they are saved means linking the phone again.
      const delayMs = jittered(credsFailures++);
      log.error(
        { err, retryInMs: delayMs, failures: credsFailures },
        "saving WhatsApp credentials failed; will retry",
      );
      credsRetryTimer = setTimeout(saveCreds, delayMs);
    }
  };
  /** After a logout the credentials are gone on purpose: a pending retry must not write them back. */
  const dropCredsRetry = () => {
    clearTimeout(credsRetryTimer);
    credsRetryTimer = undefined;
  };

  async function connect() {
    const socket = makeWASocket({
      auth: {
        creds: auth.state.creds,
        keys: makeCacheableSignalKeyStore(auth.state.keys, baileysLog, createSignalKeyCache()),
      },
      logger: baileysLog,
      browser: Browsers.ubuntu("Chasqui"),
      markOnlineOnConnect: false,
      syncFullHistory: false,
      ...(opts.wsUrl ? { waWebSocketUrl: opts.wsUrl } : {}),
      getMessage: async (key) => {
        const stored = key.id ? opts.lookupMessage?.(connection.id, key.id) : undefined;
        return stored ? proto.Message.fromObject({ conversation: stored.body }) : undefined;
      },
    });
    sock = socket;

    socket.ev.on("creds.update", saveCreds);

    socket.ev.on("connection.update", (u) => {
      if (sock !== socket) return;
      if (u.qr) supervisor.qr(u.qr);
      if (u.connection === "open") {
        supervisor.opened(socket.user?.id ? pnDigits(jidNormalizedUser(socket.user.id)) : null);
        events.seen?.(new Date());
      }
      if (u.connection === "close") {
        const err = u.lastDisconnect?.error as
          | { output?: { statusCode?: number }; message?: string }
          | undefined;
        const code = err?.output?.statusCode;
        onClose(code, err?.message ?? "connection closed");
      }
    });

    socket.ev.on("messages.upsert", inbound.onUpsert);
    socket.ev.on("messaging-history.set", inbound.onHistory);
    socket.ev.on("messages.update", inbound.onStatusUpdates);

    // Any frame from the server proves the socket is alive ("looks connected but is dead" detection).
    socket.ws.on("frame", () => events.seen?.(new Date()));
    socket.ws.on("CB:ack,class:message", (node: BinaryNode) => {
      if (node.attrs.id) serverAcks.get(node.attrs.id)?.();
    });
  }

  function onClose(code: number | undefined, message: string) {
    sock = undefined;
    supervisor.closed(
      code === DisconnectReason.loggedOut
        ? { kind: "loggedOut" }
        : code === DisconnectReason.restartRequired
          ? { kind: "restartRequired" }
          : code === DisconnectReason.timedOut && /QR refs/i.test(message)
            ? { kind: "qrExpired" }
            : { kind: "dropped", code, message },
    );
  }

  const quotedMessage = (quoted: QuotedRef | null | undefined, to: ChatAddress): WAMessage | undefined => {
    if (!quoted) return undefined;
    const key = quoted.remoteKey
      ? (JSON.parse(quoted.remoteKey) as WAMessageKey)
      : { remoteJid: toJid(to), fromMe: quoted.fromMe, id: quoted.id };
    return { key, message: { conversation: quoted.body } };
  };

  /**
   * After a send timed out: ping WhatsApp and, when the socket does not answer, close it so the
   * supervisor reconnects. A session that "looks connected but is dead" does not stay that way.
   */
  const healthCheck = async (s: WASocket) => {
    try {
      await withTimeout(
        s.query({
          tag: "iq",
          attrs: { id: s.generateMessageTag(), to: S_WHATSAPP_NET, type: "get", xmlns: "w:p" },
          content: [{ tag: "ping", attrs: {} }],
        }),
        opts.healthCheckTimeoutMs ?? 5_000,
        () => new Error("ping timed out"),
      );
    } catch (err) {
      log.warn({ err }, "socket failed its health check; restarting it");
      if (sock === s) s.end(new Error("health check failed"));
    }
  };

  /** The WhatsApp key of a stored message, as the chat `to` sees it. */
  const keyOf = (ref: MessageRef, to: ChatAddress): WAMessageKey =>
    ref.remoteKey
      ? (JSON.parse(ref.remoteKey) as WAMessageKey)
      : {
          remoteJid: toJid(to),
          fromMe: ref.fromMe,
          id: ref.id,
          ...(ref.participant ? { participant: toJid(ref.participant) } : {}),
        };

  const send = async (
    to: ChatAddress,
    content: Parameters<WASocket["sendMessage"]>[1],
    quoted?: QuotedRef | null,
  ) => {
    const s = requireSocket();
    // Baileys' sendMessage resolves once the stanza is written to the socket: on a socket that is open but
    // dead that is at once, when the contact's devices are cached. The send counts as done only when
    // WhatsApp acknowledges the stanza (`<ack class=message>`), so a dead socket fails the send in time.
    const messageId = generateMessageIDV2(s.user?.id);
    inbound.rememberOwnSend(messageId);
    const serverAck = new Promise<void>((resolve) => serverAcks.set(messageId, resolve));
    const sent = await withTimeout(
      (async () => {
        const sent = await s.sendMessage(toJid(to), content, {
          quoted: quotedMessage(quoted, to),
          messageId,
        });
        await serverAck;
        return sent;
      })(),
      sendTimeoutMs,
      () => {
        void healthCheck(s);
        return new AppError(
          "ERR_WAPP_TIMEOUT",
          `WhatsApp did not confirm the send within ${sendTimeoutMs} ms`,
        );
      },
    ).finally(() => serverAcks.delete(messageId));
    if (!sent?.key.id) throw new Error("WhatsApp returned no message id");
    return {
      id: sent.key.id,
      timestampSec: Number(sent.messageTimestamp ?? 0) || Math.floor(Date.now() / 1000),
      remoteKey: JSON.stringify({ remoteJid: sent.key.remoteJid, fromMe: true, id: sent.key.id }),
    } satisfies SentMessage;
  };

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
      // A save still failing: one last try now, while the database is open.
      if (credsRetryTimer) {
        dropCredsRetry();
        try {
          auth.saveCreds();
        } catch (err) {
          log.error({ err }, "saving WhatsApp credentials failed at stop; the phone may need linking again");
        }
      }
    },
    async logout() {
      const s = sock;
      supervisor.stop();
      dropCredsRetry();
      sock = undefined;
      try {
        await s?.logout();
      } catch (err) {
        log.warn({ err }, "logout request failed; forgetting the device locally");
      }
      auth.clear();
      supervisor.disconnected("logged out");
    },
    status: () => supervisor.status(),
    async requestPairingCode(phone: string) {
      if (!sock) throw new AppError("ERR_WAPP_NOT_CONNECTED", "The connection is not started");
      if (supervisor.status() === "CONNECTED")
        throw new AppError("ERR_CONFLICT", "The connection is already linked");
      const code = await sock.requestPairingCode(phone);
      supervisor.pairing();
      return code;
    },
    sendText: (to, body, quoted) => send(to, { text: body }, quoted),
    async editText(to, ref, body) {
      await send(to, { text: body, edit: keyOf(ref, to) });
    },
    async revoke(to, ref) {
      await send(to, { delete: keyOf(ref, to) });
    },
    async react(to, ref, emoji) {
      await send(to, { react: { text: emoji, key: keyOf(ref, to) } });
    },
    async markRead(to, refs) {
      const s = requireSocket();
      await s.readMessages(refs.map((r) => keyOf(r, to)));
    },
    async sendPresence(to, state) {
      const s = requireSocket();
      await s.sendPresenceUpdate(state, toJid(to));
    },
    sendMedia(to: ChatAddress, media: OutboundMedia, quoted?: QuotedRef | null) {
      const file = { url: media.path };
      const caption = media.caption || undefined;
      switch (media.mediaType) {
        case "image":
          return send(to, { image: file, caption, mimetype: media.mimeType }, quoted);
        case "video":
          return send(to, { video: file, caption, mimetype: media.mimeType }, quoted);
        case "audio":
          return send(
            to,
            { audio: file, mimetype: media.mimeType, ptt: media.ptt ?? /ogg|opus/.test(media.mimeType) },
            quoted,
          );
        default:
          return send(
            to,
            { document: file, mimetype: media.mimeType, fileName: media.filename, caption },
            quoted,
          );
      }
    },
    async checkNumber(phone: string): Promise<NumberCheck> {
      const s = requireSocket();
      const [result] = (await s.onWhatsApp(phone)) ?? [];
      if (!result?.exists) return { exists: false, number: phone, jid: null };
      const jid = jidNormalizedUser(String(result.jid));
      return { exists: true, number: pnDigits(jid) ?? phone, jid };
    },
    retryMediaDownload: inbound.retryMediaDownload,
    async profilePicUrl(phone: string) {
      const s = requireSocket();
      try {
        const url = await withTimeout(
          s.profilePictureUrl(toJid(phone), "image"),
          opts.profilePicTimeoutMs ?? 5_000,
          () => new Error("profile picture timed out"),
        );
        return url ?? null;
      } catch {
        return null;
      }
    },
  };
}
