import {
  addTransactionCapability,
  Curve,
  DEFAULT_CONNECTION_CONFIG,
  encodeWAMessage,
  generateSignalPubKey,
  initAuthCreds,
  type KeyPair,
  proto,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
  unpadRandomMax16,
} from "@whiskeysockets/baileys";
import pino from "pino";

/** The public half of a device's Signal keys, as the server hands it out in `encrypt/key` answers. */
export interface KeyBundle {
  registrationId: number;
  /** 32 bytes, without the 0x05 type prefix (the wire form). */
  identityKey: Buffer;
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
  preKey?: { keyId: number; publicKey: Buffer };
}

export type SignalCiphertext = { type: "pkmsg" | "msg"; ciphertext: Buffer };

const silentLogger = pino({ level: "silent" });

/** A SignalKeyStore in memory; Baileys clients in tests use it as their `auth.keys` too. */
export function memoryKeyStore(): SignalKeyStore {
  const data = new Map<string, Map<string, unknown>>();
  return {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const bucket = data.get(type);
      const out: { [id: string]: SignalDataTypeMap[T] } = {};
      for (const id of ids) {
        const value = bucket?.get(id);
        if (value !== undefined) out[id] = value as SignalDataTypeMap[T];
      }
      return out;
    },
    async set(update: SignalDataSet) {
      for (const [type, values] of Object.entries(update)) {
        const bucket = data.get(type) ?? new Map<string, unknown>();
        data.set(type, bucket);
        for (const [id, value] of Object.entries(values ?? {})) {
          if (value === null || value === undefined) bucket.delete(id);
          else bucket.set(id, value);
        }
      }
    },
  };
}

/**
 * A simulated phone (device 0) on Baileys' own Signal repository and libsignal, so what it encrypts
 * is exactly what a Baileys peer expects and what it decrypts is what Baileys really sent.
 * Peers are always addressed by LID (`<lid>:<device>@lid`), as Baileys 7 stores its sessions.
 */
export class SimSignalDevice {
  readonly creds = initAuthCreds();
  private readonly keys = addTransactionCapability(memoryKeyStore(), silentLogger, {
    maxCommitRetries: 1,
    delayBetweenTriesMs: 0,
  });
  private readonly repo = DEFAULT_CONNECTION_CONFIG.makeSignalRepository(
    { creds: this.creds, keys: this.keys },
    silentLogger,
    async () => [],
  );
  private nextPreKeyId = 1;

  constructor() {
    filterLibsignalSessionChurnLogs();
  }

  get identityKeyPair(): KeyPair {
    return this.creds.signedIdentityKey;
  }

  /** A bundle with a fresh one-time prekey, as a server would pop one from its pool. */
  async takeBundle(): Promise<KeyBundle> {
    const keyId = this.nextPreKeyId++;
    const preKey = Curve.generateKeyPair();
    await this.keys.set({ "pre-key": { [keyId]: preKey } });
    const { signedPreKey } = this.creds;
    return {
      registrationId: this.creds.registrationId,
      identityKey: Buffer.from(this.creds.signedIdentityKey.public),
      signedPreKey: {
        keyId: signedPreKey.keyId,
        publicKey: Buffer.from(signedPreKey.keyPair.public),
        signature: Buffer.from(signedPreKey.signature),
      },
      preKey: { keyId, publicKey: Buffer.from(preKey.public) },
    };
  }

  async hasSession(jid: string): Promise<boolean> {
    return (await this.repo.validateSession(jid)).exists;
  }

  async startSession(jid: string, bundle: KeyBundle): Promise<void> {
    await this.repo.injectE2ESession({
      jid,
      session: {
        registrationId: bundle.registrationId,
        identityKey: generateSignalPubKey(bundle.identityKey),
        signedPreKey: {
          keyId: bundle.signedPreKey.keyId,
          publicKey: generateSignalPubKey(bundle.signedPreKey.publicKey),
          signature: bundle.signedPreKey.signature,
        },
        ...(bundle.preKey
          ? {
              preKey: {
                keyId: bundle.preKey.keyId,
                publicKey: generateSignalPubKey(bundle.preKey.publicKey),
              },
            }
          : {}),
      },
    });
  }

  async encrypt(jid: string, message: proto.IMessage): Promise<SignalCiphertext> {
    const { type, ciphertext } = await this.repo.encryptMessage({ jid, data: encodeWAMessage(message) });
    return { type, ciphertext: Buffer.from(ciphertext) };
  }

  async decrypt(jid: string, { type, ciphertext }: SignalCiphertext): Promise<proto.Message> {
    const plain = await this.repo.decryptMessage({ jid, type, ciphertext });
    return proto.Message.decode(unpadRandomMax16(plain));
  }

  /**
   * Encrypts a group message with this phone's sender key for `group` (created on first use), as
   * `skmsg` ciphertext, plus the serialized SenderKeyDistributionMessage that lets others decrypt it.
   */
  async encryptGroup(
    group: string,
    meJid: string,
    message: proto.IMessage,
  ): Promise<{ ciphertext: Buffer; senderKeyDistribution: Buffer }> {
    const { ciphertext, senderKeyDistributionMessage } = await this.repo.encryptGroupMessage({
      group,
      meId: meJid,
      data: encodeWAMessage(message),
    });
    return {
      ciphertext: Buffer.from(ciphertext),
      senderKeyDistribution: Buffer.from(senderKeyDistributionMessage),
    };
  }

  /** Stores another member's sender key (from a decrypted `senderKeyDistributionMessage`). */
  async processSenderKeyDistribution(
    authorJid: string,
    item: proto.Message.ISenderKeyDistributionMessage,
  ): Promise<void> {
    await this.repo.processSenderKeyDistributionMessage({ authorJid, item });
  }

  /** Decrypts an `skmsg` from `authorJid` in `group` with the sender key it distributed earlier. */
  async decryptGroup(group: string, authorJid: string, ciphertext: Uint8Array): Promise<proto.Message> {
    const plain = await this.repo.decryptGroupMessage({ group, authorJid, msg: ciphertext });
    return proto.Message.decode(unpadRandomMax16(plain));
  }
}

const CHURN_LOGS = new Set(["Closing session:", "Closing open session in favor of incoming prekey bundle"]);
let churnFilterInstalled = false;

/**
 * Baileys re-fetches a peer's bundle (reason=identity) on its first send to a newly mapped LID, so
 * sessions get replaced routinely, on the Baileys side and on the simulated phones alike. libsignal
 * then console-logs the whole session: harmless, but it buries test output. This drops exactly those
 * two messages, in the test process only.
 */
export function filterLibsignalSessionChurnLogs(): void {
  if (churnFilterInstalled) return;
  churnFilterInstalled = true;
  const filter =
    (log: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      if (!CHURN_LOGS.has(String(args[0]))) log(...args);
    };
  console.info = filter(console.info.bind(console));
  console.warn = filter(console.warn.bind(console));
}
