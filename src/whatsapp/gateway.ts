/**
 * The port between the domain and a WhatsApp implementation. Drivers (sandbox, baileys) implement it;
 * the session manager wires its events into the domain. No driver type leaks past this file.
 */
import type { Lease, LeaseLost } from "../cluster/leases";

export type ConnectionStatus = "OPENING" | "qrcode" | "PAIRING" | "CONNECTED" | "TIMEOUT" | "DISCONNECTED";

export type WaMediaType = "image" | "video" | "audio" | "ptt" | "document" | "sticker" | "location" | "vcard";

export type OutboundMedia = {
  /** Where to read the stored file: a local path, or a stream opened per send (a file in a bucket). */
  source: { path: string } | { stream: () => ReadableStream<Uint8Array> };
  mimeType: string;
  mediaType: "image" | "video" | "audio" | "document";
  filename: string;
  caption?: string;
  /** Send an audio as a voice note (push-to-talk). */
  ptt?: boolean;
};

/** What a driver needs to quote a stored message. */
export type QuotedRef = { id: string; fromMe: boolean; body: string; remoteKey: string | null };

/**
 * `messageId`: the WhatsApp id to send under, chosen by the caller before the send (the send queue stores
 * it first, so a send repeated after a crash carries the same id and WhatsApp drops the duplicate).
 */
export type SendOptions = { messageId?: string };

export type SentMessage = { id: string; timestampSec: number; remoteKey?: string | null };

export type InboundMedia = { bytes: Uint8Array; mimeType: string | null; filename: string | null } | null;

export type InboundMessage = {
  id: string;
  /** Digits of the contact's phone number (never a LID), or a group's id (the part before `@g.us`). */
  from: string;
  /** Set for a group chat: `from` is the group, `participant` who wrote (null when it was us). */
  group?: { subject: string | null; participant: string | null; participantName: string | null } | null;
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
  /** With media: what `retryMediaDownload` needs to fetch it again (its download or its storing failed). */
  mediaRef?: string | null;
};

/**
 * A change WhatsApp reports about a message already delivered: an edit, a "delete for everyone" or a
 * reaction. `targetId` is the WhatsApp id of the message it applies to; `fromMe` says the change was
 * made from our own number (another device, or our echo).
 */
export type InboundUpdate =
  | { kind: "edit"; targetId: string; fromMe: boolean; body: string; timestampSec: number }
  | { kind: "revoke"; targetId: string; fromMe: boolean; timestampSec: number }
  | {
      kind: "reaction";
      targetId: string;
      fromMe: boolean;
      /** Digits of who reacted (null when fromMe). */
      reactor: string | null;
      reactorName: string | null;
      /** Empty: the reaction was removed. */
      emoji: string;
      timestampSec: number;
    };

/** How a driver finds a stored message again on WhatsApp. */
export type MessageRef = {
  id: string;
  fromMe: boolean;
  remoteKey: string | null;
  participant?: string | null;
};

/** Digits of a phone number, or a group id ending in `@g.us`. */
export type ChatAddress = string;

export type NumberCheck = { exists: boolean; number: string; jid: string | null };

export type GatewayEvents = {
  /** Resolves once the status is stored (a driver awaits it where its caller reads the status back). */
  status(
    status: ConnectionStatus,
    info: { qrcode: string | null; number?: string | null; reason?: string },
  ): void | Promise<void>;
  message(msg: InboundMessage): void | Promise<void>;
  /** Edits, deletes and reactions, in the order WhatsApp delivered them. */
  update(u: InboundUpdate): void | Promise<void>;
  /** Recent history WhatsApp sends at first link; only drivers with history call it. */
  history?(msgs: InboundMessage[]): void | Promise<void>;
  /** Days of history to import at first link (0 = none), read when WhatsApp offers history. */
  historyImportDays?(): number | Promise<number>;
  /** Whether group chats become tickets for this connection. */
  acceptsGroups?(): boolean | Promise<boolean>;
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
  sendText(
    to: ChatAddress,
    body: string,
    quoted?: QuotedRef | null,
    opts?: SendOptions,
  ): Promise<SentMessage>;
  sendMedia(
    to: ChatAddress,
    media: OutboundMedia,
    quoted?: QuotedRef | null,
    opts?: SendOptions,
  ): Promise<SentMessage>;
  /** Replaces the text of a message we sent. */
  editText(to: ChatAddress, ref: MessageRef, body: string): Promise<void>;
  /** Deletes a message we sent, for everyone. */
  revoke(to: ChatAddress, ref: MessageRef): Promise<void>;
  /** Reacts to a message; an empty emoji removes our reaction. */
  react(to: ChatAddress, ref: MessageRef, emoji: string): Promise<void>;
  /** Tells WhatsApp these received messages were read. */
  markRead(to: ChatAddress, refs: MessageRef[]): Promise<void>;
  /** Shows "typing…" (composing) or stops it (paused) in the chat. */
  sendPresence(to: ChatAddress, state: "composing" | "paused"): Promise<void>;
  checkNumber(number: string): Promise<NumberCheck>;
  profilePicUrl(number: string): Promise<string | null>;
  /** Downloads the media of an inbound message whose first download failed (drivers with remote media). */
  retryMediaDownload?(
    mediaRef: string,
  ): Promise<{ bytes: Uint8Array; mimeType: string | null; filename: string | null }>;
}

/**
 * On PostgreSQL (several nodes), the lease under which this node runs the connection's socket
 * (docs/CLUSTER.md §4): a driver that stores session keys fences every write with it, and calls `lost` when a
 * write finds the lease gone, so the session manager closes the socket at once. Absent on SQLite (one node).
 */
export type GatewayLease = { lease: Lease; lost: (err: LeaseLost) => void };

/** Builds a driver for a connection; may load the driver's code on first use (Baileys is large). */
export type GatewayFactory = (
  connection: { id: number; number: string | null },
  events: GatewayEvents,
  owner?: GatewayLease,
) => WhatsAppGateway | Promise<WhatsAppGateway>;
