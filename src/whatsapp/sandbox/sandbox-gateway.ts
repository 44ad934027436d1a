import { randomBytes } from "node:crypto";
import { AppError } from "../../errors";
import type {
  ConnectionStatus,
  GatewayEvents,
  NumberCheck,
  SendOptions,
  SentMessage,
  WhatsAppGateway,
} from "../gateway";

/** Delays of the simulated server, delivered and read receipts after a send. */
const ACK_DELAYS_MS = [50, 250, 600] as const;

export function sandboxMessageId(): string {
  return `3EB0${randomBytes(10).toString("hex").toUpperCase()}`;
}

/**
 * A simulated phone: connects at once, accepts every 8–15 digit number except those ending in 0000,
 * and acknowledges each send with 1 → 2 → 3 within a second. Inbound messages are injected through
 * the API and run the same pipeline as real ones.
 */
export function createSandboxGateway(
  connection: { id: number; number: string | null },
  events: GatewayEvents,
  opts: { sendDelayMs?: number } = {},
) {
  let status: ConnectionStatus = "OPENING";
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const scheduleAcks = (id: string) => {
    ACK_DELAYS_MS.forEach((delay, i) => {
      const t = setTimeout(() => {
        timers.delete(t);
        events.ack(id, i + 1);
      }, delay);
      timers.add(t);
    });
  };

  const requireConnected = () => {
    if (status !== "CONNECTED")
      throw new AppError("ERR_WAPP_NOT_CONNECTED", "The connection is not connected");
  };

  const send = async (sendOpts?: SendOptions): Promise<SentMessage> => {
    requireConnected();
    const id = sendOpts?.messageId ?? sandboxMessageId();
    scheduleAcks(id);
    // Tests widen the window between "the message left" and "WhatsApp answered" to crash the server in it.
    if (opts.sendDelayMs) await Bun.sleep(opts.sendDelayMs);
    return { id, timestampSec: Math.floor(Date.now() / 1000) };
  };

  const gateway: WhatsAppGateway = {
    driver: "sandbox",
    async start() {
      status = "CONNECTED";
      await events.status("CONNECTED", { qrcode: null, number: connection.number });
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
    async logout() {
      await gateway.stop();
      status = "DISCONNECTED";
      await events.status("DISCONNECTED", { qrcode: null, reason: "logged out" });
    },
    status: () => status,
    async requestPairingCode() {
      throw new AppError("ERR_VALIDATION", "Sandbox connections are always linked; there is nothing to pair");
    },
    sendText: (_to, _body, _quoted, opts) => send(opts),
    sendMedia: (_to, _media, _quoted, opts) => send(opts),
    // The simulated phone accepts edits, deletes, reactions, read receipts and presence as WhatsApp does.
    editText: async () => requireConnected(),
    revoke: async () => requireConnected(),
    react: async () => requireConnected(),
    markRead: async () => requireConnected(),
    sendPresence: async () => requireConnected(),
    async checkNumber(number: string): Promise<NumberCheck> {
      const exists = /^\d{8,15}$/.test(number) && !number.endsWith("0000");
      return { exists, number, jid: exists ? `${number}@s.whatsapp.net` : null };
    },
    async profilePicUrl() {
      return null;
    },
  };
  return gateway;
}
