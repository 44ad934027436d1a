import makeWASocket, {
  type BinaryNode,
  Browsers,
  BufferJSON,
  DisconnectReason,
  downloadMediaMessage,
  generateMessageIDV2,
  jidDecode,
  jidNormalizedUser,
  makeCacheableSignalKeyStore,
  normalizeMessageContent,
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
  InboundMessage,
  MessageRef,
  NumberCheck,
  OutboundMedia,
  QuotedRef,
  SentMessage,
  WhatsAppGateway,
} from "../gateway";
import { chatKind, isLid, mapContent, pnDigits } from "./message-mapper";
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

/** WhatsApp's message status (proto.WebMessageInfo.Status) → Chasqui's ack (-1 error … 4 played). */
const ACK_OF_STATUS: Record<number, number> = { 0: -1, 1: 0, 2: 1, 3: 2, 4: 3, 5: 4 };

/** A chat address (digits, or a group id ending in @g.us) as a jid. */
const toJid = (to: ChatAddress) => (to.includes("@") ? to : `${to}@s.whatsapp.net`);

/** Ids of our own sends remembered so their echo is not taken for a message typed elsewhere. */
const OWN_SENDS_LIMIT = 2_000;
const GROUP_SUBJECTS_LIMIT = 500;

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
  /** Sends waiting for WhatsApp's `<ack class=message>`, by message id. */
  const serverAcks = new Map<string, () => void>();
  /**
   * What this socket sent (messages, edits, reactions, deletes). Baileys echoes each on messages.upsert
   * as `append`, like a message typed on another device; the send path stores these, so the echo only
   * carries acks. Everything else — live (`notify`) or replayed at login (`append`) — is stored.
   */
  const ownSends = new Set<string>();
  const rememberOwnSend = (id: string) => {
    ownSends.add(id);
    if (ownSends.size > OWN_SENDS_LIMIT) ownSends.delete(ownSends.values().next().value as string);
  };
  const groupSubjects = new Map<string, string | null>();
  /** Inbound batches are handled one after another, so messages, edits and reactions keep their order. */
  let inboundChain: Promise<void> = Promise.resolve();

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

  /** The phone number behind a jid that may be a LID (with Baileys' alternative jid when it has one). */
  async function resolveNumber(
    jid: string | null | undefined,
    altJid: string | null | undefined,
  ): Promise<{ number: string | null; lid: string | null }> {
    const direct = pnDigits(jid);
    const lid = isLid(jid) ? jid! : isLid(altJid) ? altJid! : null;
    if (direct) return { number: direct, lid };
    const alt = pnDigits(altJid);
    if (alt) return { number: alt, lid };
    if (lid && sock) {
      const pn = await sock.signalRepository.lidMapping.getPNForLID(lid).catch(() => null);
      const digits = pnDigits(pn ? jidNormalizedUser(pn) : null);
      if (digits) return { number: digits, lid };
    }
    if (lid) return { number: opts.numberForLid?.(jidNormalizedUser(lid)) ?? null, lid };
    return { number: null, lid: null };
  }

  async function groupSubject(jid: string): Promise<string | null> {
    if (groupSubjects.has(jid)) return groupSubjects.get(jid) ?? null;
    let subject: string | null = null;
    try {
      subject = (await withTimeout(requireSocket().groupMetadata(jid), 5_000, () => new Error("timed out")))
        .subject;
    } catch (err) {
      log.debug({ err, jid }, "group metadata unavailable");
    }
    if (groupSubjects.size >= GROUP_SUBJECTS_LIMIT) groupSubjects.clear();
    groupSubjects.set(jid, subject);
    return subject;
  }

  async function toInbound(msg: WAMessage): Promise<InboundMessage | null> {
    const key = msg.key;
    const kind = chatKind(key.remoteJid);
    if (!key.id || !kind) return null;
    const content = mapContent(msg);
    if (!content) return null;
    let from: string | null;
    let lid: string | null = null;
    let group: InboundMessage["group"] = null;
    if (kind === "group") {
      from = jidDecode(key.remoteJid!)?.user ?? null;
      const author = key.fromMe ? null : await resolveNumber(key.participant, key.participantAlt);
      if (!key.fromMe && !author?.number) {
        log.warn(
          { remoteJid: key.remoteJid, id: key.id },
          "group message from an unknown participant; not stored",
        );
        return null;
      }
      group = {
        subject: await groupSubject(key.remoteJid!),
        participant: author?.number ?? null,
        participantName: key.fromMe ? null : (msg.pushName ?? null),
      };
    } else {
      ({ number: from, lid } = await resolveNumber(key.remoteJid, key.remoteJidAlt));
    }
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
      pushName: key.fromMe || group ? null : (msg.pushName ?? null),
      group,
      body: content.body,
      mediaType: content.mediaType,
      media,
      quotedMsgId: content.quotedMsgId,
      timestampSec: ts,
      remoteKey: JSON.stringify({
        remoteJid: key.remoteJid,
        fromMe: !!key.fromMe,
        id: key.id,
        ...(kind === "group" && key.participant ? { participant: key.participant } : {}),
      }),
      lid: lid ? jidNormalizedUser(lid) : null,
      // Also for a downloaded file: storing it can still fail (full disk), and then it is fetched again.
      mediaRef:
        media !== null ? JSON.stringify({ key: msg.key, message: msg.message }, BufferJSON.replacer) : null,
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

    socket.ev.on("messages.upsert", ({ messages, type }) => {
      // Live messages come as `notify`; what WhatsApp queued while we were away is replayed at login as
      // `append` (the stanza's offline marker), and so is a message typed on the owner's phone during the
      // outage. Both are stored; only the echo of our own sends is left to the send path.
      inboundChain = inboundChain.then(async () => {
        for (const m of messages) {
          const id = m.key.id;
          if (m.key.fromMe && id && ownSends.has(id)) {
            // While Baileys buffers events, a receipt that arrives meanwhile is merged into the echo as
            // `status`, so the ack is taken from there.
            const ack = typeof m.status === "number" ? ACK_OF_STATUS[m.status] : undefined;
            if (ack !== undefined && ack > 0) events.ack(id, ack);
            continue;
          }
          if (type !== "notify" && type !== "append") continue;
          try {
            await handleIncoming(m);
          } catch (err) {
            log.error({ err, id }, "handling an inbound message failed");
          }
        }
      });
    });

    socket.ev.on("messaging-history.set", ({ messages }) => {
      if (!events.history || (events.historyImportDays?.() ?? 0) <= 0) return;
      inboundChain = inboundChain.then(async () => {
        const batch: InboundMessage[] = [];
        for (const m of messages) {
          try {
            const content = normalizeMessageContent(m.message);
            if (content?.protocolMessage || content?.reactionMessage) continue;
            if (chatKind(m.key.remoteJid) === "group" && !events.acceptsGroups?.()) continue;
            const inbound = await toInbound(m);
            if (inbound) batch.push(inbound);
          } catch (err) {
            log.warn({ err, id: m.key.id }, "mapping a history message failed");
          }
        }
        if (batch.length > 0) await events.history?.(batch);
      });
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

  /** One message WhatsApp delivered: an edit, a delete, a reaction, or a message to store. */
  async function handleIncoming(m: WAMessage) {
    const key = m.key;
    const kind = chatKind(key.remoteJid);
    if (!key.id || !kind) return;
    if (kind === "group" && !events.acceptsGroups?.()) return;
    const content = normalizeMessageContent(m.message);
    const timestampSec = Number(m.messageTimestamp ?? 0) || Math.floor(Date.now() / 1000);
    const fromMe = !!key.fromMe;
    const protocol = content?.protocolMessage;
    if (protocol) {
      const targetId = protocol.key?.id;
      if (!targetId) return;
      if (protocol.type === proto.Message.ProtocolMessage.Type.REVOKE) {
        await events.update({ kind: "revoke", targetId, fromMe, timestampSec });
      } else if (
        protocol.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT &&
        protocol.editedMessage
      ) {
        const edited = mapContent({ key, message: protocol.editedMessage });
        if (edited) await events.update({ kind: "edit", targetId, fromMe, body: edited.body, timestampSec });
      }
      return;
    }
    const reaction = content?.reactionMessage;
    if (reaction) {
      const targetId = reaction.key?.id;
      if (!targetId) return;
      const reactor = fromMe
        ? null
        : kind === "group"
          ? (await resolveNumber(key.participant, key.participantAlt)).number
          : (await resolveNumber(key.remoteJid, key.remoteJidAlt)).number;
      await events.update({
        kind: "reaction",
        targetId,
        fromMe,
        reactor,
        reactorName: fromMe ? null : (m.pushName ?? null),
        emoji: reaction.text ?? "",
        timestampSec,
      });
      return;
    }
    const inbound = await toInbound(m);
    if (inbound) await events.message(inbound);
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

  const requireSocket = (): WASocket => {
    if (!sock || supervisor.status() !== "CONNECTED")
      throw new AppError("ERR_WAPP_NOT_CONNECTED", "The connection is not connected");
    return sock;
  };

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
    rememberOwnSend(messageId);
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
