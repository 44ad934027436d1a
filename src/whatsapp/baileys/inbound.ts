import {
  type BaileysEventMap,
  BufferJSON,
  downloadMediaMessage,
  jidDecode,
  jidNormalizedUser,
  normalizeMessageContent,
  proto,
  type WAMessage,
  type WASocket,
} from "@whiskeysockets/baileys";
import type { Logger } from "../../logger";
import type { GatewayEvents, InboundMessage, WhatsAppGateway } from "../gateway";
import { chatKind, isLid, mapContent, pnDigits } from "./message-mapper";
import { withTimeout } from "./with-timeout";

export type InboundDeps = {
  events: GatewayEvents;
  log: Logger;
  /** Baileys' own logger, handed to its media download. */
  baileysLog: Logger;
  /** The current socket, if any. */
  socket: () => WASocket | undefined;
  /** The socket while connected; throws ERR_WAPP_NOT_CONNECTED otherwise. */
  requireSocket: () => WASocket;
  /** Finds the phone number stored for a LID, when Baileys has no mapping for it. */
  numberForLid?: (lid: string) => Promise<string | undefined> | string | undefined;
  mediaDownloadTimeoutMs: number;
};

/** WhatsApp's message status (proto.WebMessageInfo.Status) → Chasqui's ack (-1 error … 4 played). */
const ACK_OF_STATUS: Record<number, number> = { 0: -1, 1: 0, 2: 1, 3: 2, 4: 3, 5: 4 };

/** Ids of our own sends remembered so their echo is not taken for a message typed elsewhere. */
const OWN_SENDS_LIMIT = 2_000;
const GROUP_SUBJECTS_LIMIT = 500;

/**
 * What WhatsApp delivers, as the gateway port's events: messages (with their media, the sender's number
 * behind a LID, a group's subject), edits, deletes, reactions, receipts and history.
 */
export function createInbound(deps: InboundDeps) {
  const { events, log, baileysLog, socket, requireSocket } = deps;
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
    const sock = socket();
    if (lid && sock) {
      const pn = await sock.signalRepository.lidMapping.getPNForLID(lid).catch(() => null);
      const digits = pnDigits(pn ? jidNormalizedUser(pn) : null);
      if (digits) return { number: digits, lid };
    }
    if (lid) return { number: (await deps.numberForLid?.(jidNormalizedUser(lid))) ?? null, lid };
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
    if (content.downloadable && socket()) {
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
    const s = socket();
    return withTimeout(
      downloadMediaMessage(
        msg,
        "buffer",
        {},
        { logger: baileysLog, reuploadRequest: (m) => (s ?? requireSocket()).updateMediaMessage(m) },
      ),
      deps.mediaDownloadTimeoutMs,
      () => new Error("media download timed out"),
    );
  };

  /** One message WhatsApp delivered: an edit, a delete, a reaction, or a message to store. */
  async function handleIncoming(m: WAMessage) {
    const key = m.key;
    const kind = chatKind(key.remoteJid);
    if (!key.id || !kind) return;
    if (kind === "group" && !(await events.acceptsGroups?.())) return;
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

  /** Messages WhatsApp delivers, live or replayed, and the echo of our own sends. */
  const onUpsert = ({ messages, type }: BaileysEventMap["messages.upsert"]) => {
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
  };

  /** Recent history WhatsApp offers at first link. */
  const onHistory = ({ messages }: BaileysEventMap["messaging-history.set"]) => {
    if (!events.history) return;
    inboundChain = inboundChain.then(async () => {
      // A failure here must not break the chain: the live messages queued behind it still go through.
      try {
        if (((await events.historyImportDays?.()) ?? 0) <= 0) return;
        const batch: InboundMessage[] = [];
        for (const m of messages) {
          try {
            const content = normalizeMessageContent(m.message);
            if (content?.protocolMessage || content?.reactionMessage) continue;
            if (chatKind(m.key.remoteJid) === "group" && !(await events.acceptsGroups?.())) continue;
            const inbound = await toInbound(m);
            if (inbound) batch.push(inbound);
          } catch (err) {
            log.warn({ err, id: m.key.id }, "mapping a history message failed");
          }
        }
        if (batch.length > 0) await events.history?.(batch);
      } catch (err) {
        log.error({ err }, "importing history failed");
      }
    });
  };

  /** Receipts of our own messages. */
  const onStatusUpdates = (updates: BaileysEventMap["messages.update"]) => {
    for (const { key, update } of updates) {
      if (!key.id || !key.fromMe || typeof update.status !== "number") continue;
      const ack = ACK_OF_STATUS[update.status];
      if (ack !== undefined) events.ack(key.id, ack);
    }
  };

  const retryMediaDownload: NonNullable<WhatsAppGateway["retryMediaDownload"]> = async (mediaRef) => {
    requireSocket();
    const msg = JSON.parse(mediaRef, BufferJSON.reviver) as WAMessage;
    const content = mapContent(msg);
    const bytes = await download(msg);
    return {
      bytes: new Uint8Array(bytes),
      mimeType: content?.mimeType ?? null,
      filename: content?.filename ?? null,
    };
  };

  return { rememberOwnSend, onUpsert, onHistory, onStatusUpdates, retryMediaDownload };
}
