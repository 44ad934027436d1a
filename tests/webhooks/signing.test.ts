import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { generateWebhookSecret } from "../../src/domain/webhook-config.service";
import { deliveryHeaders } from "../../src/webhooks/delivery";
import { signWebhook } from "../../src/webhooks/signing";

// The test vector of the Standard Webhooks specification (standard-webhooks/standard-webhooks, libraries' tests).
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

const verify = (secret: string, id: string, timestamp: number, body: string, signature: string) =>
  new Webhook(secret).verify(body, {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signature,
  });

describe("Standard Webhooks signatures", () => {
  test("signing the specification's test vector gives the expected signature", () => {
    expect(signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  test("any body signed with a generated secret verifies with the standardwebhooks package", () => {
    const now = Math.floor(Date.now() / 1000);
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 2000 }),
        fc.stringMatching(/^evt_[0-9a-f]{22}$/),
        (raw, id) => {
          const body = JSON.stringify({ raw });
          const secret = generateWebhookSecret();
          expect(verify(secret, id, now, body, signWebhook(secret, id, now, body))).toEqual({ raw });
        },
      ),
      { numRuns: 300 },
    );
  });

  test("a one-megabyte body verifies", () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ big: "ñ".repeat(512 * 1024) });
    const now = Math.floor(Date.now() / 1000);
    expect(() => verify(secret, "evt_1", now, body, signWebhook(secret, "evt_1", now, body))).not.toThrow();
  });

  test("changing the id, the timestamp or one byte of the body makes verification fail", () => {
    const secret = generateWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const body = '{"event":"message_received"}';
    const sig = signWebhook(secret, "evt_a", now, body);
    expect(() => verify(secret, "evt_b", now, body, sig)).toThrow();
    expect(() => verify(secret, "evt_a", now - 1, body, sig)).toThrow();
    expect(() => verify(secret, "evt_a", now, body.replace("r", "R"), sig)).toThrow();
    expect(() => verify(generateWebhookSecret(), "evt_a", now, body, sig)).toThrow();
  });

  test("each attempt carries a fresh timestamp and signature while webhook-id stays the same", () => {
    const req = {
      url: "http://127.0.0.1/",
      secret: generateWebhookSecret(),
      eventId: "evt_0000000000010000000000",
      eventType: "ticket_created",
      connectionId: 7,
      payload: '{"event":"ticket_created"}',
    };
    // Now-based: the standardwebhooks package refuses timestamps more than 5 minutes away.
    const nowMs = Date.now();
    const [t1, t2] = [Math.floor(nowMs / 1000), Math.floor(nowMs / 1000) + 60];
    const first = deliveryHeaders(req, nowMs);
    const second = deliveryHeaders(req, nowMs + 60_000);
    expect(first).toEqual({
      "content-type": "application/json",
      "user-agent": expect.any(String),
      "x-webhook-event": "ticket_created",
      "x-connection-id": "7",
      "webhook-id": req.eventId,
      "webhook-timestamp": String(t1),
      "webhook-signature": expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
    });
    expect(second["webhook-id"]).toBe(req.eventId);
    expect(second["webhook-timestamp"]).toBe(String(t2));
    // Each signature verifies, with an independent implementation, for its own timestamp and no other.
    expect(verify(req.secret, req.eventId, t1, req.payload, first["webhook-signature"]!)).toEqual({
      event: "ticket_created",
    });
    expect(verify(req.secret, req.eventId, t2, req.payload, second["webhook-signature"]!)).toEqual({
      event: "ticket_created",
    });
    expect(() => verify(req.secret, req.eventId, t2, req.payload, first["webhook-signature"]!)).toThrow();
  });

  test("a secret set without the whsec_ prefix signs with its UTF-8 bytes", () => {
    const raw = "my-own-secret-ñ-123";
    const now = Math.floor(Date.now() / 1000);
    const sig = signWebhook(raw, "evt_x", now, "{}");
    const hmac = createHmac("sha256", Buffer.from(raw, "utf8")).update(`evt_x.${now}.{}`).digest("base64");
    expect(sig).toBe(`v1,${hmac}`);
    // What a consumer passes to a Standard Webhooks library: whsec_ + base64 of those bytes.
    expect(verify(`whsec_${Buffer.from(raw).toString("base64")}`, "evt_x", now, "{}", sig)).toEqual({});
  });
});
