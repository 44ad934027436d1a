import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import type { AppEnv } from "./context";

/**
 * Caps request bodies with the JSON error body. Bun's own `maxRequestBodySize` answers an empty 413,
 * so the server sets that far higher and this check runs first: on Content-Length when declared, else
 * while the chunked body streams in.
 */
export const bodyLimit = (maxBytes: number) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const tooLarge = () =>
      new AppError(
        "ERR_PAYLOAD_TOO_LARGE",
        `The request body is larger than ${Math.floor(maxBytes / 1024 / 1024)} MB`,
      );
    const declared = c.req.header("content-length");
    if (declared !== undefined) {
      if (Number(declared) > maxBytes) throw tooLarge();
    } else if (c.req.raw.body) {
      let seen = 0;
      const limited = c.req.raw.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, ctl) {
            seen += chunk.byteLength;
            if (seen > maxBytes) ctl.error(tooLarge());
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
