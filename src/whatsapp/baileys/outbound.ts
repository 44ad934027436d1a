import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import {
  generateMessageIDV2,
  jidNormalizedUser,
  S_WHATSAPP_NET,
  type WAMessage,
  type WAMessageKey,
  type WASocket,
} from "@whiskeysockets/baileys";
import { AppError } from "../../errors";
import type { Logger } from "../../logger";
import type {
  ChatAddress,
  MessageRef,
  NumberCheck,
  OutboundMedia,
  QuotedRef,
  SendOptions,
  SentMessage,
  WhatsAppGateway,
} from "../gateway";
import { pnDigits } from "./message-mapper";
import { withTimeout } from "./with-timeout";

export type OutboundDeps = {
  log: Logger;
  /** The current socket, if any. */
  socket: () => WASocket | undefined;
  /** The socket while connected; throws ERR_WAPP_NOT_CONNECTED otherwise. */
  requireSocket: () => WASocket;
  /** Marks a message id as ours before it is sent, so its echo is not taken for an inbound message. */
  rememberOwnSend: (messageId: string) => void;
  /** How long a send waits for WhatsApp's `<ack class=message>`. */
  sendTimeoutMs: number;
  /** How long the ping after a timed-out send waits before the socket is closed. */
  healthCheckTimeoutMs: number;
  profilePicTimeoutMs: number;
};

export type OutboundOperations = Pick<
  WhatsAppGateway,
  | "sendText"
  | "sendMedia"
  | "editText"
  | "revoke"
  | "react"
  | "markRead"
  | "sendPresence"
  | "checkNumber"
  | "profilePicUrl"
>;

/** A chat address (digits, or a group id ending in @g.us) as a jid. */
const toJid = (to: ChatAddress) => (to.includes("@") ? to : `${to}@s.whatsapp.net`);

/**
 * What Chasqui asks of WhatsApp: sends (confirmed by WhatsApp's server ack, or failed in time by a
 * watchdog that health-checks the socket), edits, deletes, reactions, read receipts, presence, number
 * checks and profile pictures.
 */
export function createOutbound(deps: OutboundDeps) {
  const { log, socket, requireSocket, sendTimeoutMs } = deps;
  /** Sends waiting for WhatsApp's `<ack class=message>`, by message id. */
  const serverAcks = new Map<string, () => void>();

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
        deps.healthCheckTimeoutMs,
        () => new Error("ping timed out"),
      );
    } catch (err) {
      log.warn({ err }, "socket failed its health check; restarting it");
      if (socket() === s) s.end(new Error("health check failed"));
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
    opts?: SendOptions,
  ) => {
    const s = requireSocket();
    // Baileys' sendMessage resolves once the stanza is written to the socket: on a socket that is open but
    // dead that is at once, when the contact's devices are cached. The send counts as done only when
    // WhatsApp acknowledges the stanza (`<ack class=message>`), so a dead socket fails the send in time.
    // The caller may have chosen (and stored) the id already: a re-send after a crash reuses it, and
    // WhatsApp drops a second stanza with an id it has seen.
    const messageId = opts?.messageId ?? generateMessageIDV2(s.user?.id);
    deps.rememberOwnSend(messageId);
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

  const operations: OutboundOperations = {
    sendText: (to, body, quoted, opts) => send(to, { text: body }, quoted, opts),
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
    sendMedia(to: ChatAddress, media: OutboundMedia, quoted?: QuotedRef | null, opts?: SendOptions) {
      // Baileys reads a path or a Node stream (it encrypts while uploading, no second copy in memory).
      const file =
        "path" in media.source
          ? { url: media.source.path }
          : { stream: Readable.fromWeb(media.source.stream() as unknown as NodeReadableStream<Uint8Array>) };
      const caption = media.caption || undefined;
      switch (media.mediaType) {
        case "image":
          return send(to, { image: file, caption, mimetype: media.mimeType }, quoted, opts);
        case "video":
          return send(to, { video: file, caption, mimetype: media.mimeType }, quoted, opts);
        case "audio":
          return send(
            to,
            { audio: file, mimetype: media.mimeType, ptt: media.ptt ?? /ogg|opus/.test(media.mimeType) },
            quoted,
            opts,
          );
        default:
          return send(
            to,
            { document: file, mimetype: media.mimeType, fileName: media.filename, caption },
            quoted,
            opts,
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
    async profilePicUrl(phone: string) {
      const s = requireSocket();
      try {
        const url = await withTimeout(
          s.profilePictureUrl(toJid(phone), "image"),
          deps.profilePicTimeoutMs,
          () => new Error("profile picture timed out"),
        );
        return url ?? null;
      } catch {
        return null;
      }
    },
  };

  return {
    operations,
    /** WhatsApp acknowledged the stanza of message `messageId` (`<ack class=message>`). */
    serverAcked: (messageId: string) => serverAcks.get(messageId)?.(),
  };
}
