import { AppError } from "../errors";
import type { AppDeps } from "./context";

/** The headers every stored file is served with, from its name alone (so every store answers alike). */
export function publicMediaHeaders(file: string): {
  contentType: string;
  contentDisposition: string | null;
  headers: Record<string, string>;
} {
  // The type by extension (the name ends with the one detected from the bytes when it was stored).
  const contentType = Bun.file(file).type || "application/octet-stream";
  // A fetched URL may have declared text/html or SVG: never let stored media run script on this origin.
  const inline = /^(image\/(?!svg)|video\/|audio\/)/.test(contentType) || contentType === "application/pdf";
  const contentDisposition = inline ? null : "attachment";
  return {
    contentType,
    contentDisposition,
    headers: {
      "content-type": contentType,
      "cache-control": "public, max-age=31536000, immutable",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      ...(contentDisposition ? { "content-disposition": contentDisposition } : {}),
    },
  };
}

/**
 * `GET /public/<file>`: no token, like the seed's links. Streamed from the media store (the folder or the
 * bucket, same bytes and headers), or with MEDIA_S3_REDIRECT a 302 to a presigned URL of the bucket that
 * answers with the same Content-Type and Content-Disposition.
 */
export async function servePublicMedia(deps: AppDeps, file: string): Promise<Response> {
  const { media, config } = deps;
  const { contentType, contentDisposition, headers } = publicMediaHeaders(file);
  const s3 = config.mediaStore;
  if (s3.kind === "s3" && s3.redirect) {
    // Asked first so an unknown name answers our 404, not the bucket's XML one.
    const found = await media.source(file);
    const url = found ? media.signedUrl(file, { contentType, contentDisposition }) : null;
    if (!url) throw new AppError("ERR_NOT_FOUND", "File not found");
    return new Response(null, {
      status: 302,
      headers: {
        location: url,
        // Cached at most half the URL's life, so a cached redirect never points at an expired URL.
        "cache-control": `private, max-age=${Math.floor(s3.urlExpirySeconds / 2)}`,
      },
    });
  }
  const stored = await media.open(file);
  if (!stored) throw new AppError("ERR_NOT_FOUND", "File not found");
  return new Response(stored.body, {
    headers: { ...headers, "content-length": String(stored.size) },
  });
}
