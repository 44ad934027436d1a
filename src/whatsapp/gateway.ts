/**
 * The port between the domain and a WhatsApp implementation. Drivers (sandbox, baileys) implement it;
 * the session manager wires its events into the domain. No driver type leaks past this file.
 */
export type ConnectionStatus = "OPENING" | "qrcode" | "PAIRING" | "CONNECTED" | "TIMEOUT" | "DISCONNECTED";

export type WaMediaType = "image" | "video" | "audio" | "ptt" | "document" | "sticker" | "location" | "vcard";

export type OutboundMedia = {
  /** Absolute path of the stored file. */
  path: string;
  mimeType: string;
  mediaType: "image" | "video" | "audio" | "document";
  filename: string;
  caption?: string;
};

/** What a driver needs to quote a stored message. */
export type QuotedRef = { id: string; fromMe: boolean; body: string; remoteKey: string | null };

export type SentMessage = { id: string; timestampSec: number; remoteKey?: string | null };

export type InboundMedia = { bytes: Uint8Array; mimeType: string | null; filename: string | null } | null;

export type InboundMessage = {
  id: string;
  /** Digits of the contact's phone number (never a LID). */
  from: string;
  fromMe: boolean;
  pushName: string | null;
  body: string;
  mediaType: "chat" | WaMediaType;
  /** Downloaded media, null when none, or `"failed"` when download failed (kept with hasMedia, retried later). */
  media: InboundMedia | "failed";
  quotedMsgId: string | null;
  timestampSec: number;
  remoteKey?: string | null;
  lid?: string | null;
  /** When the media download failed: what `retryMediaDownload` needs to try again later. */
  mediaRef?: string | null;
};

export type NumberCheck = { exists: boolean; number: string; jid: string | null };

export type GatewayEvents = {
  status(
    status: ConnectionStatus,
    info: { qrcode: string | null; number?: string | null; reason?: string },
  ): void;
  message(msg: InboundMessage): void | Promise<void>;
  ack(messageId: string, ack: number): void;
  seen?(at: Date): void;
};

export interface WhatsAppGateway {
  readonly driver: "baileys" | "sandbox";
  start(): Promise<void>;
  stop(): Promise<void>;
  logout(): Promise<void>;
  status(): ConnectionStatus;
  requestPairingCode(number: string): Promise<string>;
  sendText(to: string, body: string, quoted?: QuotedRef | null): Promise<SentMessage>;
  sendMedia(to: string, media: OutboundMedia, quoted?: QuotedRef | null): Promise<SentMessage>;
  checkNumber(number: string): Promise<NumberCheck>;
  profilePicUrl(number: string): Promise<string | null>;
  /** Downloads the media of an inbound message whose first download failed (drivers with remote media). */
  retryMediaDownload?(
    mediaRef: string,
  ): Promise<{ bytes: Uint8Array; mimeType: string | null; filename: string | null }>;
}

/** Builds a driver for a connection; may load the driver's code on first use (Baileys is large). */
export type GatewayFactory = (
  connection: { id: number; number: string | null },
  events: GatewayEvents,
) => WhatsAppGateway | Promise<WhatsAppGateway>;
