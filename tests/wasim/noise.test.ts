import { afterAll, beforeAll, expect, test } from "bun:test";
import { Curve, generateSignalPubKey, proto, WA_CERT_DETAILS } from "@whiskeysockets/baileys";
import * as libsignalCurve from "libsignal/src/curve.js";
import { BaileysTestClient, linkByQr, memoryAuthState } from "./baileys-test-client";
import { type FakeWhatsApp, startFakeWhatsApp } from "./fake-whatsapp";
import { buildCertChain, testRootKeyPair, trustTestRoot } from "./test-pki";

let wa: FakeWhatsApp;
beforeAll(async () => {
  wa = await startFakeWhatsApp();
});
afterAll(() => wa.stop());

const empty = new Uint8Array();

/** What Curve.verify should be: libsignal reports a bad signature by returning false, not throwing. */
const strictVerify = (pubKey: Uint8Array, message: Uint8Array, signature: Uint8Array) =>
  libsignalCurve.verifySignature(generateSignalPubKey(pubKey), message, signature) === true;

/** Baileys rc14's Curve.verify accepts any well-formed signature; these tests check with a strict one. */
async function withStrictSignatures<T>(run: () => Promise<T>): Promise<T> {
  const lenient = Curve.verify;
  Curve.verify = strictVerify;
  try {
    return await run();
  } finally {
    Curve.verify = lenient;
  }
}

test("the certificate chain is signed by the test root, with issuer serial 0", () => {
  const server = Curve.generateKeyPair();
  const chain = proto.CertChain.decode(buildCertChain(server.public));
  const intermediate = proto.CertChain.NoiseCertificate.Details.decode(
    chain.intermediate?.details ?? new Uint8Array(),
  );
  const leaf = proto.CertChain.NoiseCertificate.Details.decode(chain.leaf?.details ?? empty);
  expect(intermediate.issuerSerial).toBe(0);
  expect(Buffer.from(leaf.key ?? empty).equals(Buffer.from(server.public))).toBe(true);
  expect(
    strictVerify(
      testRootKeyPair.public,
      chain.intermediate?.details ?? empty,
      chain.intermediate?.signature ?? empty,
    ),
  ).toBe(true);
  expect(
    strictVerify(intermediate.key ?? empty, chain.leaf?.details ?? empty, chain.leaf?.signature ?? empty),
  ).toBe(true);
  expect(
    strictVerify(
      Curve.generateKeyPair().public,
      chain.intermediate?.details ?? empty,
      chain.intermediate?.signature ?? empty,
    ),
  ).toBe(false);
});

test("with strict signature checks, a client that trusts the test root links and opens", async () => {
  trustTestRoot();
  await withStrictSignatures(async () => {
    const phone = wa.createAccount("595981000100");
    const { client } = await linkByQr(wa, phone);
    await client.end();
  });
});

test("with strict signature checks, a client that trusts the real WhatsApp root refuses the server", async () => {
  const testRoot = WA_CERT_DETAILS.PUBLIC_KEY;
  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(
    "142375574d0a587166aae71ebe516437c4a28b73e3695c6ce1f7f9545da8ee6b",
    "hex",
  );
  try {
    await withStrictSignatures(async () => {
      const client = new BaileysTestClient(wa, memoryAuthState());
      expect((await client.waitForClose()).message).toBe("noise intermediate certificate signature invalid");
    });
  } finally {
    WA_CERT_DETAILS.PUBLIC_KEY = testRoot;
  }
});
