import { createHmac } from "node:crypto";

const PREFIX = "whsec_";

/**
 * The HMAC key of a webhook secret, as Standard Webhooks defines it: the base64-decoded part after
 * `whsec_`. A secret set by the user without that prefix is used as its UTF-8 bytes (consumers using a
 * Standard Webhooks library then pass `whsec_` + base64 of it).
 */
export function signingKey(secret: string): Buffer {
  return secret.startsWith(PREFIX)
    ? Buffer.from(secret.slice(PREFIX.length), "base64")
    : Buffer.from(secret, "utf8");
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` — the Standard Webhooks `webhook-signature` value. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", signingKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest("base64");
  return `v1,${mac}`;
}
