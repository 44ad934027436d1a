import type { GatewayFactory, WhatsAppGateway } from "../../src/whatsapp/gateway";
import { createSandboxGateway } from "../../src/whatsapp/sandbox/sandbox-gateway";

/** A sandbox driver that records the text (or a file's caption) it is asked to send to WhatsApp. */
export function recordingSandbox() {
  const sent: { to: string; body: string }[] = [];
  const factory: GatewayFactory = (conn, ev) => {
    const gw = createSandboxGateway(conn, ev);
    const wrapped: WhatsAppGateway = {
      ...gw,
      async sendText(to, body, quoted) {
        sent.push({ to, body });
        return gw.sendText(to, body, quoted);
      },
      async sendMedia(to, media, quoted) {
        sent.push({ to, body: media.caption ?? "" });
        return gw.sendMedia(to, media, quoted);
      },
    };
    return wrapped;
  };
  return { sent, factory };
}
