import { Curve, proto, WA_CERT_DETAILS } from "@whiskeysockets/baileys";
import * as libsignalCurve from "libsignal/src/curve.js";

// Present at runtime but missing from libsignal's typings.
const { getPublicFromPrivateKey } = libsignalCurve as unknown as {
  getPublicFromPrivateKey(privateKey: Uint8Array): Uint8Array;
};

/**
 * The test root is fixed so that a separate process under test can trust it (see trust-test-root.ts)
 * without being told a key. It signs nothing but test certificates: never trust it outside tests.
 */
const TEST_ROOT_PRIVATE_KEY = Buffer.from(
  "a8f4c0b1d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c4d",
  "hex",
);

export const testRootKeyPair = {
  private: TEST_ROOT_PRIVATE_KEY,
  // libsignal returns the public key with its 0x05 type prefix; certificates carry the bare 32 bytes.
  public: Buffer.from(getPublicFromPrivateKey(TEST_ROOT_PRIVATE_KEY).subarray(1)),
};

/** Makes this process's Baileys accept certificate chains issued by the test root. */
export function trustTestRoot(): void {
  WA_CERT_DETAILS.PUBLIC_KEY = testRootKeyPair.public;
}

const INTERMEDIATE_SERIAL = 7;

/** A CertChain for the server's static key, as the client checks it in its Noise handshake. */
export function buildCertChain(serverStaticPublicKey: Uint8Array): Uint8Array {
  const intermediateKeys = Curve.generateKeyPair();
  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: INTERMEDIATE_SERIAL,
    // Baileys compares with `=== 0`; an unset field decodes as null, so the zero must be explicit.
    issuerSerial: WA_CERT_DETAILS.SERIAL,
    key: intermediateKeys.public,
  }).finish();
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 1,
    issuerSerial: INTERMEDIATE_SERIAL,
    key: serverStaticPublicKey,
  }).finish();
  return proto.CertChain.encode({
    intermediate: {
      details: intermediateDetails,
      signature: Curve.sign(testRootKeyPair.private, intermediateDetails),
    },
    leaf: { details: leafDetails, signature: Curve.sign(intermediateKeys.private, leafDetails) },
  }).finish();
}
