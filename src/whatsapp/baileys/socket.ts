import makeWASocket, {
  type AuthenticationState,
  type BaileysEventMap,
  type BinaryNode,
  Browsers,
  DisconnectReason,
  jidNormalizedUser,
  makeCacheableSignalKeyStore,
  proto,
  type WASocket,
} from "@whiskeysockets/baileys";
import type { Logger } from "../../logger";
import { pnDigits } from "./message-mapper";
import { createSignalKeyCache } from "./signal-key-cache";
import type { CloseReason } from "./supervisor";

export type SocketOptions = {
  auth: AuthenticationState;
  /** Baileys' own logger. */
  baileysLog: Logger;
  /** The WebSocket URL; WhatsApp's own when unset. */
  wsUrl?: string;
  /** The body of a stored message, so Baileys can re-encrypt it when a phone asks for a retry. */
  lookupMessage: (id: string) => Promise<{ body: string } | undefined> | { body: string } | undefined;
  /** Whether `socket` is still the connection's socket: a replaced socket's status is not ours any more. */
  isCurrent: (socket: WASocket) => boolean;
};

/** What a socket reports, in Chasqui's terms where supervision needs them. */
export type SocketListeners = {
  /** Baileys changed the credentials (in place): they are to be saved. */
  credsChanged: () => void;
  qr: (qrcode: string) => void;
  /** The socket is open; `me` is the number WhatsApp says it is linked to, when known. */
  opened: (me: string | null) => void;
  closed: (reason: CloseReason) => void;
  messagesUpsert: (e: BaileysEventMap["messages.upsert"]) => void;
  historySet: (e: BaileysEventMap["messaging-history.set"]) => void;
  messagesUpdate: (e: BaileysEventMap["messages.update"]) => void;
  /** Any frame from the server: proof that the socket is alive. */
  frame: () => void;
  /** WhatsApp's `<ack class=message>` for a message we sent. */
  serverAck: (messageId: string) => void;
};

/** Baileys' close code and message, as the reason supervision acts on. */
function closeReason(code: number | undefined, message: string): CloseReason {
  if (code === DisconnectReason.loggedOut) return { kind: "loggedOut" };
  if (code === DisconnectReason.restartRequired) return { kind: "restartRequired" };
  if (code === DisconnectReason.timedOut && /QR refs/i.test(message)) return { kind: "qrExpired" };
  return { kind: "dropped", code, message };
}

/** Opens a Baileys socket and wires its events to `on`. Throws when Baileys cannot create it. */
export function openSocket(opts: SocketOptions, on: SocketListeners): WASocket {
  const { baileysLog } = opts;
  const socket = makeWASocket({
    auth: {
      creds: opts.auth.creds,
      keys: makeCacheableSignalKeyStore(opts.auth.keys, baileysLog, createSignalKeyCache()),
    },
    logger: baileysLog,
    browser: Browsers.ubuntu("Chasqui"),
    markOnlineOnConnect: false,
    syncFullHistory: false,
    ...(opts.wsUrl ? { waWebSocketUrl: opts.wsUrl } : {}),
    getMessage: async (key) => {
      const stored = key.id ? await opts.lookupMessage(key.id) : undefined;
      return stored ? proto.Message.fromObject({ conversation: stored.body }) : undefined;
    },
  });

  socket.ev.on("creds.update", on.credsChanged);

  socket.ev.on("connection.update", (u) => {
    if (!opts.isCurrent(socket)) return;
    if (u.qr) on.qr(u.qr);
    if (u.connection === "open")
      on.opened(socket.user?.id ? pnDigits(jidNormalizedUser(socket.user.id)) : null);
    if (u.connection === "close") {
      const err = u.lastDisconnect?.error as
        | { output?: { statusCode?: number }; message?: string }
        | undefined;
      on.closed(closeReason(err?.output?.statusCode, err?.message ?? "connection closed"));
    }
  });

  socket.ev.on("messages.upsert", on.messagesUpsert);
  socket.ev.on("messaging-history.set", on.historySet);
  socket.ev.on("messages.update", on.messagesUpdate);

  socket.ws.on("frame", on.frame);
  socket.ws.on("CB:ack,class:message", (node: BinaryNode) => {
    if (node.attrs.id) on.serverAck(node.attrs.id);
  });
  return socket;
}
