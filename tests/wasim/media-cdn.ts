import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificate {
  /** PEM of the self-signed certificate: give it to the process under test as NODE_EXTRA_CA_CERTS. */
  certPath: string;
  keyPath: string;
}

/** A fresh self-signed certificate for 127.0.0.1, made with the system openssl. */
export function generateTestCertificate(dir = mkdtempSync(join(tmpdir(), "wasim-tls-"))): TestCertificate {
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  const result = Bun.spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  if (result.exitCode !== 0) throw new Error(`openssl failed: ${result.stderr.toString()}`);
  return { certPath, keyPath };
}

/**
 * The media CDN. Baileys hard-codes `https://` for uploads and for URLs built from direct paths,
 * so this must be TLS even on loopback.
 */
export class MediaCdn {
  private readonly blobs = new Map<string, Uint8Array<ArrayBuffer>>();
  private readonly server: ReturnType<typeof Bun.serve>;
  /** Host and port, as `<media_conn><host hostname>` carries it. */
  readonly hostname: string;
  readonly origin: string;
  readonly authToken = randomBytes(12).toString("base64url");
  /** Uploads seen over HTTPS, so tests can tell a real upload from an in-process one. */
  uploads = 0;

  constructor(cert: TestCertificate) {
    this.server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: Bun.file(cert.certPath), key: Bun.file(cert.keyPath) },
      fetch: (req) => this.handle(req),
    });
    this.hostname = `127.0.0.1:${this.server.port}`;
    this.origin = `https://${this.hostname}`;
  }

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (req.method === "POST" && url.pathname.startsWith("/mms/")) {
      if (url.searchParams.get("auth") !== this.authToken)
        return Response.json({ error: "auth" }, { status: 401 });
      const kind = url.pathname.split("/")[2] ?? "file";
      const directPath = this.put(new Uint8Array(await req.arrayBuffer()), kind);
      this.uploads++;
      return Response.json({ url: this.origin + directPath, direct_path: directPath });
    }
    if (req.method === "GET") {
      const blob = this.blobs.get(url.pathname);
      if (blob) return new Response(blob, { headers: { "content-type": "application/octet-stream" } });
    }
    return new Response("not found", { status: 404 });
  }

  /** Stores bytes and returns their direct path (`/v/t62.<kind>/<random>`). */
  put(bytes: Uint8Array, kind: string): string {
    const directPath = `/v/t62.${kind}/${randomBytes(16).toString("hex")}`;
    this.blobs.set(directPath, new Uint8Array(bytes));
    return directPath;
  }

  get(directPath: string): Uint8Array | undefined {
    return this.blobs.get(directPath);
  }

  stop(): void {
    this.server.stop(true);
  }
}
