import makeWASocket, {
  type AuthenticationState,
  type BaileysEventMap,
  type ConnectionState,
  initAuthCreds,
  type MessageUpsertType,
  type WAMessage,
  type WAMessageUpdate,
  type WASocket,
} from "@whiskeysockets/baileys";
import pino from "pino";
import type { FakeWhatsApp, SimAccount } from "./fake-whatsapp";
import { filterLibsignalSessionChurnLogs, memoryKeyStore } from "./sim-signal-device";
import { ChangeFeed, waitForChange } from "./wait";

const WAIT_MS = 10_000;

/** Creds and Signal keys that outlive one socket, like a real app's auth store. */
export function memoryAuthState(): AuthenticationState {
  return { creds: initAuthCreds(), keys: memoryKeyStore() };
}

export interface CloseInfo {
  statusCode: number | undefined;
  message: string;
}

/**
 * One bare Baileys socket (no Chasqui code) with every event it emits recorded, so tests wait for
 * conditions instead of sleeping.
 */
export class BaileysTestClient {
  readonly sock: WASocket;
  readonly qrs: string[] = [];
  readonly messages: WAMessage[] = [];
  /** Every `messages.upsert` message with the upsert's type ("notify" live, "append" replayed/own). */
  readonly upserts: { type: MessageUpsertType; message: WAMessage }[] = [];
  readonly updates: WAMessageUpdate[] = [];
  readonly reactions: BaileysEventMap["messages.reaction"] = [];
  readonly historySets: BaileysEventMap["messaging-history.set"][] = [];
  open = false;
  close: CloseInfo | undefined;
  private readonly changes = new ChangeFeed();

  constructor(wa: FakeWhatsApp, auth: AuthenticationState) {
    filterLibsignalSessionChurnLogs();
    this.sock = makeWASocket({
      waWebSocketUrl: wa.wsUrl,
      auth,
      logger: pino({ level: process.env.WASIM_LOG_LEVEL ?? "silent" }),
      // Keep the tests about the protocol, not about Baileys' optional extras.
      markOnlineOnConnect: false,
      connectTimeoutMs: WAIT_MS,
      defaultQueryTimeoutMs: WAIT_MS,
    });
    this.sock.ev.on("creds.update", (update) => Object.assign(auth.creds, update));
    this.sock.ev.on("connection.update", (update: Partial<ConnectionState>) => {
      if (update.qr) this.qrs.push(update.qr);
      if (update.connection === "open") this.open = true;
      if (update.connection === "close") {
        this.open = false;
        const error = update.lastDisconnect?.error;
        this.close = {
          // Baileys' errors are Boom errors; reading the field avoids importing a transitive dependency.
          statusCode: (error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode,
          message: error?.message ?? "",
        };
      }
      this.changes.changed();
    });
    this.sock.ev.on("messages.upsert", ({ messages, type }) => {
      this.messages.push(...messages);
      for (const message of messages) this.upserts.push({ type, message });
      this.changes.changed();
    });
    this.sock.ev.on("messages.reaction", (reactions) => {
      this.reactions.push(...reactions);
      this.changes.changed();
    });
    this.sock.ev.on("messaging-history.set", (set) => {
      this.historySets.push(set);
      this.changes.changed();
    });
    this.sock.ev.on("messages.update", (updates) => {
      this.updates.push(...updates);
      this.changes.changed();
    });
  }

  waitForQr(): Promise<string> {
    return waitForChange(this.changes, () => this.qrs[0], "a QR", WAIT_MS);
  }

  waitForOpen(): Promise<true> {
    return waitForChange(
      this.changes,
      () => {
        if (this.close)
          throw new Error(`closed instead of opening: ${this.close.statusCode} ${this.close.message}`);
        return this.open;
      },
      "connection open",
      WAIT_MS,
    );
  }

  waitForClose(): Promise<CloseInfo> {
    return waitForChange(this.changes, () => this.close, "connection close", WAIT_MS);
  }

  waitForMessage(predicate: (m: WAMessage) => boolean): Promise<WAMessage> {
    return waitForChange(this.changes, () => this.messages.find(predicate), "a message upsert", WAIT_MS);
  }

  /** Waits for any recorded state of this client (upserts, updates, reactions, history…). */
  waitFor<T>(check: () => T | undefined | null | false, what: string): Promise<T> {
    return waitForChange(this.changes, check, what, WAIT_MS);
  }

  /**
   * A status can arrive as `messages.update`, or already merged into the own message's
   * `messages.upsert` when Baileys' event buffer was active as the receipt came in.
   */
  waitForStatus(id: string, status: number): Promise<true> {
    return waitForChange(
      this.changes,
      () =>
        this.updates.some((u) => u.key.id === id && u.update.status === status) ||
        this.messages.some((m) => m.key.id === id && m.status === status),
      `status ${status} for ${id}`,
      WAIT_MS,
    );
  }

  async end(): Promise<void> {
    if (!this.close) {
      this.sock.end(undefined);
      await this.waitForClose();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.end();
  }
}

/**
 * Links a new Baileys client to `account` by QR, the way an app does it: show the QR, get the 515
 * restart after the scan, log in again on a new socket with the saved creds.
 */
export async function linkByQr(
  wa: FakeWhatsApp,
  account: SimAccount,
  auth: AuthenticationState = memoryAuthState(),
): Promise<{ client: BaileysTestClient; auth: AuthenticationState }> {
  const registering = new BaileysTestClient(wa, auth);
  await account.scanQr(await registering.waitForQr());
  const closed = await registering.waitForClose();
  if (closed.statusCode !== 515)
    throw new Error(`expected the 515 restart, got ${closed.statusCode} ${closed.message}`);
  const client = new BaileysTestClient(wa, auth);
  await client.waitForOpen();
  return { client, auth };
}
