import {
  getContentType,
  isJidBroadcast,
  isJidGroup,
  isJidNewsletter,
  isJidStatusBroadcast,
  jidDecode,
  normalizeMessageContent,
  type proto,
  type WAMessage,
} from "@whiskeysockets/baileys";
import type { WaMediaType } from "../gateway";

export type MappedContent = {
  body: string;
  mediaType: "chat" | WaMediaType;
  /** The content carries a file to download. */
  downloadable: boolean;
  mimeType: string | null;
  filename: string | null;
  quotedMsgId: string | null;
};

/** Chats Chasqui handles: one-to-one and groups (broadcasts, status and newsletters are ignored). */
export function chatKind(jid: string | null | undefined): "direct" | "group" | null {
  if (!jid) return null;
  if (isJidGroup(jid)) return "group";
  if (isJidBroadcast(jid) || isJidStatusBroadcast(jid) || isJidNewsletter(jid)) return null;
  return "direct";
}

/** The phone number of a PN jid (`595…@s.whatsapp.net`), or null for LIDs and anything else. */
export function pnDigits(jid: string | null | undefined): string | null {
  if (!jid) return null;
  const decoded = jidDecode(jid);
  if (decoded?.server !== "s.whatsapp.net") return null;
  return /^\d{6,20}$/.test(decoded.user) ? decoded.user : null;
}

export const isLid = (jid: string | null | undefined) => !!jid && jidDecode(jid)?.server === "lid";

function readableVcard(vcard: string | null | undefined, displayName: string | null | undefined): string {
  const tels = [...(vcard ?? "").matchAll(/TEL[^:]*:([+\d\s-]+)/g)].map((m) => m[1]!.trim());
  return [displayName, ...tels].filter(Boolean).join(" ");
}

/**
 * Turns a WhatsApp message into what Chasqui stores, or null for content it ignores (protocol messages,
 * reactions, polls, key distribution, …).
 */
export function mapContent(msg: WAMessage): MappedContent | null {
  const content = normalizeMessageContent(msg.message);
  if (!content) return null;
  const type = getContentType(content);
  if (!type) return null;
  const ctx = (m: { contextInfo?: proto.IContextInfo | null } | null | undefined) =>
    m?.contextInfo?.stanzaId ?? null;
  const base = { downloadable: false, mimeType: null, filename: null } as const;
  switch (type) {
    case "conversation":
      return { ...base, body: content.conversation ?? "", mediaType: "chat", quotedMsgId: null };
    case "extendedTextMessage": {
      const m = content.extendedTextMessage;
      return { ...base, body: m?.text ?? "", mediaType: "chat", quotedMsgId: ctx(m) };
    }
    case "imageMessage": {
      const m = content.imageMessage;
      return {
        body: m?.caption ?? "",
        mediaType: "image",
        downloadable: true,
        mimeType: m?.mimetype ?? null,
        filename: null,
        quotedMsgId: ctx(m),
      };
    }
    case "videoMessage": {
      const m = content.videoMessage;
      return {
        body: m?.caption ?? "",
        mediaType: "video",
        downloadable: true,
        mimeType: m?.mimetype ?? null,
        filename: null,
        quotedMsgId: ctx(m),
      };
    }
    case "audioMessage": {
      const m = content.audioMessage;
      return {
        body: "",
        mediaType: m?.ptt ? "ptt" : "audio",
        downloadable: true,
        mimeType: m?.mimetype ?? null,
        filename: null,
        quotedMsgId: ctx(m),
      };
    }
    case "documentMessage": {
      const m = content.documentMessage;
      return {
        body: m?.caption ?? "",
        mediaType: "document",
        downloadable: true,
        mimeType: m?.mimetype ?? null,
        filename: m?.fileName ?? null,
        quotedMsgId: ctx(m),
      };
    }
    case "documentWithCaptionMessage": {
      const inner = content.documentWithCaptionMessage?.message?.documentMessage;
      return {
        body: inner?.caption ?? "",
        mediaType: "document",
        downloadable: true,
        mimeType: inner?.mimetype ?? null,
        filename: inner?.fileName ?? null,
        quotedMsgId: ctx(inner),
      };
    }
    case "stickerMessage": {
      const m = content.stickerMessage;
      return {
        body: "",
        mediaType: "sticker",
        downloadable: true,
        mimeType: m?.mimetype ?? "image/webp",
        filename: null,
        quotedMsgId: ctx(m),
      };
    }
    case "locationMessage":
    case "liveLocationMessage": {
      const m = content.locationMessage ?? content.liveLocationMessage;
      const lat = m?.degreesLatitude ?? 0;
      const lng = m?.degreesLongitude ?? 0;
      const place = content.locationMessage
        ? [content.locationMessage.name, content.locationMessage.address]
        : [];
      const label = place.filter(Boolean).join(", ");
      return {
        ...base,
        body: `📍 ${label ? `${label} ` : ""}https://maps.google.com/maps?q=${lat},${lng}`,
        mediaType: "location",
        quotedMsgId: ctx(m),
      };
    }
    case "contactMessage": {
      const m = content.contactMessage;
      return {
        ...base,
        body: `👤 ${readableVcard(m?.vcard, m?.displayName)}`,
        mediaType: "vcard",
        quotedMsgId: ctx(m),
      };
    }
    case "contactsArrayMessage": {
      const m = content.contactsArrayMessage;
      const body = (m?.contacts ?? []).map((c) => `👤 ${readableVcard(c.vcard, c.displayName)}`).join("\n");
      return { ...base, body, mediaType: "vcard", quotedMsgId: ctx(m) };
    }
    default:
      return null;
  }
}
