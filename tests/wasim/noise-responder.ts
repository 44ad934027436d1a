import { createHash } from "node:crypto";
import {
  aesDecryptGCM,
  aesEncryptGCM,
  type BinaryNode,
  Curve,
  decodeBinaryNode,
  encodeBinaryNode,
  hkdf,
  type KeyPair,
  NOISE_MODE,
  NOISE_WA_HEADER,
  proto,
} from "@whiskeysockets/baileys";
import { buildCertChain } from "./test-pki";

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest();

const ivFor = (counter: number) => {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(counter, 8);
  return iv;
};

/** What the client proved in its handshake: its static (noise) key and its ClientPayload. */
export interface ClientHandshake {
  staticKey: Buffer;
  payload: proto.ClientPayload;
}

/**
 * The responder side of WhatsApp's Noise_XX_25519_AESGCM_SHA256 handshake plus the framed transport
 * (3-byte big-endian length, then AES-256-GCM with a per-direction counter).
 */
export class NoiseResponder {
  private hash: Buffer;
  private salt: Buffer;
  private key: Buffer;
  private counter = 0;
  private readonly ephemeral: KeyPair = Curve.generateKeyPair();
  private clientEphemeral: Buffer | undefined;
  private inBytes = Buffer.alloc(0);
  private sawIntro = false;
  private transport:
    | { encKey: Buffer; decKey: Buffer; readCounter: number; writeCounter: number }
    | undefined;
  /** Frames arrive faster than the async node decoder; this chain keeps them in order. */
  private decodeChain: Promise<void> = Promise.resolve();

  constructor(private readonly staticKeys: KeyPair) {
    this.hash = Buffer.from(NOISE_MODE);
    this.salt = this.hash;
    this.key = this.hash;
  }

  get isTransport(): boolean {
    return this.transport !== undefined;
  }

  private mixHash(data: Uint8Array) {
    if (!this.transport) this.hash = sha256(Buffer.concat([this.hash, data]));
  }

  private mixKey(ikm: Uint8Array) {
    const out = Buffer.from(hkdf(Buffer.from(ikm), 64, { salt: this.salt, info: "" }));
    this.salt = out.subarray(0, 32);
    this.key = out.subarray(32);
    this.counter = 0;
  }

  private encryptHandshake(plaintext: Uint8Array) {
    const out = aesEncryptGCM(plaintext, this.key, ivFor(this.counter++), this.hash);
    this.mixHash(out);
    return out;
  }

  private decryptHandshake(ciphertext: Uint8Array) {
    const out = aesDecryptGCM(ciphertext, this.key, ivFor(this.counter++), this.hash);
    this.mixHash(ciphertext);
    return out;
  }

  /** Splits raw websocket bytes into frame payloads; strips the client's intro header once. */
  push(data: Uint8Array): Buffer[] {
    this.inBytes = Buffer.concat([this.inBytes, data]);
    if (!this.sawIntro) {
      // A client with routingInfo prefixes "ED 00 01 <len:3> <routingInfo>"; this server never sends one.
      if (this.inBytes[0] === 0x45 && this.inBytes[1] === 0x44) {
        if (this.inBytes.length < 7) return [];
        const len = this.inBytes.readUIntBE(4, 3);
        if (this.inBytes.length < 7 + len) return [];
        this.inBytes = this.inBytes.subarray(7 + len);
      }
      if (this.inBytes.length < 4) return [];
      if (!this.inBytes.subarray(0, 4).equals(NOISE_WA_HEADER)) throw new Error("bad intro header");
      this.mixHash(NOISE_WA_HEADER);
      this.inBytes = this.inBytes.subarray(4);
      this.sawIntro = true;
    }
    const frames: Buffer[] = [];
    while (this.inBytes.length >= 3) {
      const size = this.inBytes.readUIntBE(0, 3);
      if (this.inBytes.length < size + 3) break;
      frames.push(Buffer.from(this.inBytes.subarray(3, size + 3)));
      this.inBytes = this.inBytes.subarray(size + 3);
    }
    return frames;
  }

  /** Answers the client hello with the server hello (ephemeral, encrypted static, encrypted cert chain). */
  serverHello(frame: Uint8Array): Buffer {
    const hello = proto.HandshakeMessage.decode(frame).clientHello;
    if (!hello?.ephemeral) throw new Error("expected clientHello");
    this.clientEphemeral = Buffer.from(hello.ephemeral);
    this.mixHash(this.clientEphemeral);
    this.mixHash(this.ephemeral.public);
    this.mixKey(Curve.sharedKey(this.ephemeral.private, this.clientEphemeral));
    const encStatic = this.encryptHandshake(this.staticKeys.public);
    this.mixKey(Curve.sharedKey(this.staticKeys.private, this.clientEphemeral));
    const encPayload = this.encryptHandshake(buildCertChain(this.staticKeys.public));
    const msg = proto.HandshakeMessage.encode({
      serverHello: { ephemeral: this.ephemeral.public, static: encStatic, payload: encPayload },
    }).finish();
    return frameBytes(msg);
  }

  /** Reads the client finish and switches to transport keys. */
  clientFinish(frame: Uint8Array): ClientHandshake {
    const finish = proto.HandshakeMessage.decode(frame).clientFinish;
    if (!finish?.static || !finish.payload) throw new Error("expected clientFinish");
    const staticKey = Buffer.from(this.decryptHandshake(finish.static));
    this.mixKey(Curve.sharedKey(this.ephemeral.private, staticKey));
    const payload = proto.ClientPayload.decode(this.decryptHandshake(finish.payload));
    const out = Buffer.from(hkdf(Buffer.alloc(0), 64, { salt: this.salt, info: "" }));
    // The client encrypts with the first half and decrypts with the second.
    this.transport = {
      decKey: out.subarray(0, 32),
      encKey: out.subarray(32),
      readCounter: 0,
      writeCounter: 0,
    };
    return { staticKey, payload };
  }

  encodeNode(node: BinaryNode): Buffer {
    const t = this.transport;
    if (!t) throw new Error("transport not ready");
    return frameBytes(
      aesEncryptGCM(encodeBinaryNode(node), t.encKey, ivFor(t.writeCounter++), Buffer.alloc(0)),
    );
  }

  /** Decrypts a transport frame now (counters are order-sensitive) and decodes it in arrival order. */
  decodeNode(frame: Uint8Array, onNode: (node: BinaryNode) => void | Promise<void>): Promise<void> {
    const t = this.transport;
    if (!t) throw new Error("transport not ready");
    const plain = aesDecryptGCM(frame, t.decKey, ivFor(t.readCounter++), Buffer.alloc(0));
    const handled = this.decodeChain.then(async () => onNode(await decodeBinaryNode(plain)));
    // One failed node must not stall the ones after it; the caller reports the failure.
    this.decodeChain = handled.catch(() => undefined);
    return handled;
  }
}

function frameBytes(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(3 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out.set(payload, 3);
  return out;
}
