import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { deflateSync } from "node:zlib";
import {
  type AnyMessageContent,
  aesDecryptCTR,
  aesDecryptGCM,
  aesDecryptWithIV,
  aesEncryptCTR,
  type BinaryNode,
  Curve,
  derivePairingCodeKey,
  encodeBigEndian,
  encryptedStream,
  generateMessageIDV2,
  generateWAMessageContent,
  getBinaryNodeChild,
  getBinaryNodeChildBuffer,
  getBinaryNodeChildren,
  getMediaKeys,
  hkdf,
  isJidGroup,
  jidDecode,
  type MediaType,
  MIN_PREKEY_COUNT,
  proto,
  S_WHATSAPP_NET,
  WA_ADV_ACCOUNT_SIG_PREFIX,
  WA_ADV_DEVICE_SIG_PREFIX,
} from "@whiskeysockets/baileys";
import type { Server, ServerWebSocket } from "bun";
import { handleControlRequest } from "./control-api";
import { generateTestCertificate, MediaCdn, type TestCertificate } from "./media-cdn";
import { type ClientHandshake, NoiseResponder } from "./noise-responder";
import { type KeyBundle, type SignalCiphertext, SimSignalDevice } from "./sim-signal-device";
import { ChangeFeed, type Deferred, deferred, waitForChange } from "./wait";

const DEFAULT_WAIT_MS = 10_000;
/** Refs per pair-device: Baileys shows the first for 60 s and each next one for 20 s, then gives up (408). */
const QR_REFS = 6;
const MEDIA_MESSAGE_KEYS = [
  ["imageMessage", "image"],
  ["videoMessage", "video"],
  ["audioMessage", "audio"],
  ["documentMessage", "document"],
  ["stickerMessage", "sticker"],
] as const;

/**
 * The `offline` attribute on stanzas replayed from the offline queue. Real servers send `offline="0"`
 * (seen in captured stanzas); Baileys only tests that the attribute is non-empty.
 */
const OFFLINE_MARKER = "0";

const now = () => Math.floor(Date.now() / 1000).toString();
const bytes = (content: BinaryNode["content"]): Buffer | undefined =>
  content instanceof Uint8Array
    ? Buffer.from(content)
    : typeof content === "string"
      ? Buffer.from(content)
      : undefined;
const children = (node: BinaryNode | undefined): BinaryNode[] =>
  Array.isArray(node?.content) ? node.content : [];
const uintBE = (buf: Uint8Array | undefined) => (buf ? Buffer.from(buf).readUIntBE(0, buf.length) : 0);
const result = (id: string | undefined, content?: BinaryNode[]): BinaryNode => ({
  tag: "iq",
  attrs: { from: S_WHATSAPP_NET, type: "result", ...(id ? { id } : {}) },
  ...(content ? { content } : {}),
});

export type DisconnectKind =
  /** `<stream:error code=515>`: the client must reconnect (after pairing, or when the server asks). */
  | "restart"
  /** `<stream:error><conflict type=replaced>` (440): another login took this device's place. */
  | "replaced"
  /** `<stream:error code=401><conflict type=device_removed>`: logged out; the companion is forgotten. */
  | "logout"
  /** The socket closes with no stream error, like a network drop. */
  | "drop";

/** One socket that completed a login (the server sent `<success>`), as the server saw it. */
export interface LoginSession {
  /** The socket's number on this server (1, 2, … in order of connection). */
  socket: number;
  remoteAddress: string;
  /** ms (wall clock) when `<success>` was sent. */
  loggedInAt: number;
  /** ms when the socket closed; null while it is open. */
  closedAt: number | null;
  /**
   * ms when another socket logged in as the same device while this one was open: this one was sent
   * `<stream:error><conflict type="replaced"/>` (Baileys: 440), as WhatsApp does. Null if never.
   */
  replacedAt: number | null;
}

/** Every login of one companion device (`pn:device`): what "two sockets on one login" is asserted from. */
export interface LoginRecord {
  login: string;
  pn: string;
  deviceId: number;
  sessions: LoginSession[];
  /** Sockets logged in as this device now (success sent, not closed). */
  live: number;
  /** The most sockets logged in as this device at one instant, ever. 2 or more: two clients fought over it. */
  maxConcurrent: number;
}

export interface StartOptions {
  /** Reuse a certificate (e.g. one whose path a child process already has in NODE_EXTRA_CA_CERTS). */
  certificate?: TestCertificate;
}

/** A message a simulated phone received and decrypted. */
export interface InboxMessage {
  id: string;
  /** Sender's phone number (user part only). */
  from: string;
  fromDevice: number;
  /** The chat the message belongs to (the recipient's jid as the sender addressed it). */
  chat: string;
  /** Decrypted content; a copy sent to the sender's own phone is unwrapped from deviceSentMessage. */
  message: proto.IMessage;
  /** Plain text of a conversation / extendedText message, or a media caption. */
  text: string | undefined;
  mediaType: MediaType | undefined;
  /** True when this is the sender's own phone receiving its companion's copy. */
  ownDevice: boolean;
  timestamp: number;
  /** When the server received the stanza (ms since the epoch), for measuring gaps between sends. */
  receivedAt: number;
  /** A MESSAGE_EDIT protocol message: which message was edited and its new text. */
  edit?: { targetId: string; text: string | undefined };
  /** A REVOKE protocol message ("delete for everyone"). */
  revoke?: { targetId: string };
  /** A reaction; an empty emoji removes the sender's reaction. */
  reaction?: { targetId: string; emoji: string };
  /** An audio message recorded as a voice note (`audioMessage.ptt`). */
  ptt?: boolean;
}

/** A receipt a simulated phone received from a peer (the app marking messages delivered/read/played). */
export interface ReceivedReceipt {
  ids: string[];
  /** The number of the account whose companion sent the receipt. */
  from: string;
  /** "delivery" (no type attribute), "read", "read-self", "played", "retry", … */
  type: string;
  /** In a group: the group jid the receipt is for (the receipt's `to`). */
  chat?: string;
  /** In a group: the author of the receipted messages (the receipt's `participant`). */
  participant?: string;
}

/** A `<chatstate>` a companion sent to this account: typing (`composing`), `paused`, or `recording`. */
export interface ReceivedChatState {
  /** Sender's phone number (user part). */
  from: string;
  fromDevice: number;
  /** "composing" | "paused" | "recording" (composing with media=audio). */
  state: string;
  /** The jid the chatstate was addressed to (this account's PN or LID jid, or a group). */
  to: string;
  /** When the server received it (ms since the epoch). */
  receivedAt: number;
}

/** A `<presence>` a companion sent (Baileys' `sendPresenceUpdate("available"|"unavailable")`, subscriptions). */
export interface PresenceStanza {
  /** Sender's phone number (user part). */
  from: string;
  fromDevice: number;
  /** "available" | "unavailable" | "subscribe" | … ; undefined for a bare `<presence name>`. */
  type: string | undefined;
  name?: string;
  /** For subscriptions: the jid subscribed to. */
  to?: string;
}

/** A group on the server. */
export interface SimGroup {
  /** `120363…@g.us` */
  jid: string;
  /** The user part of the jid. */
  id: string;
  subject: string;
  /** Phone number of the creator (an admin). */
  creator: string;
  /** Phone numbers of every member, the creator included. */
  participants: string[];
  creation: number;
}

/** One message of a seeded chat (see `SimAccount.seedHistory`). */
export interface SeededMessage {
  /** Defaults to a WhatsApp-shaped id. */
  id?: string;
  /** True when the account (the app's side) sent it. */
  fromMe: boolean;
  text: string;
  /** Unix seconds. */
  timestamp: number;
}

export interface SeededChat {
  with: SimAccount;
  messages: SeededMessage[];
}

export interface SeedHistoryOptions {
  /** INITIAL_BOOTSTRAP (default) or RECENT. */
  syncType?: "INITIAL_BOOTSTRAP" | "RECENT";
  /**
   * Also carry the blob inline (`initialHistBootstrapInlinePayload`), which Baileys prefers (default
   * true). Without it Baileys downloads the CDN copy from https://mmg.whatsapp.net<directPath>: its
   * history download ignores the media host, so that only works for an app that routes that host here.
   */
  inline?: boolean;
}

export interface CompanionInfo {
  deviceId: number;
  connected: boolean;
  platform: string;
}

interface Companion {
  deviceId: number;
  keyIndex: number;
  noiseKey: Buffer;
  registrationId: number;
  identityKey: Buffer;
  signedPreKey: KeyBundle["signedPreKey"];
  preKeys: Map<number, Buffer>;
  platform: string;
  conn: Conn | undefined;
  /** Stanzas for a companion that is offline; delivered at its next login, before `<offline>`. */
  pending: BinaryNode[];
  /** Set at the first login after pairing: the one at which a phone sends the history sync. */
  loggedInOnce: boolean;
}

interface PairingCodeRequest {
  conn: Conn;
  pn: string;
  ref: string;
  wrappedCompanionEphemeral: Buffer;
  finish: Deferred<{ wrappedKeyBundle: Buffer; companionIdentity: Buffer }>;
}

type WsData = { conn?: Conn; refused?: boolean };

class Conn {
  readonly noise: NoiseResponder;
  stage: "hello" | "finish" | "transport" = "hello";
  handshake: ClientHandshake | undefined;
  session: { account: SimAccount; companion: Companion } | undefined;
  refs: string[] = [];
  closed = false;
  /** Set when this socket completed a login: its entry in the login log. */
  login: { record: LoginRecord; session: LoginSession } | undefined;
  /** Set by `SimAccount.silence()`: the socket stays open but nothing is read or sent (a dead session). */
  silent = false;
  private readonly waiters = new Map<string, Deferred<BinaryNode>>();
  private nextId = 1;

  constructor(
    readonly ws: ServerWebSocket<WsData>,
    serverKeys: { private: Uint8Array; public: Uint8Array },
    readonly socket: number,
  ) {
    this.noise = new NoiseResponder({
      private: Buffer.from(serverKeys.private),
      public: Buffer.from(serverKeys.public),
    });
  }

  get pairingData(): proto.ClientPayload.IDevicePairingRegistrationData | undefined {
    return this.handshake?.payload.devicePairingData ?? undefined;
  }

  send(node: BinaryNode): void {
    if (this.closed || this.silent) return;
    this.ws.send(this.noise.encodeNode(node));
  }

  /** Sends a server-initiated iq and resolves with the client's answer. */
  query(node: BinaryNode, timeoutMs = DEFAULT_WAIT_MS): Promise<BinaryNode> {
    const id = `wasim-${this.nextId++}`;
    const waiter = deferred<BinaryNode>();
    this.waiters.set(id, waiter);
    const timer = setTimeout(() => waiter.reject(new Error(`no answer to server iq ${id}`)), timeoutMs);
    this.send({ ...node, attrs: { ...node.attrs, id } });
    return waiter.promise.finally(() => {
      clearTimeout(timer);
      this.waiters.delete(id);
    });
  }

  answer(node: BinaryNode): boolean {
    const waiter = node.attrs.id ? this.waiters.get(node.attrs.id) : undefined;
    waiter?.resolve(node);
    return waiter !== undefined;
  }

  /**
   * Sends a stream error and leaves the close to the client: Baileys decodes frames asynchronously,
   * so a server-side close could overtake the error and turn it into a plain 428.
   */
  streamError(kind: Exclude<DisconnectKind, "drop">): void {
    const node: BinaryNode =
      kind === "restart"
        ? { tag: "stream:error", attrs: { code: "515" } }
        : kind === "replaced"
          ? { tag: "stream:error", attrs: {}, content: [{ tag: "conflict", attrs: { type: "replaced" } }] }
          : {
              tag: "stream:error",
              attrs: { code: "401" },
              content: [{ tag: "conflict", attrs: { type: "device_removed" } }],
            };
    this.send(node);
  }

  drop(): void {
    if (!this.closed) this.ws.close();
    this.onClosed();
  }

  onClosed(): void {
    this.closed = true;
    for (const waiter of this.waiters.values()) waiter.reject(new Error("connection closed"));
    this.waiters.clear();
  }
}

/**
 * A WhatsApp user: a simulated phone (device 0, with real Signal keys) plus the companions linked to it
 * (real Baileys clients). Contacts are accounts too; they just never link a companion.
 */
export class SimAccount {
  readonly phone = new SimSignalDevice();
  readonly inbox: InboxMessage[] = [];
  readonly receipts: ReceivedReceipt[] = [];
  /** Bytes served at the profile picture URL; undefined answers 404 like WhatsApp does for none. */
  profilePicture: Uint8Array | undefined;
  statusText = "Hey there! I am using WhatsApp.";
  /** "pn": from=<pn>@s.whatsapp.net with sender_lid (default); "lid": from=<lid>@lid with sender_pn. */
  addressingMode: "pn" | "lid" = "pn";
  /**
   * While true, message stanzas from this account's companions are dropped: neither routed nor acked (a
   * server that keeps the socket alive and answers iqs, but loses messages).
   */
  holdMessages = false;
  /** Pings (`<iq xmlns=w:p><ping>`) the server answered for this account's companions. */
  pings = 0;
  /** @internal Chats the phone sends as history at a companion's first login (see seedHistory). */
  seededHistory: { chats: SeededChat[]; options: SeedHistoryOptions } | undefined;
  /** History sync notifications this phone sent to its companions (with the CDN fields). */
  readonly historySyncs: proto.Message.IHistorySyncNotification[] = [];
  /** Chat states (typing…) other accounts' companions addressed to this account. */
  readonly chatStates: ReceivedChatState[] = [];
  /** @internal */
  readonly companions = new Map<number, Companion>();
  private nextDeviceId = 1;

  constructor(
    private readonly wa: FakeWhatsApp,
    readonly pn: string,
    readonly lid: string,
    public pushName: string,
  ) {}

  get pnJid(): string {
    return `${this.pn}@s.whatsapp.net`;
  }

  get lidJid(): string {
    return `${this.lid}@lid`;
  }

  linkedDevices(): CompanionInfo[] {
    return [...this.companions.values()].map((c) => ({
      deviceId: c.deviceId,
      connected: !!c.conn && !c.conn.closed,
      platform: c.platform,
    }));
  }

  /** One-time prekeys the server still holds for a companion (Baileys uploads 812 at its first login). */
  preKeyCount(deviceId: number): number {
    return this.companions.get(deviceId)?.preKeys.size ?? 0;
  }

  /** Discards all but `keep` of a companion's prekeys on the server, so that they run low sooner. */
  drainPreKeys(deviceId: number, keep = 0): void {
    const preKeys = this.companions.get(deviceId)?.preKeys;
    if (!preKeys) throw new Error(`no companion ${deviceId} on ${this.pn}`);
    for (const keyId of [...preKeys.keys()].slice(0, Math.max(0, preKeys.size - keep))) preKeys.delete(keyId);
  }

  /** @internal */
  allocateDeviceId(): number {
    return this.nextDeviceId++;
  }

  /** The phone scans the QR string a companion shows (`connection.update` `qr`) and links it. */
  async scanQr(qr: string): Promise<{ deviceId: number }> {
    const [, fragment = ""] = qr.split("#");
    const [ref = "", noiseKeyB64 = "", identityKeyB64 = "", advSecretB64 = ""] = fragment.split(",");
    const conn = this.wa.connForRef(ref);
    if (!conn) throw new Error(`no companion is showing QR ref ${ref}`);
    const data = conn.pairingData;
    if (!data?.eIdent || !conn.handshake) throw new Error("the QR's connection is not registering");
    if (!Buffer.from(noiseKeyB64, "base64").equals(conn.handshake.staticKey))
      throw new Error("QR noise key does not match the connection");
    if (!Buffer.from(identityKeyB64, "base64").equals(Buffer.from(data.eIdent)))
      throw new Error("QR identity key does not match the registration");
    return this.wa.completePairing(conn, this, Buffer.from(advSecretB64, "base64"));
  }

  /**
   * The phone types the 8-character code a companion got from `requestPairingCode(this number)`.
   * Rejects when the code is wrong (the companion's key bundle then fails to decrypt).
   */
  async enterPairingCode(code: string, timeoutMs = DEFAULT_WAIT_MS): Promise<{ deviceId: number }> {
    const request = await this.wa.waitForPairingCodeRequest(this.pn, timeoutMs);
    return this.wa.completePairingCode(request, this, code.replace(/-/g, "").toUpperCase());
  }

  /** The phone removes linked devices (all by default); connected ones get a 401 stream error. */
  unlink(deviceId?: number): void {
    for (const companion of [...this.companions.values()]) {
      if (deviceId !== undefined && companion.deviceId !== deviceId) continue;
      this.companions.delete(companion.deviceId);
      companion.conn?.streamError("logout");
    }
    this.wa.changes.changed();
  }

  /** Ends a companion's connection the way WhatsApp would for `kind` (all connected companions by default). */
  disconnect(kind: DisconnectKind, deviceId?: number): void {
    for (const companion of this.companions.values()) {
      if (deviceId !== undefined && companion.deviceId !== deviceId) continue;
      const conn = companion.conn;
      if (!conn || conn.closed) continue;
      if (kind === "drop") conn.drop();
      else conn.streamError(kind);
      if (kind === "logout") this.companions.delete(companion.deviceId);
    }
    this.wa.changes.changed();
  }

  /**
   * The companions' current sockets go dead without closing: the server stops reading them (no iq is
   * answered, no message routed) and sends nothing more on them. A new connection is served normally.
   * This is the "looks connected but is dead" session a client must detect by itself.
   */
  silence(deviceId?: number): void {
    for (const companion of this.companions.values()) {
      if (deviceId !== undefined && companion.deviceId !== deviceId) continue;
      if (companion.conn && !companion.conn.closed) companion.conn.silent = true;
    }
    this.wa.changes.changed();
  }

  sendText(to: SimAccount | string, text: string, options: SendOptions = {}): Promise<string> {
    const contextInfo = quotedContext(options.quoted);
    return this.sendMessage(
      to,
      contextInfo ? { extendedTextMessage: { text, contextInfo } } : { conversation: text },
      options,
    );
  }

  async sendImage(
    to: SimAccount | string,
    image: Uint8Array,
    options: SendOptions & { caption?: string; mimetype?: string } = {},
  ): Promise<string> {
    const content = await this.prepareMedia({
      image: Buffer.from(image),
      ...(options.caption ? { caption: options.caption } : {}),
      mimetype: options.mimetype ?? "image/jpeg",
      // No thumbnail: Baileys would need sharp or jimp to make one, and an empty one is valid.
      jpegThumbnail: "",
    });
    return this.sendMessage(to, content, options);
  }

  async sendDocument(
    to: SimAccount | string,
    document: Uint8Array,
    options: SendOptions & { fileName?: string; mimetype?: string; caption?: string } = {},
  ): Promise<string> {
    const content = await this.prepareMedia({
      document: Buffer.from(document),
      mimetype: options.mimetype ?? "application/pdf",
      fileName: options.fileName ?? "document.pdf",
      ...(options.caption ? { caption: options.caption } : {}),
    });
    return this.sendMessage(to, content, options);
  }

  async sendAudio(
    to: SimAccount | string,
    audio: Uint8Array,
    options: SendOptions & { mimetype?: string; ptt?: boolean; seconds?: number } = {},
  ): Promise<string> {
    const content = await this.prepareMedia({
      audio: Buffer.from(audio),
      mimetype: options.mimetype ?? "audio/ogg; codecs=opus",
      // Explicit duration and waveform: computing them needs ffmpeg/music-metadata on real audio.
      seconds: options.seconds ?? 1,
      ptt: options.ptt ?? false,
      ...(options.ptt ? { waveform: new Uint8Array(64) } : {}),
    });
    return this.sendMessage(to, content, options);
  }

  /**
   * Edits a message this phone sent to `to` (a MESSAGE_EDIT protocol message, stanza `edit="1"`), built
   * with Baileys' own `generateWAMessageContent({ edit: key, text })`. Returns the new stanza's id.
   */
  async sendEdit(to: SimAccount | string, targetId: string, newText: string, options: SendOptions = {}) {
    const target = this.wa.requireAccount(typeof to === "string" ? to : to.pnJid);
    const key = { remoteJid: target.pnJid, fromMe: true, id: targetId };
    return this.sendMessage(target, await this.prepareMedia({ edit: key, text: newText }), options);
  }

  /** Deletes a message this phone sent to `to` for everyone (a REVOKE, stanza `edit="7"`). Returns the new id. */
  async sendRevoke(to: SimAccount | string, targetId: string, options: SendOptions = {}) {
    const target = this.wa.requireAccount(typeof to === "string" ? to : to.pnJid);
    const key = { remoteJid: target.pnJid, fromMe: true, id: targetId };
    return this.sendMessage(target, await this.prepareMedia({ delete: key }), options);
  }

  /**
   * Reacts to a message in the chat with `to` (stanza `type="reaction"`); an empty emoji removes the
   * reaction. `target.fromMe` is from this phone's point of view: false for a message `to` (e.g. the
   * app) sent, which Baileys' `cleanMessage` turns into `fromMe: true` on the app's side. Returns the id.
   */
  async sendReaction(
    to: SimAccount | string,
    target: { id: string; fromMe: boolean },
    emoji: string,
    options: SendOptions = {},
  ) {
    const peer = this.wa.requireAccount(typeof to === "string" ? to : to.pnJid);
    const key = { remoteJid: peer.pnJid, fromMe: target.fromMe, id: target.id };
    const content = await this.prepareMedia({ react: { text: emoji, key } });
    return this.sendMessage(peer, content, options);
  }

  /**
   * Chats this phone already has. At the next companion's FIRST login after pairing the phone sends
   * them as a HISTORY_SYNC_NOTIFICATION (INITIAL_BOOTSTRAP by default) instead of NO_HISTORY: a
   * HistorySync proto (conversations of WebMessageInfo keyed from the companion's side, newest
   * first), zlib-deflated, encrypted as "md-msg-hist" and uploaded to the CDN (directPath, mediaKey,
   * fileSha256, fileEncSha256, fileLength), and inline too unless `inline: false`. Later logins get
   * NO_HISTORY again. Returns the messages with their ids.
   */
  seedHistory(chats: SeededChat[], options: SeedHistoryOptions = {}): SeededChat[] {
    const withIds = chats.map((chat) => ({
      with: chat.with,
      messages: chat.messages.map((m) => ({ ...m, id: m.id ?? generateMessageIDV2() })),
    }));
    this.seededHistory = { chats: withIds, options };
    return withIds;
  }

  /** @internal Per group: the companions this phone already gave its sender key (`<lid>:<device>`). */
  readonly senderKeysSent = new Map<string, Set<string>>();

  /**
   * Sends a text to a group from this phone: every other member's companions (and this account's own)
   * get `<message from=<group> participant=<this number>>` with an `skmsg` encrypted with this phone's
   * sender key, preceded the first time by a pkmsg/msg carrying the SenderKeyDistributionMessage.
   * Other members' phones get it in their inbox (`chat` = the group jid). Returns the id.
   */
  sendGroupText(group: SimGroup | string, text: string, options: SendOptions = {}): Promise<string> {
    const contextInfo = quotedContext(options.quoted);
    return this.sendGroupMessage(
      group,
      contextInfo ? { extendedTextMessage: { text, contextInfo } } : { conversation: text },
      options,
    );
  }

  /** Any proto.Message to a group (see sendGroupText). */
  async sendGroupMessage(group: SimGroup | string, message: proto.IMessage, options: SendOptions = {}) {
    const id = options.id ?? generateMessageIDV2();
    await this.wa.sendGroupFromPhone(this, this.wa.requireGroup(group), id, message);
    return id;
  }

  /** Edits this phone's own message in a group (stanza `edit="1"`). */
  async sendGroupEdit(group: SimGroup | string, targetId: string, newText: string) {
    const { jid } = this.wa.requireGroup(group);
    const key = { remoteJid: jid, fromMe: true, id: targetId, participant: this.pnJid };
    return this.sendGroupMessage(group, await this.prepareMedia({ edit: key, text: newText }));
  }

  /**
   * Deletes a group message for everyone: this phone's own (`edit="7"`), or as an admin someone
   * else's (`target.participant` = the author's jid; `edit="8"`).
   */
  async sendGroupRevoke(group: SimGroup | string, target: { id: string; participant?: string }) {
    const { jid } = this.wa.requireGroup(group);
    const participant = target.participant ?? this.pnJid;
    const key = { remoteJid: jid, fromMe: participant === this.pnJid, id: target.id, participant };
    return this.sendGroupMessage(group, await this.prepareMedia({ delete: key }));
  }

  /** Reacts in a group to `target` (`participant` = the author's jid); `""` removes the reaction. */
  async sendGroupReaction(
    group: SimGroup | string,
    target: { id: string; participant: string },
    emoji: string,
  ) {
    const { jid } = this.wa.requireGroup(group);
    const key = {
      remoteJid: jid,
      fromMe: target.participant === this.pnJid,
      id: target.id,
      participant: target.participant,
    };
    return this.sendGroupMessage(group, await this.prepareMedia({ react: { text: emoji, key } }));
  }

  /** Sends any proto.Message: encrypted for every device of the recipient with the phone's Signal session. */
  async sendMessage(
    to: SimAccount | string,
    message: proto.IMessage,
    options: SendOptions = {},
  ): Promise<string> {
    const target = typeof to === "string" ? this.wa.requireAccount(to) : to;
    const id = options.id ?? generateMessageIDV2();
    const contextInfo = quotedContext(options.quoted);
    if (contextInfo && !message.extendedTextMessage) {
      for (const [key] of MEDIA_MESSAGE_KEYS) {
        const media = message[key];
        if (media) media.contextInfo = contextInfo;
      }
    }
    await this.wa.sendFromPhone(this, target, id, message);
    return id;
  }

  /** The phone reports messages it got from `to`'s companion as delivered (default), read or played. */
  sendReceipt(to: SimAccount | string, ids: string | string[], type?: "read" | "played"): void {
    const target = typeof to === "string" ? this.wa.requireAccount(to) : to;
    const list = Array.isArray(ids) ? ids : [ids];
    const [first, ...rest] = list;
    if (!first) return;
    const node: BinaryNode = {
      tag: "receipt",
      attrs: { from: this.pnJid, id: first, t: now(), ...(type ? { type } : {}) },
      ...(rest.length
        ? {
            content: [
              { tag: "list", attrs: {}, content: rest.map((id) => ({ tag: "item", attrs: { id } })) },
            ],
          }
        : {}),
    };
    for (const companion of target.companions.values()) this.wa.deliver(companion, node);
  }

  /**
   * The phone says it could not decrypt `id` (a retry receipt with a fresh key bundle), as a real phone
   * does after losing a session: the companion must fetch the message again (Baileys' message cache
   * or the app's `getMessage`) and re-send it, which lands in this inbox a second time.
   */
  async requestRetry(to: SimAccount | string, id: string, count = 1): Promise<void> {
    const target = typeof to === "string" ? this.wa.requireAccount(to) : to;
    const bundle = await this.phone.takeBundle();
    const t = now();
    const node: BinaryNode = {
      tag: "receipt",
      attrs: { from: this.pnJid, id, type: "retry", t },
      content: [
        { tag: "retry", attrs: { count: String(count), id, t, v: "1" } },
        { tag: "registration", attrs: {}, content: encodeBigEndian(bundle.registrationId, 4) },
        { tag: "keys", attrs: {}, content: bundleNodes(bundle).filter((n) => n.tag !== "registration") },
      ],
    };
    this.wa.allowResend(target.pn, id);
    for (const companion of target.companions.values()) this.wa.deliver(companion, node);
  }

  waitForMessage(predicate: (m: InboxMessage) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS) {
    return waitForChange(
      this.wa.changes,
      () => this.inbox.find(predicate),
      `a message at ${this.pn}`,
      timeoutMs,
    );
  }

  waitForReceipt(predicate: (r: ReceivedReceipt) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS) {
    return waitForChange(
      this.wa.changes,
      () => this.receipts.find(predicate),
      `a receipt at ${this.pn}`,
      timeoutMs,
    );
  }

  waitForChatState(
    predicate: (c: ReceivedChatState) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<ReceivedChatState> {
    return waitForChange(
      this.wa.changes,
      () => this.chatStates.find(predicate),
      `a chat state at ${this.pn}`,
      timeoutMs,
    );
  }

  /** Resolves once a companion is connected and logged in (after the 515 restart, for a new link). */
  waitForCompanion(timeoutMs = DEFAULT_WAIT_MS): Promise<CompanionInfo> {
    return waitForChange(
      this.wa.changes,
      () => this.linkedDevices().find((d) => d.connected),
      `a logged-in companion of ${this.pn}`,
      timeoutMs,
    );
  }

  /** Downloads from the CDN and decrypts a media message this phone received (checks the MAC). */
  async downloadMedia(message: InboxMessage): Promise<Buffer> {
    for (const [key, type] of MEDIA_MESSAGE_KEYS) {
      const media = message.message[key];
      if (!media) continue;
      if (!media.mediaKey || !media.directPath) throw new Error("media message without key or path");
      const enc = this.wa.media.get(media.directPath);
      if (!enc) throw new Error(`no media at ${media.directPath}`);
      const { cipherKey, iv, macKey } = await getMediaKeys(media.mediaKey, type);
      if (!macKey) throw new Error("no MAC key for media");
      const body = enc.subarray(0, -10);
      const mac = createHmac("sha256", macKey).update(iv).update(body).digest().subarray(0, 10);
      if (!timingSafeEqual(mac, Buffer.from(enc.subarray(-10)))) throw new Error("media MAC mismatch");
      return aesDecryptWithIV(body, cipherKey, iv);
    }
    throw new Error("not a media message");
  }

  /** Baileys' own `generateWAMessageContent`, with media uploaded to the CDN. */
  private prepareMedia(content: AnyMessageContent): Promise<proto.Message> {
    return generateWAMessageContent(content, {
      upload: async (encFilePath, { mediaType }) => {
        const directPath = this.wa.media.put(await Bun.file(encFilePath).bytes(), mediaType);
        return { mediaUrl: this.wa.media.origin + directPath, directPath };
      },
    });
  }
}

export interface SendOptions {
  /** Message id; a WhatsApp-shaped one by default. */
  id?: string;
  /** Makes the message a reply. An InboxMessage quotes what the app sent to this phone. */
  quoted?: InboxMessage | { id: string; participant: string; message: proto.IMessage };
}

function quotedContext(quoted: SendOptions["quoted"]): proto.IContextInfo | undefined {
  if (!quoted) return undefined;
  if ("participant" in quoted)
    return { stanzaId: quoted.id, participant: quoted.participant, quotedMessage: quoted.message };
  return { stanzaId: quoted.id, participant: `${quoted.from}@s.whatsapp.net`, quotedMessage: quoted.message };
}

function messageText(message: proto.IMessage): string | undefined {
  return (
    message.conversation ??
    message.extendedTextMessage?.text ??
    message.imageMessage?.caption ??
    message.videoMessage?.caption ??
    message.documentMessage?.caption ??
    undefined
  );
}

function mediaTypeOf(message: proto.IMessage): MediaType | undefined {
  return MEDIA_MESSAGE_KEYS.find(([key]) => message[key])?.[1];
}

/** An inbox entry with the parsed shortcuts (text, media, edit, revoke, reaction, ptt). */
function inboxEntry(
  fields: Pick<InboxMessage, "id" | "from" | "fromDevice" | "chat" | "ownDevice" | "timestamp"> & {
    receivedAt?: number;
  },
  message: proto.IMessage,
): InboxMessage {
  const entry: InboxMessage = {
    receivedAt: Date.now(),
    ...fields,
    message,
    text: messageText(message),
    mediaType: mediaTypeOf(message),
  };
  const protocol = message.protocolMessage;
  if (protocol?.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT && protocol.key?.id)
    entry.edit = { targetId: protocol.key.id, text: messageText(protocol.editedMessage ?? {}) };
  if (protocol?.type === proto.Message.ProtocolMessage.Type.REVOKE && protocol.key?.id)
    entry.revoke = { targetId: protocol.key.id };
  const reaction = message.reactionMessage;
  if (reaction?.key?.id) entry.reaction = { targetId: reaction.key.id, emoji: reaction.text ?? "" };
  if (message.audioMessage) entry.ptt = message.audioMessage.ptt === true;
  return entry;
}

/**
 * The stanza attributes WhatsApp clients put on a message (Baileys' `relayMessage`/`getMessageType`):
 * `type` reaction|media|text, and `edit` 1 for an edit, 7 for a sender revoke, 8 for an admin revoke.
 */
function stanzaAttrsFor(message: proto.IMessage, mediaType: MediaType | undefined): Record<string, string> {
  const protocol = message.protocolMessage;
  const attrs: Record<string, string> = {
    type: message.reactionMessage ? "reaction" : mediaType ? "media" : "text",
  };
  if (protocol?.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT) attrs.edit = "1";
  if (protocol?.type === proto.Message.ProtocolMessage.Type.REVOKE)
    attrs.edit = protocol.key?.fromMe === false ? "8" : "7";
  return attrs;
}

/** Numbers become fake LIDs deterministically, so test output is stable between runs. */
function lidFor(pn: string): string {
  return `1000005${pn.slice(-9).padStart(9, "0")}`;
}

/**
 * A fake WhatsApp server on 127.0.0.1 that the real Baileys client connects to through
 * `makeWASocket({ waWebSocketUrl: wa.wsUrl })`. See README.md.
 */
export class FakeWhatsApp {
  readonly changes = new ChangeFeed();
  readonly media: MediaCdn;
  readonly certificate: TestCertificate;
  private readonly server: Server<WsData>;
  private readonly staticKeys = Curve.generateKeyPair();
  private readonly accounts = new Map<string, SimAccount>();
  /** Message ids accepted per sender (`pn:id`), to drop a re-sent duplicate as WhatsApp does. */
  private readonly acceptedIds = new Set<string>();
  /** A retry receipt passed for this sender's message: its re-send (same id) is accepted once more. */
  allowResend(senderPn: string, id: string): void {
    this.acceptedIds.delete(`${senderPn}:${id}`);
  }
  /** Messages dropped because their id had been accepted before (a client re-sending after a crash). */
  readonly droppedDuplicates: { from: string; id: string }[] = [];
  private readonly byLid = new Map<string, SimAccount>();
  private readonly refs = new Map<string, Conn>();
  /** @internal Groups by jid. */
  readonly groups = new Map<string, SimGroup>();
  private readonly codeRequests: PairingCodeRequest[] = [];
  private refusing = false;
  /** Every `<presence>` stanza companions sent (available/unavailable, name, subscriptions), in order. */
  readonly presences: PresenceStanza[] = [];
  /** WebSocket upgrade requests on `/ws/chat`, refused ones included. */
  connectionAttempts = 0;
  /** Of those, how many `refuseConnections(true)` closed at once. */
  refusedConnections = 0;
  /** WebSockets opened (not refused), numbering them for the login log. */
  private socketCount = 0;
  private readonly loginRecords = new Map<string, LoginRecord>();

  private readonly ownsCertificate: boolean;

  constructor(options: StartOptions = {}) {
    this.ownsCertificate = !options.certificate;
    this.certificate = options.certificate ?? generateTestCertificate();
    this.media = new MediaCdn(this.certificate);
    this.server = Bun.serve<WsData>({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req, server) => {
        const url = new URL(req.url);
        if (url.pathname === "/ws/chat") {
          this.connectionAttempts++;
          this.changes.changed();
          if (server.upgrade(req, { data: { refused: this.refusing } })) return undefined;
          return new Response("expected a websocket", { status: 400 });
        }
        return handleControlRequest(this, req);
      },
      websocket: {
        open: (ws) => {
          if (ws.data.refused) {
            // Closed right after the upgrade, before any Noise frame. (A 503 instead of the upgrade would
            // not do: Baileys then waits for its connectTimeoutMs, 20 s by default, before it gives up.)
            this.refusedConnections++;
            ws.close(1013, "wasim: refusing connections");
            this.changes.changed();
            return;
          }
          ws.data.conn = new Conn(ws, this.staticKeys, ++this.socketCount);
        },
        message: (ws, message) => {
          const conn = ws.data.conn;
          if (!conn) return;
          try {
            this.onBytes(conn, typeof message === "string" ? Buffer.from(message) : message);
          } catch (err) {
            console.error("wasim: bad frame, dropping the connection", err);
            conn.drop();
          }
        },
        close: (ws) => {
          const conn = ws.data.conn;
          if (conn) this.onClose(conn);
        },
      },
    });
  }

  /** The `waWebSocketUrl` to give Baileys. */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.server.port}/ws/chat`;
  }

  /** Base URL of the HTTP control API (see control-api.ts). */
  get controlUrl(): string {
    return `http://127.0.0.1:${this.server.port}/control`;
  }

  /**
   * While on, every new WebSocket is closed right after the upgrade (an outage: the client sees 428
   * connectionClosed); connected sockets are not touched.
   */
  refuseConnections(on: boolean): void {
    this.refusing = on;
    this.changes.changed();
  }

  /** Creates a WhatsApp user with a phone, to link the app to. */
  createAccount(pn: string, pushName = `Sim ${pn.slice(-4)}`): SimAccount {
    if (this.accounts.has(pn)) throw new Error(`account ${pn} exists`);
    const account = new SimAccount(this, pn, lidFor(pn), pushName);
    this.accounts.set(pn, account);
    this.byLid.set(account.lid, account);
    return account;
  }

  /**
   * Creates a group (`120363…@g.us`, addressing mode pn) with `creator` as its super admin and
   * `participants` as members. Companions of members can query its metadata and send to it.
   */
  createGroup(creator: SimAccount, subject: string, participants: SimAccount[]): SimGroup {
    const id = `120363${String(400_000_000_000 + this.groups.size + 1)}`;
    const members = [...new Set([creator.pn, ...participants.map((p) => p.pn)])];
    const group: SimGroup = {
      jid: `${id}@g.us`,
      id,
      subject,
      creator: creator.pn,
      participants: members,
      creation: Number(now()),
    };
    this.groups.set(group.jid, group);
    this.changes.changed();
    return group;
  }

  requireGroup(group: SimGroup | string): SimGroup {
    const found = this.groups.get(typeof group === "string" ? group : group.jid);
    if (!found) throw new Error(`no simulated group ${typeof group === "string" ? group : group.jid}`);
    return found;
  }

  /** Creates a WhatsApp user that chats with the app from its phone. */
  createContact(pn: string, pushName = `Contact ${pn.slice(-4)}`): SimAccount {
    return this.createAccount(pn, pushName);
  }

  account(pnOrJid: string): SimAccount | undefined {
    const decoded = pnOrJid.includes("@")
      ? jidDecode(pnOrJid)
      : { user: pnOrJid.replace(/^\+/, ""), server: "" };
    if (!decoded?.user) return undefined;
    return decoded.server === "lid" ? this.byLid.get(decoded.user) : this.accounts.get(decoded.user);
  }

  requireAccount(pnOrJid: string): SimAccount {
    const account = this.account(pnOrJid);
    if (!account) throw new Error(`no simulated account ${pnOrJid}`);
    return account;
  }

  listAccounts(): SimAccount[] {
    return [...this.accounts.values()];
  }

  /** Waits until `check` holds, re-checked on every server state change. */
  changesUntil(check: () => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<true> {
    return waitForChange(this.changes, () => check() || undefined, what, timeoutMs);
  }

  async stop(): Promise<void> {
    this.server.stop(true);
    this.media.stop();
    if (this.ownsCertificate) rmSync(dirname(this.certificate.certPath), { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  // ---- connections -------------------------------------------------------------------------

  private onBytes(conn: Conn, data: Uint8Array): void {
    if (conn.silent) return;
    for (const frame of conn.noise.push(data)) {
      if (conn.stage === "hello") {
        conn.ws.send(conn.noise.serverHello(frame));
        conn.stage = "finish";
      } else if (conn.stage === "finish") {
        conn.handshake = conn.noise.clientFinish(frame);
        conn.stage = "transport";
        this.onHandshake(conn);
      } else {
        void conn.noise
          .decodeNode(frame, (node) => this.onNode(conn, node))
          .catch((err) => console.error("wasim: failed to handle a node", err));
      }
    }
  }

  private onClose(conn: Conn): void {
    conn.onClosed();
    if (conn.login && conn.login.session.closedAt === null) {
      conn.login.session.closedAt = Date.now();
      conn.login.record.live--;
    }
    for (const ref of conn.refs) this.refs.delete(ref);
    const pendingCodes = this.codeRequests.filter((r) => r.conn === conn);
    for (const request of pendingCodes) {
      request.finish.reject(new Error("companion disconnected during code pairing"));
      this.codeRequests.splice(this.codeRequests.indexOf(request), 1);
    }
    if (conn.session?.companion.conn === conn) conn.session.companion.conn = undefined;
    this.changes.changed();
  }

  private onHandshake(conn: Conn): void {
    const handshake = conn.handshake;
    if (!handshake) return;
    if (handshake.payload.devicePairingData) {
      conn.refs = Array.from({ length: QR_REFS }, () => randomBytes(16).toString("base64url"));
      for (const ref of conn.refs) this.refs.set(ref, conn);
      conn.send({
        tag: "iq",
        attrs: {
          from: S_WHATSAPP_NET,
          type: "set",
          id: `pair-${randomBytes(4).toString("hex")}`,
          xmlns: "md",
        },
        content: [
          {
            tag: "pair-device",
            attrs: {},
            content: conn.refs.map((ref) => ({ tag: "ref", attrs: {}, content: Buffer.from(ref) })),
          },
        ],
      });
      this.changes.changed();
      return;
    }
    const pn = String(handshake.payload.username ?? "");
    const account = this.accounts.get(pn);
    const companion = account?.companions.get(handshake.payload.device ?? -1);
    if (!(account && companion?.noiseKey.equals(handshake.staticKey))) {
      conn.send({ tag: "failure", attrs: { reason: "401", location: "wasim" } });
      return;
    }
    const previous = companion.conn;
    if (previous && !previous.closed) {
      if (previous.login && previous.login.session.replacedAt === null)
        previous.login.session.replacedAt = Date.now();
      previous.streamError("replaced");
    }
    companion.conn = conn;
    conn.session = { account, companion };
    this.recordLogin(conn, account, companion);
    conn.send({
      tag: "success",
      attrs: {
        t: now(),
        props: "1",
        abprops: "1",
        location: "wasim",
        creation: now(),
        lid: `${account.lid}:${companion.deviceId}@lid`,
      },
    });
  }

  private recordLogin(conn: Conn, account: SimAccount, companion: Companion): void {
    const key = `${account.pn}:${companion.deviceId}`;
    let record = this.loginRecords.get(key);
    if (!record) {
      record = {
        login: key,
        pn: account.pn,
        deviceId: companion.deviceId,
        sessions: [],
        live: 0,
        maxConcurrent: 0,
      };
      this.loginRecords.set(key, record);
    }
    const session: LoginSession = {
      socket: conn.socket,
      remoteAddress: conn.ws.remoteAddress,
      loggedInAt: Date.now(),
      closedAt: null,
      replacedAt: null,
    };
    record.sessions.push(session);
    record.live++;
    record.maxConcurrent = Math.max(record.maxConcurrent, record.live);
    conn.login = { record, session };
    // No changes.changed() here: waiters that look at the companion's connection would wake at `<success>`,
    // before the login finished, and change what the existing tests drive (the close does notify).
  }

  /**
   * The login log: per companion device (`pn:device`, optionally of one number), every socket that logged in
   * as it, when, when it closed and whether a later login replaced it, and the most sockets logged in as it at
   * once. Copies, by login.
   */
  logins(pn?: string): LoginRecord[] {
    return [...this.loginRecords.values()]
      .filter((r) => pn === undefined || r.pn === pn)
      .sort((a, b) => a.login.localeCompare(b.login))
      .map((r) => ({ ...r, sessions: r.sessions.map((x) => ({ ...x })) }));
  }

  /** The most sockets ever logged in at once as one device, over every login (0 before any login). */
  maxConcurrentLogins(pn?: string): number {
    return Math.max(0, ...this.logins(pn).map((r) => r.maxConcurrent));
  }

  connForRef(ref: string): Conn | undefined {
    const conn = this.refs.get(ref);
    return conn && !conn.closed ? conn : undefined;
  }

  private async onNode(conn: Conn, node: BinaryNode): Promise<void> {
    switch (node.tag) {
      case "iq":
        if (node.attrs.type === "result" || node.attrs.type === "error") {
          conn.answer(node);
          return;
        }
        await this.onIq(conn, node);
        return;
      case "message":
        await this.onCompanionMessage(conn, node);
        return;
      case "receipt":
        this.onCompanionReceipt(conn, node);
        return;
      case "chatstate":
        this.onChatState(conn, node);
        return;
      case "presence":
        this.onPresence(conn, node);
        return;
      default:
        // ack, ib (unified_session), etc. need no answer.
        return;
    }
  }

  // ---- pairing -----------------------------------------------------------------------------

  /** @internal */
  async completePairing(conn: Conn, account: SimAccount, advSecret: Buffer): Promise<{ deviceId: number }> {
    const data = conn.pairingData;
    if (!data?.eIdent || !data.eRegid || !data.eSkeyId || !data.eSkeyVal || !data.eSkeySig || !conn.handshake)
      throw new Error("incomplete registration payload");
    for (const ref of conn.refs) this.refs.delete(ref);
    conn.refs = [];
    const companionIdentity = Buffer.from(data.eIdent);
    const deviceId = account.allocateDeviceId();
    const keyIndex = deviceId;
    const identityKeys = account.phone.identityKeyPair;
    const details = proto.ADVDeviceIdentity.encode({
      rawId: randomBytes(4).readUInt32BE(0),
      timestamp: Math.floor(Date.now() / 1000),
      // Baileys calls keyIndex.toString(): an unset field would be null and throw.
      keyIndex,
    }).finish();
    const accountSignature = Curve.sign(
      identityKeys.private,
      Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, details, companionIdentity]),
    );
    const signedIdentity = proto.ADVSignedDeviceIdentity.encode({
      details,
      accountSignatureKey: identityKeys.public,
      accountSignature,
    }).finish();
    const hmac = createHmac("sha256", advSecret).update(signedIdentity).digest();
    const deviceIdentity = proto.ADVSignedDeviceIdentityHMAC.encode({
      details: signedIdentity,
      hmac,
    }).finish();
    const answer = await conn.query({
      tag: "iq",
      attrs: { from: S_WHATSAPP_NET, type: "set", t: now() },
      content: [
        {
          tag: "pair-success",
          attrs: {},
          content: [
            { tag: "device-identity", attrs: {}, content: deviceIdentity },
            { tag: "platform", attrs: { name: "android" } },
            {
              tag: "device",
              attrs: {
                jid: `${account.pn}:${deviceId}@s.whatsapp.net`,
                lid: `${account.lid}:${deviceId}@lid`,
              },
            },
          ],
        },
      ],
    });
    const signed = getBinaryNodeChildBuffer(
      getBinaryNodeChild(answer, "pair-device-sign"),
      "device-identity",
    );
    if (!signed) throw new Error("companion did not sign the device identity");
    const { deviceSignature } = proto.ADVSignedDeviceIdentity.decode(signed);
    const deviceMsg = Buffer.concat([
      WA_ADV_DEVICE_SIG_PREFIX,
      details,
      companionIdentity,
      identityKeys.public,
    ]);
    if (!deviceSignature || !Curve.verify(companionIdentity, deviceMsg, deviceSignature))
      throw new Error("bad device signature from companion");
    const props = data.deviceProps ? proto.DeviceProps.decode(data.deviceProps) : undefined;
    account.companions.set(deviceId, {
      deviceId,
      keyIndex,
      noiseKey: conn.handshake.staticKey,
      registrationId: uintBE(data.eRegid),
      identityKey: companionIdentity,
      signedPreKey: {
        keyId: uintBE(data.eSkeyId),
        publicKey: Buffer.from(data.eSkeyVal),
        signature: Buffer.from(data.eSkeySig),
      },
      preKeys: new Map(),
      platform: props?.os ?? "unknown",
      conn: undefined,
      pending: [],
      loggedInOnce: false,
    });
    // Real WhatsApp ends the registration stream here; the client must log in on a new socket.
    conn.streamError("restart");
    this.changes.changed();
    return { deviceId };
  }

  /** @internal */
  waitForPairingCodeRequest(pn: string, timeoutMs: number): Promise<PairingCodeRequest> {
    return waitForChange(
      this.changes,
      () => this.codeRequests.find((r) => r.pn === pn && !r.conn.closed),
      `a requestPairingCode(${pn}) from a companion`,
      timeoutMs,
    );
  }

  /**
   * @internal The phone's half of `link_code_companion_reg`: unwrap the companion's ephemeral key
   * with the code, send ours wrapped the same way, then derive the adv secret from the key bundle.
   */
  async completePairingCode(request: PairingCodeRequest, account: SimAccount, code: string) {
    const unwrap = async (wrapped: Buffer) => {
      const key = await derivePairingCodeKey(code, wrapped.subarray(0, 32));
      return aesDecryptCTR(wrapped.subarray(48, 80), key, wrapped.subarray(32, 48));
    };
    const companionEphemeral = await unwrap(request.wrappedCompanionEphemeral);
    const phoneEphemeral = Curve.generateKeyPair();
    const salt = randomBytes(32);
    const iv = randomBytes(16);
    const wrappedPhoneEphemeral = Buffer.concat([
      salt,
      iv,
      aesEncryptCTR(phoneEphemeral.public, await derivePairingCodeKey(code, salt), iv),
    ]);
    const identity = account.phone.identityKeyPair;
    request.conn.send({
      tag: "notification",
      attrs: { from: S_WHATSAPP_NET, type: "link_code_companion_reg", id: generateMessageIDV2(), t: now() },
      content: [
        {
          tag: "link_code_companion_reg",
          attrs: { stage: "primary_hello" },
          content: [
            { tag: "link_code_pairing_ref", attrs: {}, content: Buffer.from(request.ref) },
            { tag: "primary_identity_pub", attrs: {}, content: identity.public },
            {
              tag: "link_code_pairing_wrapped_primary_ephemeral_pub",
              attrs: {},
              content: wrappedPhoneEphemeral,
            },
          ],
        },
      ],
    });
    const { wrappedKeyBundle, companionIdentity } = await request.finish.promise;
    const sharedEphemeral = Curve.sharedKey(phoneEphemeral.private, companionEphemeral);
    const bundleKey = hkdf(sharedEphemeral, 32, {
      salt: wrappedKeyBundle.subarray(0, 32),
      info: "link_code_pairing_key_bundle_encryption_key",
    });
    let bundle: Buffer;
    try {
      bundle = aesDecryptGCM(
        wrappedKeyBundle.subarray(44),
        bundleKey,
        wrappedKeyBundle.subarray(32, 44),
        Buffer.alloc(0),
      );
    } catch {
      throw new Error("wrong pairing code: the companion's key bundle does not decrypt");
    }
    const bundledIdentity = bundle.subarray(0, 32);
    if (
      !bundledIdentity.equals(companionIdentity) ||
      !bundle.subarray(32, 64).equals(Buffer.from(identity.public))
    )
      throw new Error("pairing code key bundle does not match the identities");
    const random = bundle.subarray(64, 96);
    const sharedIdentity = Curve.sharedKey(identity.private, companionIdentity);
    const advSecret = Buffer.from(
      hkdf(Buffer.concat([sharedEphemeral, sharedIdentity, random]), 32, { info: "adv_secret" }),
    );
    return this.completePairing(request.conn, account, advSecret);
  }

  // ---- iq ----------------------------------------------------------------------------------

  private async onIq(conn: Conn, iq: BinaryNode): Promise<void> {
    const id = iq.attrs.id;
    const [child] = children(iq);
    const xmlns = iq.attrs.xmlns;
    const session = conn.session;
    if (xmlns === "md" && child?.tag === "link_code_companion_reg") {
      this.onLinkCodeIq(conn, iq, child);
      return;
    }
    if (!session) {
      conn.send(result(id));
      return;
    }
    const { account, companion } = session;
    switch (`${xmlns}/${child?.tag ?? ""}`) {
      case "encrypt/count":
        conn.send(result(id, [{ tag: "count", attrs: { value: String(companion.preKeys.size) } }]));
        return;
      case "encrypt/registration":
        this.storePreKeys(companion, iq);
        conn.send(result(id));
        this.changes.changed();
        return;
      case "encrypt/digest":
        conn.send(result(id, [{ tag: "digest", attrs: {} }]));
        return;
      case "encrypt/rotate": {
        const skey = getBinaryNodeChild(child, "skey");
        const publicKey = getBinaryNodeChildBuffer(skey, "value");
        const signature = getBinaryNodeChildBuffer(skey, "signature");
        if (publicKey && signature)
          companion.signedPreKey = {
            keyId: uintBE(getBinaryNodeChildBuffer(skey, "id")),
            publicKey: Buffer.from(publicKey),
            signature: Buffer.from(signature),
          };
        conn.send(result(id));
        return;
      }
      case "encrypt/key":
        conn.send(result(id, [{ tag: "list", attrs: {}, content: await this.keyBundles(child) }]));
        return;
      case "passive/active":
        conn.send(result(id));
        await this.afterLogin(conn, account, companion);
        return;
      case "usync/usync":
        conn.send(result(id, [this.usync(child)]));
        return;
      case "abt/props":
        conn.send(result(id, [{ tag: "props", attrs: { protocol: "2", hash: "wasim" } }]));
        return;
      case "blocklist/":
        conn.send(result(id, [{ tag: "list", attrs: {} }]));
        return;
      case "privacy/privacy":
        conn.send(
          result(id, [
            {
              tag: "privacy",
              attrs: {},
              content: ["readreceipts", "last", "online", "profile", "status", "groupadd", "calladd"].map(
                (name) => ({
                  tag: "category",
                  attrs: { name, value: "all" },
                }),
              ),
            },
          ]),
        );
        return;
      case "w:m/media_conn":
        conn.send(
          result(id, [
            {
              tag: "media_conn",
              attrs: { auth: this.media.authToken, ttl: "3600" },
              content: [
                { tag: "host", attrs: { hostname: this.media.hostname, maxContentLengthBytes: "104857600" } },
              ],
            },
          ]),
        );
        return;
      case "w:profile:picture/picture": {
        const target = this.account(iq.attrs.target ?? "");
        if (!target?.profilePicture) {
          conn.send({
            tag: "iq",
            attrs: { from: S_WHATSAPP_NET, type: "error", ...(id ? { id } : {}) },
            content: [{ tag: "error", attrs: { code: "404", text: "item-not-found" } }],
          });
          return;
        }
        const directPath = this.media.put(target.profilePicture, "pp");
        conn.send(
          result(id, [
            {
              tag: "picture",
              attrs: {
                id: "1",
                type: child?.attrs.type ?? "image",
                url: this.media.origin + directPath,
                direct_path: directPath,
              },
            },
          ]),
        );
        return;
      }
      case "w:g2/query": {
        const group = this.groups.get(iq.attrs.to ?? "");
        if (!group?.participants.includes(account.pn)) {
          conn.send({
            tag: "iq",
            attrs: { from: iq.attrs.to ?? S_WHATSAPP_NET, type: "error", ...(id ? { id } : {}) },
            content: [
              group
                ? { tag: "error", attrs: { code: "403", text: "forbidden" } }
                : { tag: "error", attrs: { code: "404", text: "item-not-found" } },
            ],
          });
          return;
        }
        conn.send(result(id, [this.groupNode(group)]));
        return;
      }
      case "w:g2/participating": {
        const groups = [...this.groups.values()].filter((g) => g.participants.includes(account.pn));
        conn.send(result(id, [{ tag: "groups", attrs: {}, content: groups.map((g) => this.groupNode(g)) }]));
        return;
      }
      case "w:sync:app:state/sync":
        // Empty app state: every collection at its version, no patches, no snapshot (Baileys loops
        // on a collection that is missing from the answer).
        conn.send(
          result(id, [
            {
              tag: "sync",
              attrs: {},
              content: getBinaryNodeChildren(child, "collection").map((c) => ({
                tag: "collection",
                attrs: { name: c.attrs.name ?? "", version: c.attrs.version ?? "0" },
              })),
            },
          ]),
        );
        return;
      case "w:p/ping":
        account.pings++;
        conn.send(result(id));
        this.changes.changed();
        return;
      case "md/remove-companion-device":
        conn.send(result(id));
        account.companions.delete(companion.deviceId);
        this.changes.changed();
        return;
      default:
        // ping, privacy tokens, presence subscriptions and the rest: an empty result is enough.
        conn.send(result(id));
    }
  }

  /** `<group>` as in a `w:g2` answer (addressing mode pn: participants by number, with their LID). */
  private groupNode(group: SimGroup): BinaryNode {
    const creator = this.requireAccount(group.creator);
    return {
      tag: "group",
      attrs: {
        id: group.id,
        subject: group.subject,
        s_t: String(group.creation),
        s_o: creator.pnJid,
        creation: String(group.creation),
        creator: creator.pnJid,
        size: String(group.participants.length),
        addressing_mode: "pn",
      },
      content: group.participants.map((pn) => {
        const member = this.requireAccount(pn);
        return {
          tag: "participant",
          attrs: {
            jid: member.pnJid,
            lid: member.lidJid,
            ...(pn === group.creator ? { type: "superadmin" } : {}),
          },
        };
      }),
    };
  }

  private storePreKeys(companion: Companion, iq: BinaryNode): void {
    for (const key of getBinaryNodeChildren(getBinaryNodeChild(iq, "list"), "key")) {
      const keyId = uintBE(getBinaryNodeChildBuffer(key, "id"));
      const value = getBinaryNodeChildBuffer(key, "value");
      if (value) companion.preKeys.set(keyId, Buffer.from(value));
    }
    const skey = getBinaryNodeChild(iq, "skey");
    const publicKey = getBinaryNodeChildBuffer(skey, "value");
    const signature = getBinaryNodeChildBuffer(skey, "signature");
    if (publicKey && signature)
      companion.signedPreKey = {
        keyId: uintBE(getBinaryNodeChildBuffer(skey, "id")),
        publicKey: Buffer.from(publicKey),
        signature: Buffer.from(signature),
      };
    const identity = getBinaryNodeChildBuffer(iq, "identity");
    if (identity) companion.identityKey = Buffer.from(identity);
  }

  private onLinkCodeIq(conn: Conn, iq: BinaryNode, reg: BinaryNode): void {
    const id = iq.attrs.id;
    if (reg.attrs.stage === "companion_hello") {
      const wrapped = getBinaryNodeChildBuffer(reg, "link_code_pairing_wrapped_companion_ephemeral_pub");
      const pn = jidDecode(reg.attrs.jid ?? "")?.user;
      if (!wrapped || !pn || !conn.pairingData) {
        conn.send({
          tag: "iq",
          attrs: { from: S_WHATSAPP_NET, type: "error", ...(id ? { id } : {}) },
          content: [{ tag: "error", attrs: { code: "400", text: "bad-request" } }],
        });
        return;
      }
      const ref = randomBytes(16).toString("base64url");
      this.codeRequests.push({
        conn,
        pn,
        ref,
        wrappedCompanionEphemeral: Buffer.from(wrapped),
        finish: deferred(),
      });
      conn.send(
        result(id, [
          {
            tag: "link_code_companion_reg",
            attrs: {},
            content: [{ tag: "link_code_pairing_ref", attrs: {}, content: Buffer.from(ref) }],
          },
        ]),
      );
      this.changes.changed();
      return;
    }
    if (reg.attrs.stage === "companion_finish") {
      const ref = getBinaryNodeChildBuffer(reg, "link_code_pairing_ref")?.toString();
      const request = this.codeRequests.find((r) => r.conn === conn && r.ref === ref);
      const wrappedKeyBundle = getBinaryNodeChildBuffer(reg, "link_code_pairing_wrapped_key_bundle");
      const companionIdentity = getBinaryNodeChildBuffer(reg, "companion_identity_public");
      conn.send(result(id));
      if (!request || !wrappedKeyBundle || !companionIdentity) return;
      this.codeRequests.splice(this.codeRequests.indexOf(request), 1);
      request.finish.resolve({
        wrappedKeyBundle: Buffer.from(wrappedKeyBundle),
        companionIdentity: Buffer.from(companionIdentity),
      });
      return;
    }
    conn.send(result(id));
  }

  private async keyBundles(keyNode: BinaryNode | undefined): Promise<BinaryNode[]> {
    const out: BinaryNode[] = [];
    for (const user of getBinaryNodeChildren(keyNode, "user")) {
      const jid = user.attrs.jid ?? "";
      const decoded = jidDecode(jid);
      const account = this.account(jid);
      const device = decoded?.device ?? 0;
      let bundle: KeyBundle | undefined;
      if (account && device === 0) bundle = await account.phone.takeBundle();
      else if (account) {
        const companion = account.companions.get(device);
        if (companion) bundle = this.takeCompanionBundle(companion);
      }
      if (!bundle) {
        out.push({
          tag: "user",
          attrs: { jid },
          content: [{ tag: "error", attrs: { code: "404", text: "item-not-found" } }],
        });
        continue;
      }
      out.push({ tag: "user", attrs: { jid }, content: bundleNodes(bundle) });
    }
    return out;
  }

  private usync(query: BinaryNode | undefined): BinaryNode {
    const protocols = children(getBinaryNodeChild(query, "query")).map((p) => p.tag);
    const users = getBinaryNodeChildren(getBinaryNodeChild(query, "list"), "user").map((user) => {
      const phone = bytes(getBinaryNodeChild(user, "contact")?.content)?.toString();
      const askedJid = user.attrs.jid ?? `${(phone ?? "").replace(/^\+/, "")}@s.whatsapp.net`;
      const account = this.account(askedJid);
      const content: BinaryNode[] = [];
      for (const protocol of protocols) {
        if (protocol === "contact") content.push({ tag: "contact", attrs: { type: account ? "in" : "out" } });
        if (!account) continue;
        if (protocol === "devices") {
          const devices: BinaryNode[] = [{ tag: "device", attrs: { id: "0" } }];
          for (const c of account.companions.values())
            devices.push({
              tag: "device",
              attrs: { id: String(c.deviceId), "key-index": String(c.keyIndex) },
            });
          content.push({
            tag: "devices",
            attrs: {},
            content: [
              { tag: "device-list", attrs: {}, content: devices },
              { tag: "key-index-list", attrs: { ts: now() } },
            ],
          });
        }
        if (protocol === "lid") content.push({ tag: "lid", attrs: { val: account.lidJid } });
        if (protocol === "status")
          content.push({ tag: "status", attrs: { t: now() }, content: Buffer.from(account.statusText) });
        if (protocol === "disappearing_mode")
          content.push({ tag: "disappearing_mode", attrs: { duration: "0", t: "0" } });
      }
      const jid = account && !user.attrs.jid ? account.pnJid : askedJid;
      return { tag: "user", attrs: { jid }, content } satisfies BinaryNode;
    });
    return {
      tag: "usync",
      attrs: { ...(query?.attrs ?? {}) },
      content: [
        { tag: "result", attrs: {} },
        { tag: "list", attrs: {}, content: users },
      ],
    };
  }

  private async afterLogin(conn: Conn, account: SimAccount, companion: Companion): Promise<void> {
    const pending = companion.pending.splice(0);
    for (const node of pending) conn.send(node);
    conn.send({
      tag: "ib",
      attrs: { from: S_WHATSAPP_NET },
      content: [{ tag: "offline", attrs: { count: String(pending.length) } }],
    });
    // After <offline> Baileys buffers events until a history sync notification (or 20 s). A real
    // phone always sends one; NO_HISTORY lets Baileys go online at once without an app-state sync.
    // With seeded history, the first login after pairing gets the history instead.
    const firstLogin = !companion.loggedInOnce;
    companion.loggedInOnce = true;
    const notification =
      firstLogin && account.seededHistory
        ? await this.historySyncNotification(account.seededHistory.chats, account.seededHistory.options)
        : { syncType: proto.Message.HistorySyncType.NO_HISTORY };
    account.historySyncs.push(notification);
    await this.sendFromPhone(
      account,
      account,
      generateMessageIDV2(),
      {
        protocolMessage: {
          type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
          historySyncNotification: notification,
        },
      },
      { only: companion, category: "peer" },
    );
    this.changes.changed();
  }

  /** The HistorySync blob of seeded chats: deflated, encrypted as md-msg-hist, put on the CDN. */
  private async historySyncNotification(
    chats: SeededChat[],
    options: SeedHistoryOptions,
  ): Promise<proto.Message.IHistorySyncNotification> {
    const syncType =
      options.syncType === "RECENT"
        ? proto.HistorySync.HistorySyncType.RECENT
        : proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP;
    const conversations: proto.IConversation[] = chats.map((chat) => {
      const newestFirst = [...chat.messages].sort((a, b) => b.timestamp - a.timestamp);
      return {
        id: chat.with.pnJid,
        pnJid: chat.with.pnJid,
        lidJid: chat.with.lidJid,
        displayName: chat.with.pushName,
        conversationTimestamp: newestFirst[0]?.timestamp ?? 0,
        unreadCount: 0,
        messages: newestFirst.map((m, i) => ({
          msgOrderId: newestFirst.length - i,
          message: {
            key: { remoteJid: chat.with.pnJid, fromMe: m.fromMe, id: m.id },
            message: { conversation: m.text },
            messageTimestamp: m.timestamp,
            ...(m.fromMe
              ? { status: proto.WebMessageInfo.Status.READ }
              : { pushName: chat.with.pushName, status: proto.WebMessageInfo.Status.DELIVERY_ACK }),
          },
        })),
      };
    });
    const plain = deflateSync(
      proto.HistorySync.encode({ syncType, conversations, chunkOrder: 0, progress: 100 }).finish(),
    );
    const { mediaKey, encFilePath, fileSha256, fileEncSha256, fileLength } = await encryptedStream(
      plain,
      "md-msg-hist",
    );
    const enc = await Bun.file(encFilePath).bytes();
    rmSync(encFilePath, { force: true });
    const directPath = this.media.put(enc, "md-msg-hist");
    return {
      syncType: syncType as number as proto.Message.HistorySyncType,
      directPath,
      mediaKey,
      fileSha256,
      fileEncSha256,
      fileLength,
      chunkOrder: 0,
      progress: 100,
      originalMessageId: generateMessageIDV2(),
      ...(options.inline === false ? {} : { initialHistBootstrapInlinePayload: plain }),
    };
  }

  /**
   * Pops one of the companion's one-time prekeys into a bundle. Below Baileys' minimum the server
   * tells the companion (`<notification type=encrypt><count>`), which then uploads more.
   */
  private takeCompanionBundle(companion: Companion): KeyBundle {
    const first = companion.preKeys.entries().next();
    const bundle: KeyBundle = {
      registrationId: companion.registrationId,
      identityKey: companion.identityKey,
      signedPreKey: companion.signedPreKey,
    };
    if (!first.done) {
      const [keyId, publicKey] = first.value;
      companion.preKeys.delete(keyId);
      bundle.preKey = { keyId, publicKey };
    }
    if (companion.preKeys.size < MIN_PREKEY_COUNT && companion.conn && !companion.conn.closed)
      companion.conn.send({
        tag: "notification",
        attrs: { from: S_WHATSAPP_NET, type: "encrypt", id: generateMessageIDV2(), t: now() },
        content: [{ tag: "count", attrs: { value: String(companion.preKeys.size) } }],
      });
    return bundle;
  }

  // ---- messages ----------------------------------------------------------------------------

  /**
   * Sends the node to a connected companion, or queues it for an offline one: at its next login the
   * queue is replayed before `<ib><offline count>`, each stanza marked with the `offline` attribute
   * WhatsApp puts on stanzas from the offline queue (Baileys then upserts messages as `append`).
   */
  deliver(companion: Companion, node: BinaryNode): void {
    const conn = companion.conn;
    if (conn && !conn.closed && conn.stage === "transport") conn.send(node);
    else companion.pending.push({ ...node, attrs: { ...node.attrs, offline: OFFLINE_MARKER } });
  }

  /** The phone's pairwise Signal encryption for one companion (a session from its bundle the first time). */
  private async encryptFromPhone(
    sender: SimAccount,
    owner: SimAccount,
    companion: Companion,
    message: proto.IMessage,
  ): Promise<SignalCiphertext> {
    const address = `${owner.lid}:${companion.deviceId}@lid`;
    if (!(await sender.phone.hasSession(address)))
      await sender.phone.startSession(address, this.takeCompanionBundle(companion));
    return sender.phone.encrypt(address, message);
  }

  /**
   * @internal A simulated phone sends to a group: one skmsg with its sender key for everyone, and the
   * sender key itself (pairwise pkmsg/msg) to each companion that does not have it yet.
   */
  async sendGroupFromPhone(sender: SimAccount, group: SimGroup, id: string, message: proto.IMessage) {
    if (!group.participants.includes(sender.pn)) throw new Error(`${sender.pn} is not in ${group.jid}`);
    const t = now();
    const mediaType = mediaTypeOf(message);
    const typeAttrs = stanzaAttrsFor(message, mediaType);
    const { ciphertext, senderKeyDistribution } = await sender.phone.encryptGroup(
      group.jid,
      sender.pnJid,
      message,
    );
    const distributed = sender.senderKeysSent.get(group.jid) ?? new Set<string>();
    sender.senderKeysSent.set(group.jid, distributed);
    for (const pn of group.participants) {
      const member = this.requireAccount(pn);
      for (const companion of member.companions.values()) {
        const content: BinaryNode[] = [];
        const address = `${member.lid}:${companion.deviceId}`;
        if (!distributed.has(address)) {
          const enc = await this.encryptFromPhone(sender, member, companion, {
            senderKeyDistributionMessage: {
              groupId: group.jid,
              axolotlSenderKeyDistributionMessage: senderKeyDistribution,
            },
          });
          content.push(encNode(enc, mediaType, message));
          distributed.add(address);
        }
        content.push(encNode({ type: "skmsg", ciphertext }, mediaType, message));
        this.deliver(companion, {
          tag: "message",
          attrs: {
            from: group.jid,
            participant: sender.pnJid,
            participant_lid: sender.lidJid,
            addressing_mode: "pn",
            id,
            t,
            ...typeAttrs,
            notify: sender.pushName,
          },
          content,
        });
      }
      if (member !== sender)
        member.inbox.push(
          inboxEntry(
            { id, from: sender.pn, fromDevice: 0, chat: group.jid, ownDevice: false, timestamp: Number(t) },
            message,
          ),
        );
    }
    this.changes.changed();
  }

  /** @internal A simulated phone sends: encrypt for every companion of the recipient. */
  async sendFromPhone(
    sender: SimAccount,
    target: SimAccount,
    id: string,
    message: proto.IMessage,
    options: { only?: Companion; category?: string } = {},
  ): Promise<void> {
    const t = now();
    const mediaType = mediaTypeOf(message);
    const typeAttrs = stanzaAttrsFor(message, mediaType);
    const companions = options.only ? [options.only] : [...target.companions.values()];
    for (const companion of companions) {
      const enc = await this.encryptFromPhone(sender, target, companion, message);
      const from: Record<string, string> =
        sender.addressingMode === "lid"
          ? { from: sender.lidJid, sender_pn: sender.pnJid, addressing_mode: "lid" }
          : { from: sender.pnJid, sender_lid: sender.lidJid };
      this.deliver(companion, {
        tag: "message",
        attrs: {
          ...from,
          id,
          t,
          ...typeAttrs,
          ...(options.category ? { category: options.category } : { notify: sender.pushName }),
        },
        content: [encNode(enc, mediaType, message)],
      });
    }
    if (sender !== target && !options.only) {
      // What the phone itself sends also reaches its own companions, as a deviceSentMessage.
      for (const own of sender.companions.values()) {
        const enc = await this.encryptFromPhone(sender, sender, own, {
          deviceSentMessage: { destinationJid: target.pnJid, message },
        });
        this.deliver(own, {
          tag: "message",
          attrs: { from: sender.pnJid, recipient: target.pnJid, id, t, ...typeAttrs },
          content: [encNode(enc, mediaType, message)],
        });
      }
    }
    if (sender !== target) {
      target.inbox.push(
        inboxEntry(
          { id, from: sender.pn, fromDevice: 0, chat: target.pnJid, ownDevice: false, timestamp: Number(t) },
          message,
        ),
      );
      this.changes.changed();
    }
  }

  /** A companion sent a message: decrypt what is for simulated phones, forward what is for companions. */
  private async onCompanionMessage(conn: Conn, stanza: BinaryNode): Promise<void> {
    const receivedAt = Date.now();
    const session = conn.session;
    const id = stanza.attrs.id ?? "";
    const to = stanza.attrs.to ?? "";
    if (!session) return;
    const { account: sender, companion: senderDevice } = session;
    if (sender.holdMessages) return;
    // WhatsApp drops a second message with an id it already accepted from the same account (acking it
    // again), so a client that re-sends after a crash with the same id delivers it once. A re-send asked
    // for by a retry receipt (same id) is let through, as WhatsApp does.
    const key = `${sender.pn}:${id}`;
    if (this.acceptedIds.has(key)) {
      this.droppedDuplicates.push({ from: sender.pn, id });
      conn.send({ tag: "ack", attrs: { class: "message", id, from: to, t: now() } });
      this.changes.changed();
      return;
    }
    this.acceptedIds.add(key);
    if (isJidGroup(to)) {
      await this.onCompanionGroupMessage(conn, stanza);
      return;
    }
    const senderAddress = `${sender.lid}:${senderDevice.deviceId}@lid`;
    const t = now();
    const targets: { jid: string; enc: BinaryNode }[] = [];
    for (const toNode of getBinaryNodeChildren(getBinaryNodeChild(stanza, "participants"), "to")) {
      const enc = getBinaryNodeChild(toNode, "enc");
      if (enc && toNode.attrs.jid) targets.push({ jid: toNode.attrs.jid, enc });
    }
    // Peer messages (category=peer) carry a bare <enc> for the sender's own phone.
    const bareEnc = getBinaryNodeChild(stanza, "enc");
    if (bareEnc) targets.push({ jid: to, enc: bareEnc });
    let error: string | undefined;
    for (const { jid, enc } of targets) {
      const recipient = this.account(jid);
      const device = jidDecode(jid)?.device ?? 0;
      const ciphertext = bytes(enc.content);
      const type = enc.attrs.type;
      if (!recipient || !ciphertext || (type !== "pkmsg" && type !== "msg")) continue;
      if (device === 0) {
        try {
          const decrypted = await recipient.phone.decrypt(senderAddress, { type, ciphertext });
          const ownDevice = recipient === sender;
          const message = decrypted.deviceSentMessage?.message ?? decrypted;
          recipient.inbox.push(
            inboxEntry(
              {
                id,
                from: sender.pn,
                fromDevice: senderDevice.deviceId,
                chat: ownDevice ? (decrypted.deviceSentMessage?.destinationJid ?? to) : to,
                ownDevice,
                timestamp: Number(t),
                receivedAt,
              },
              message,
            ),
          );
        } catch (err) {
          console.error(`wasim: ${recipient.pn}'s phone could not decrypt ${id}`, err);
          error = "500";
        }
        continue;
      }
      const companion = recipient.companions.get(device);
      if (!companion) continue;
      const ownDevice = recipient === sender;
      this.deliver(companion, {
        tag: "message",
        attrs: {
          from: `${sender.pn}:${senderDevice.deviceId}@s.whatsapp.net`,
          sender_lid: `${sender.lid}:${senderDevice.deviceId}@lid`,
          id,
          t,
          type: stanza.attrs.type ?? "text",
          notify: sender.pushName,
          ...(ownDevice ? { recipient: to } : {}),
        },
        content: [enc],
      });
    }
    conn.send({
      tag: "ack",
      attrs: { class: "message", id, from: to, t, ...(error ? { error } : {}) },
    });
    this.changes.changed();
  }

  /**
   * A companion sent to a group: `<participants>` holds its sender key for the devices that lack it
   * (pkmsg/msg each), and one `<enc type=skmsg>` is for everyone. Every other device of every member
   * gets its own pkmsg/msg (if any) plus the skmsg; simulated phones decrypt both (the sender key,
   * then the message) into their inbox.
   */
  private async onCompanionGroupMessage(conn: Conn, stanza: BinaryNode): Promise<void> {
    const session = conn.session;
    if (!session) return;
    const { account: sender, companion: senderDevice } = session;
    const id = stanza.attrs.id ?? "";
    const to = stanza.attrs.to ?? "";
    const t = now();
    const group = this.groups.get(to);
    if (!group?.participants.includes(sender.pn)) {
      conn.send({ tag: "ack", attrs: { class: "message", id, from: to, t, error: group ? "403" : "404" } });
      return;
    }
    const senderJid = `${sender.pn}:${senderDevice.deviceId}@s.whatsapp.net`;
    const senderAddress = `${sender.lid}:${senderDevice.deviceId}@lid`;
    const pairwise = new Map<string, BinaryNode>();
    for (const toNode of getBinaryNodeChildren(getBinaryNodeChild(stanza, "participants"), "to")) {
      const enc = getBinaryNodeChild(toNode, "enc");
      const account = this.account(toNode.attrs.jid ?? "");
      if (enc && account) pairwise.set(`${account.pn}:${jidDecode(toNode.attrs.jid)?.device ?? 0}`, enc);
    }
    const skmsg = getBinaryNodeChildren(stanza, "enc").find((e) => e.attrs.type === "skmsg");
    const skmsgBytes = bytes(skmsg?.content);
    let error: string | undefined;
    for (const pn of group.participants) {
      const member = this.requireAccount(pn);
      const keyEnc = pairwise.get(`${pn}:0`);
      try {
        const keyBytes = bytes(keyEnc?.content);
        const keyType = keyEnc?.attrs.type;
        if (keyBytes && (keyType === "pkmsg" || keyType === "msg")) {
          const decrypted = await member.phone.decrypt(senderAddress, {
            type: keyType,
            ciphertext: keyBytes,
          });
          if (decrypted.senderKeyDistributionMessage)
            await member.phone.processSenderKeyDistribution(
              senderJid,
              decrypted.senderKeyDistributionMessage,
            );
        }
        if (skmsgBytes) {
          const message = await member.phone.decryptGroup(group.jid, senderJid, skmsgBytes);
          member.inbox.push(
            inboxEntry(
              {
                id,
                from: sender.pn,
                fromDevice: senderDevice.deviceId,
                chat: group.jid,
                ownDevice: member === sender,
                timestamp: Number(t),
              },
              message,
            ),
          );
        }
      } catch (err) {
        console.error(`wasim: ${pn}'s phone could not decrypt group message ${id}`, err);
        error = "500";
      }
      for (const companion of member.companions.values()) {
        if (member === sender && companion.deviceId === senderDevice.deviceId) continue;
        const enc = pairwise.get(`${pn}:${companion.deviceId}`);
        const content = [...(enc ? [enc] : []), ...(skmsg ? [skmsg] : [])];
        if (!content.length) continue;
        this.deliver(companion, {
          tag: "message",
          attrs: {
            from: group.jid,
            participant: senderJid,
            participant_lid: `${sender.lid}:${senderDevice.deviceId}@lid`,
            addressing_mode: stanza.attrs.addressing_mode ?? "pn",
            id,
            t,
            type: stanza.attrs.type ?? "text",
            ...(stanza.attrs.edit ? { edit: stanza.attrs.edit } : {}),
            notify: sender.pushName,
          },
          content,
        });
      }
    }
    conn.send({ tag: "ack", attrs: { class: "message", id, from: to, t, ...(error ? { error } : {}) } });
    this.changes.changed();
  }

  /**
   * A companion's receipt goes to the author of the receipted messages: the `to` of a 1:1 receipt, the
   * `participant` of a group one (`to` is then the group).
   */
  private onCompanionReceipt(conn: Conn, receipt: BinaryNode): void {
    const session = conn.session;
    const to = receipt.attrs.to;
    if (!session || !to || !receipt.attrs.id) return;
    const participant = receipt.attrs.participant;
    const inGroup = isJidGroup(to);
    const target = this.account(inGroup ? (participant ?? "") : to);
    if (!target || target === session.account) return;
    const ids = [
      receipt.attrs.id,
      ...getBinaryNodeChildren(getBinaryNodeChild(receipt, "list"), "item").map((i) => i.attrs.id ?? ""),
    ];
    target.receipts.push({
      ids,
      from: session.account.pn,
      type: receipt.attrs.type ?? "delivery",
      ...(inGroup ? { chat: to } : {}),
      ...(participant ? { participant } : {}),
    });
    this.changes.changed();
  }

  /** `<chatstate from to><composing/>|<paused/></chatstate>`: recorded at the addressed account(s). */
  private onChatState(conn: Conn, node: BinaryNode): void {
    const session = conn.session;
    const to = node.attrs.to ?? "";
    const [child] = children(node);
    if (!session || !child) return;
    const state = child.tag === "composing" && child.attrs.media === "audio" ? "recording" : child.tag;
    const targets = isJidGroup(to)
      ? (this.groups.get(to)?.participants.map((p) => this.requireAccount(p)) ?? [])
      : [this.account(to)];
    for (const target of targets) {
      if (!target || target === session.account) continue;
      target.chatStates.push({
        from: session.account.pn,
        fromDevice: session.companion.deviceId,
        state,
        to,
        receivedAt: Date.now(),
      });
    }
    this.changes.changed();
  }

  private onPresence(conn: Conn, node: BinaryNode): void {
    const session = conn.session;
    if (!session) return;
    this.presences.push({
      from: session.account.pn,
      fromDevice: session.companion.deviceId,
      type: node.attrs.type,
      ...(node.attrs.name ? { name: node.attrs.name } : {}),
      ...(node.attrs.to ? { to: node.attrs.to } : {}),
    });
    this.changes.changed();
  }
}

function bundleNodes(bundle: KeyBundle): BinaryNode[] {
  const nodes: BinaryNode[] = [
    { tag: "registration", attrs: {}, content: encodeBigEndian(bundle.registrationId, 4) },
    { tag: "type", attrs: {}, content: Buffer.from([5]) },
    { tag: "identity", attrs: {}, content: bundle.identityKey },
    {
      tag: "skey",
      attrs: {},
      content: [
        { tag: "id", attrs: {}, content: encodeBigEndian(bundle.signedPreKey.keyId, 3) },
        { tag: "value", attrs: {}, content: bundle.signedPreKey.publicKey },
        { tag: "signature", attrs: {}, content: bundle.signedPreKey.signature },
      ],
    },
  ];
  if (bundle.preKey)
    nodes.push({
      tag: "key",
      attrs: {},
      content: [
        { tag: "id", attrs: {}, content: encodeBigEndian(bundle.preKey.keyId, 3) },
        { tag: "value", attrs: {}, content: bundle.preKey.publicKey },
      ],
    });
  return nodes;
}

function encNode(
  enc: { type: string; ciphertext: Uint8Array },
  mediaType: MediaType | undefined,
  message?: proto.IMessage,
): BinaryNode {
  const mediatype = mediaType === "audio" && message?.audioMessage?.ptt ? "ptt" : mediaType;
  return {
    tag: "enc",
    attrs: {
      v: "2",
      type: enc.type,
      ...(mediatype ? { mediatype } : {}),
      // Baileys marks reactions so that a recipient that cannot decrypt them does not show an error.
      ...(message?.reactionMessage ? { "decrypt-fail": "hide" } : {}),
    },
    content: enc.ciphertext,
  };
}

/** Starts the fake server, its HTTPS media CDN and its control API on 127.0.0.1 (free ports). */
export async function startFakeWhatsApp(options: StartOptions = {}): Promise<FakeWhatsApp> {
  return new FakeWhatsApp(options);
}
