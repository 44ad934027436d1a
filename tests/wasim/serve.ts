/**
 * Runs the fake WhatsApp server as its own process, for driving it over HTTP from elsewhere:
 *   bun tests/wasim/serve.ts
 * Prints one JSON line with its URLs and the CA certificate path, then serves until SIGINT/SIGTERM.
 */
import { startFakeWhatsApp } from "./fake-whatsapp";

const wa = await startFakeWhatsApp();
process.stdout.write(
  `${JSON.stringify({
    wsUrl: wa.wsUrl,
    controlUrl: wa.controlUrl,
    mediaOrigin: wa.media.origin,
    caCertPath: wa.certificate.certPath,
  })}\n`,
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void wa.stop().then(() => process.exit(0));
  });
}
