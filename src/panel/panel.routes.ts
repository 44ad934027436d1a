import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../http/context";
import { PANEL_CSS, PANEL_JS } from "./assets.generated";

// Asset URLs carry a content hash so browsers may cache them for good and still get a new panel at once.
const version = Bun.hash(PANEL_JS + PANEL_CSS).toString(36);

const page = `<!doctype html>
<html lang="es">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <meta name="color-scheme" content="light dark" />
  <title>Chasqui</title>
  <link rel="icon" href="data:," />
  <link rel="stylesheet" href="/panel/app.css?v=${version}" />
  <script type="module" src="/panel/app.js?v=${version}"></script>
</head>
<body>
  <div id="app"></div>
  <noscript>Chasqui needs JavaScript. / Chasqui necesita JavaScript.</noscript>
</body>
</html>`;

// The panel only talks to this origin's API; media come from /public on the same origin, or (MEDIA_S3_REDIRECT)
// from the bucket /public redirects to: a redirect's target must pass img-src/media-src too.
const cspWith = (mediaOrigin: string | null) => {
  const media = mediaOrigin ? ` ${mediaOrigin}` : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' blob: data:${media}`,
    `media-src 'self' blob:${media}`,
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
};
const CSP = cspWith(null);

/** The origin presigned media URLs point at, when /public redirects there. */
function bucketOrigin(deps: AppDeps): string | null {
  const s = deps.config.mediaStore;
  if (s.kind !== "s3" || !s.redirect) return null;
  const url = deps.media.signedUrl("origin-probe.png", {
    contentType: "image/png",
    contentDisposition: null,
  });
  return url ? new URL(url).origin : null;
}

type Asset = { type: string; body: string; gzip?: Uint8Array };
const assets: Record<string, Asset> = {
  "/panel/app.js": { type: "text/javascript; charset=utf-8", body: PANEL_JS },
  "/panel/app.css": { type: "text/css; charset=utf-8", body: PANEL_CSS },
};

/** The web panel: one HTML page at `/` and its two bundled files, all from memory (embedded in the binary). */
export const panelRouter = new Hono<AppEnv>()
  .get("/", (c) =>
    c.html(page, 200, {
      "cache-control": "no-cache",
      // Presigning is local (no request): cheap enough for the one page load of a session.
      "content-security-policy":
        c.get("deps").config.mediaStore.kind === "s3" ? cspWith(bucketOrigin(c.get("deps"))) : CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    }),
  )
  .get("/panel/:file", (c) => {
    const asset = assets[c.req.path];
    if (!asset) return c.notFound();
    const headers: Record<string, string> = {
      "content-type": asset.type,
      "cache-control": c.req.query("v") === version ? "public, max-age=31536000, immutable" : "no-cache",
      "x-content-type-options": "nosniff",
      vary: "accept-encoding",
    };
    if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
      asset.gzip ??= Bun.gzipSync(asset.body);
      return c.body(asset.gzip.slice(), 200, { ...headers, "content-encoding": "gzip" });
    }
    return c.body(asset.body, 200, headers);
  });
