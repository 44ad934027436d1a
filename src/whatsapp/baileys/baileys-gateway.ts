import makeWASocket, {
  type BinaryNode,
  Browsers,
  BufferJSON,
  DisconnectReason,
  downloadMediaMessage,
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
import type { Logger } from "../../logger";
import type {
  ConnectionStatus,
  GatewayEvents,
  InboundMessage,
  NumberCheck,
  OutboundMedia,
  QuotedRef,
  SentMessage,
  WhatsAppGateway,
} from "../gateway";
import { isDirectChat, isLid, mapContent, pnDigits } from "./message-mapper";
import { createSignalKeyCache } from "./signal-key-cache";
import { useSqliteAuthState } from "./sqlite-auth-state";

export type BaileysOptions = {
  db: Db;
  logger: Logger;
  /** The WebSocket URL handed to Baileys; WhatsApp's own when unset. Tests point it at the fake server. */
  wsUrl?: string;
  /** Baileys' own log level (it is chatty); default warn. */
  baileysLogLevel?: string;
  /** Looks up a stored message, so Baileys can re-encrypt it when a phone asks for a retry. */
  lookupMessage?: (id: string) => { body: string } | undefined;
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

/** WhatsApp's message status (proto.WebMessageInfo.Status) → Chasqui's ack (-1 error … 4 played). */
const ACK_OF_STATUS: Record<number, number> = { 0: -1, 1: 0, 2: 1, 3: 2, 4: 3, 5: 4 };

const toJid = (number: string) => `${number}@s.whatsapp.net`;

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(onTimeout()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

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
  const loopWindowMs = opts.loopWindowMs ?? 60_000;
  const loopMaxCloses = opts.loopMaxCloses ?? 8;
  const loopPauseMs = opts.loopPauseMs ?? 5 * 60_000;

  let sock: WASocket | undefined;
  let status: ConnectionStatus = "OPENING";
  let stopped = false;
  let attempt = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let closes: number[] = [];
  let number = connection.number;
  /** Sends waiting for WhatsApp's `<ack class=message>`, by message id. */
  const serverAcks = new Map<string, () => void>();

  const setStatus = (next: ConnectionStatus, info: { qrcode?: string | null; reason?: string } = {}) => {
    if (next !== status)
      log.info({ from: status, to: next, reason: info.reason }, "connection status changed");
    status = next;
    events.status(next, { qrcode: info.qrcode ?? null, number, reason: info.reason });
  };

  const scheduleReconnect = (delayMs: number) => {
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (!stopped) void connect();
    }, delayMs);
  };

  const backoffMs = () => {
    const ceiling = Math.min(reconnectMaxMs, reconnectBaseMs * 2 ** attempt);
    attempt++;
    // Full jitter keeps many connections from reconnecting in lockstep after a shared outage.
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  };

  async function resolveNumber(key: WAMessageKey): Promise<{ number: string | null; lid: string | null }> {
    const jid = key.remoteJid;
    const direct = pnDigits(jid);
    const lid = isLid(jid) ? jid! : isLid(key.remoteJidAlt) ? key.remoteJidAlt! : null;
    if (direct) return { number: direct, lid };
    const alt = pnDigits(key.remoteJidAlt);
    if (alt) return { number: alt, lid };
    if (lid && sock) {
      const pn = await sock.signalRepository.lidMapping.getPNForLID(lid).catch(() => null);
      const digits = pnDigits(pn ? jidNormalizedUser(pn) : null);
      if (digits) return { number: digits, lid };
    }
    if (lid) return { number: opts.numberForLid?.(jidNormalizedUser(lid)) ?? null, lid };
    return { number: null, lid: null };
  }

  async function toInbound(msg: WAMessage): Promise<InboundMessage | null> {
    const key = msg.key;
    if (!key.id || !isDirectChat(key.remoteJid)) return null;
    const content = mapContent(msg);
    if (!content) return null;
    const { number: from, lid } = await resolveNumber(key);
    if (!from) {
      log.warn(
        { remoteJid: key.remoteJid, id: key.id },
        "message from a LID with no known phone number; not stored",
      );
      return null;
    }
    let media: InboundMessage["media"] = null;
    if (content.downloadable && sock) {
      try {
        const bytes = await download(msg);
        media = { bytes: new Uint8Array(bytes), mimeType: content.mimeType, filename: content.filename };
      } catch (err) {
        log.warn(
          { err, id: key.id },
          "media download failed; the message is kept and the file retried later",
        );
        media = "failed";
      }
    }
    const ts = Number(msg.messageTimestamp ?? 0) || Math.floor(Date.now() / 1000);
    return {
      id: key.id,
      from,
      fromMe: !!key.fromMe,
      pushName: key.fromMe ? null : (msg.pushName ?? null),
      body: content.body,
      mediaType: content.mediaType,
      media,
      quotedMsgId: content.quotedMsgId,
      timestampSec: ts,
      remoteKey: JSON.stringify({ remoteJid: key.remoteJid, fromMe: !!key.fromMe, id: key.id }),
      lid: lid ? jidNormalizedUser(lid) : null,
      mediaRef:
        media === "failed"
          ? JSON.stringify({ key: msg.key, message: msg.message }, BufferJSON.replacer)
          : null,
    };
  }

  const download = (msg: WAMessage) => {
    const s = sock;
    return withTimeout(
      downloadMediaMessage(
        msg,
        "buffer",
        {},
        { logger: baileysLog, reuploadRequest: (m) => (s ?? requireSocket()).updateMediaMessage(m) },
      ),
      opts.mediaDownloadTimeoutMs ?? 60_000,
      () => new Error("media download timed out"),
    );
  };

  async function connect() {
    if (stopped) return;
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
        const stored = key.id ? opts.lookupMessage?.(key.id) : undefined;
        return stored ? proto.Message.fromObject({ conversation: stored.body }) : undefined;
      },
    });
    sock = socket;

    socket.ev.on("creds.update", () => void auth.saveCreds());

    socket.ev.on("connection.update", (u) => {
      if (sock !== socket) return;
      // Baileys keeps rotating the QR after a pairing code was asked for; the code stays valid meanwhile, so
      // the connection stays PAIRING instead of flipping back to qrcode under the user typing the code.
      if (u.qr && status !== "PAIRING") setStatus("qrcode", { qrcode: u.qr });
      if (u.connection === "open") {
        attempt = 0;
        const me = socket.user?.id ? pnDigits(jidNormalizedUser(socket.user.id)) : null;
        if (me) number = me;
        setStatus("CONNECTED");
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

    socket.ev.on("messages.upsert", async ({ messages, type }) => {
      // 'append' is our own sends echoed back; the send path stores them. While Baileys buffers events, a
      // receipt that arrives meanwhile is merged into that echo as `status`, so take the ack from there.
      if (type !== "notify") {
        for (const m of messages) {
          const ack = typeof m.status === "number" ? ACK_OF_STATUS[m.status] : undefined;
          if (m.key.fromMe && m.key.id && ack !== undefined && ack > 0) events.ack(m.key.id, ack);
        }
        return;
      }
      for (const m of messages) {
        try {
          const inbound = await toInbound(m);
          if (inbound) await events.message(inbound);
        } catch (err) {
          log.error({ err, id: m.key.id }, "handling an inbound message failed");
        }
      }
    });

    socket.ev.on("messages.update", (updates) => {
      for (const { key, update } of updates) {
        if (!key.id || !key.fromMe || typeof update.status !== "number") continue;
        const ack = ACK_OF_STATUS[update.status];
        if (ack !== undefined) events.ack(key.id, ack);
      }
    });

    // Any frame from the server proves the socket is alive ("looks connected but is dead" detection).
    socket.ws.on("frame", () => events.seen?.(new Date()));
    socket.ws.on("CB:ack,class:message", (node: BinaryNode) => {
      if (node.attrs.id) serverAcks.get(node.attrs.id)?.();
    });
  }

  function onClose(code: number | undefined, message: string) {
    sock = undefined;
    if (stopped) return;
    if (code === DisconnectReason.loggedOut) {
      auth.clear();
      setStatus("DISCONNECTED", { reason: "logged out from the phone" });
      return;
    }
    if (code === DisconnectReason.restartRequired) {
      void connect();
      return;
    }
    if (code === DisconnectReason.timedOut && /QR refs/i.test(message)) {
      setStatus("TIMEOUT", { reason: "the QR code expired without being scanned" });
      return;
    }
    const now = Date.now();
    closes = [...closes.filter((t) => now - t < loopWindowMs), now];
    if (closes.length >= loopMaxCloses) {
      closes = [];
      setStatus("OPENING", {
        reason: `reconnect loop: ${loopMaxCloses} closes within ${loopWindowMs} ms; pausing`,
      });
      scheduleReconnect(loopPauseMs);
      return;
    }
    setStatus("OPENING", { reason: `connection closed (${code ?? "unknown"}): ${message}` });
    scheduleReconnect(backoffMs());
  }

  const requireSocket = (): WASocket => {
    if (!sock || status !== "CONNECTED")
      throw new AppError("ERR_WAPP_NOT_CONNECTED", "The connection is not connected");
    return sock;
  };

  const quotedMessage = (quoted: QuotedRef | null | undefined, to: string): WAMessage | undefined => {
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

  const send = async (
    to: string,
    content: Parameters<WASocket["sendMessage"]>[1],
    quoted?: QuotedRef | null,
  ) => {
    const s = requireSocket();
    // Baileys' sendMessage resolves once the stanza is written to the socket: on a socket that is open but
    // dead that is at once, when the contact's devices are cached. The send counts as done only when
    // WhatsApp acknowledges the stanza (`<ack class=message>`), so a dead socket fails the send in time.
    const messageId = generateMessageIDV2(s.user?.id);
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
      stopped = false;
      setStatus("OPENING");
      await connect();
    },
    async stop() {
      stopped = true;
      clearTimeout(reconnectTimer);
      const s = sock;
      sock = undefined;
      s?.end(undefined);
    },
    async logout() {
      const s = sock;
      stopped = true;
      clearTimeout(reconnectTimer);
      sock = undefined;
      try {
        await s?.logout();
      } catch (err) {
        log.warn({ err }, "logout request failed; forgetting the device locally");
      }
      auth.clear();
      setStatus("DISCONNECTED", { reason: "logged out" });
    },
    status: () => status,
    async requestPairingCode(phone: string) {
      if (!sock) throw new AppError("ERR_WAPP_NOT_CONNECTED", "The connection is not started");
      if (status === "CONNECTED") throw new AppError("ERR_CONFLICT", "The connection is already linked");
      const code = await sock.requestPairingCode(phone);
      setStatus("PAIRING");
      return code;
    },
    sendText: (to, body, quoted) => send(to, { text: body }, quoted),
    sendMedia(to: string, media: OutboundMedia, quoted?: QuotedRef | null) {
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
            { audio: file, mimetype: media.mimeType, ptt: /ogg|opus/.test(media.mimeType) },
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
    async retryMediaDownload(mediaRef: string) {
      requireSocket();
      const msg = JSON.parse(mediaRef, BufferJSON.reviver) as WAMessage;
      const content = mapContent(msg);
      const bytes = await download(msg);
      return {
        bytes: new Uint8Array(bytes),
        mimeType: content?.mimeType ?? null,
        filename: content?.filename ?? null,
      };
    },
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
