import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import type { AppEnv } from "./context";

const tooLarge = (what: string) =>
  new AppError("ERR_PAYLOAD_TOO_LARGE", `The request body is larger than ${what}`);

export const isMultipart = (contentType: string | undefined) =>
  (contentType ?? "").split(";")[0]!.trim().toLowerCase() === "multipart/form-data";

/**
 * Caps request bodies with the JSON error body (Bun's own `maxRequestBodySize` answers an empty 413, so the
 * server sets that out of the way). A JSON, urlencoded or other body gets `maxJsonBytes`: Hono's bodyLimit
 * answers on Content-Length at once and otherwise counts the streamed bytes, holding at most that much. A
 * multipart body only gets an overall cap here, counted as it streams and never held: readBody parses it as
 * it arrives and refuses a file the moment it passes MAX_UPLOAD_MB.
 */
export const bodyLimits = (opts: { maxJsonBytes: number; maxMultipartBytes: number }) => {
  const json = honoBodyLimit({
    maxSize: opts.maxJsonBytes,
    onError: () => {
      throw tooLarge(`${Math.floor(opts.maxJsonBytes / 1024)} KB (MAX_JSON_BODY_KB)`);
    },
  });
  const multipart = streamingLimit(opts.maxMultipartBytes);
  return createMiddleware<AppEnv>((c, next) =>
    isMultipart(c.req.header("content-type")) ? multipart(c, next) : json(c, next),
  );
};

/** Counts a body as it streams, without holding it: errors the stream once it passes maxBytes. */
const streamingLimit = (maxBytes: number) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const error = () => tooLarge(`${Math.floor(maxBytes / 1024 / 1024)} MB`);
    const declared = c.req.header("content-length");
    if (declared !== undefined) {
      if (Number(declared) > maxBytes) throw error();
    } else if (c.req.raw.body) {
      let seen = 0;
      const limited = c.req.raw.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, ctl) {
            seen += chunk.byteLength;
            if (seen > maxBytes) ctl.error(error());
            else ctl.enqueue(chunk);
          },
        }),
      );
      c.req.raw = new Request(c.req.raw, { body: limited, duplex: "half" } as RequestInit);
    }
    await next();
  });

/** Several files of MAX_UPLOAD_MB each may come in one request; each file is also checked on its own. */
export const requestLimitBytes = (maxUploadBytes: number) => maxUploadBytes * 4 + 1024 * 1024;
