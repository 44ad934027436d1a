import { parse as parseContentDisposition } from "content-disposition";
import { AppError } from "../errors.ts";
import {
  AddressRefusedError,
  checkedAddresses,
  fetchPinned,
  type IPAddress,
  type Resolver,
  untilAborted,
} from "../net/address-policy.ts";
import { sanitizeFilename } from "./filename.ts";

export type { Resolver };

export type FetchedMedia = { bytes: Uint8Array; mimeType: string | null; filename: string | null };

export type MediaFetcherOptions = {
  /** Skip every address and host name check (MEDIA_FETCH_ALLOW_PRIVATE); for trusted networks and tests. */
  allowPrivate: boolean;
  /** Budget for the whole fetch: resolving, connecting and reading the body. */
  timeoutMs: number;
  /** Largest body accepted, counted after decompression. */
  maxBytes: number;
  resolve?: Resolver;
  fetchImpl?: typeof fetch;
};

export type MediaFetcher = { fetch(url: string): Promise<FetchedMedia> };

function invalidUrl(message: string): AppError {
  return new AppError("ERR_INVALID_MEDIA_URL", message);
}

function fetchFailed(message: string): AppError {
  return new AppError("ERR_MEDIA_FETCH_FAILED", message);
}

/** Header values arrive as latin1; servers often send raw UTF-8 file names in them anyway. */
function latin1ToUtf8(value: string): string {
  if (/[\u0100-\uffff]/.test(value)) return value;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(value, (c) => c.charCodeAt(0)));
  } catch {
    return value;
  }
}

/**
 * RFC 6266 through the `content-disposition` library (`filename*`, RFC 8187 encoded, wins over `filename`);
 * a header it cannot parse still gives its `filename=` value, as browsers do.
 */
export function filenameFromContentDisposition(header: string | null): string | null {
  if (!header) return null;
  let name: string | undefined;
  try {
    name = parseContentDisposition(header).parameters.filename;
  } catch {
    // Malformed: fall back to the plain parameter below.
  }
  name ??= /(?:^|;)\s*filename\s*=\s*"?([^";]+)/i.exec(header)?.[1];
  return name ? sanitizeFilename(latin1ToUtf8(name)) : null;
}

function filenameFromPath(url: URL): string | null {
  const segment = url.pathname.split("/").pop() ?? "";
  try {
    return sanitizeFilename(decodeURIComponent(segment));
  } catch {
    return sanitizeFilename(segment);
  }
}

function describeError(err: unknown): string {
  if (err && typeof err === "object") {
    const { code, message } = err as { code?: unknown; message?: unknown };
    // Bun's messages embed the dialled IP URL; the code alone says what happened.
    if (typeof code === "string" && code !== "") return code;
    if (typeof message === "string" && message !== "") return message;
  }
  return String(err);
}

export function createMediaFetcher(opts: MediaFetcherOptions): MediaFetcher {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const { allowPrivate, timeoutMs, maxBytes } = opts;
  const tooLarge = () => fetchFailed(`media is larger than ${maxBytes} bytes`);

  function parseUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalidUrl("mediaUrl is not a valid URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw invalidUrl(`mediaUrl scheme "${url.protocol}" is not allowed; only http and https are`);
    }
    if (url.username !== "" || url.password !== "") throw invalidUrl("mediaUrl must not contain credentials");
    if (url.hostname === "") throw invalidUrl("mediaUrl has no host");
    return url;
  }

  /** Every address the host stands for, refused if any of them is not public. */
  async function addressesOf(url: URL, signal: AbortSignal): Promise<IPAddress[]> {
    try {
      return await checkedAddresses(
        url,
        { allowPrivate, resolve: opts.resolve },
        { label: "mediaUrl", signal },
      );
    } catch (err) {
      if (err instanceof AddressRefusedError) throw invalidUrl(err.message);
      throw err;
    }
  }

  async function connect(url: URL, addresses: IPAddress[], signal: AbortSignal): Promise<Response> {
    try {
      return await fetchPinned(
        url,
        addresses,
        {
          method: "GET",
          headers: { accept: "*/*", "user-agent": "Chasqui media fetcher" },
          signal,
          keepalive: false,
        },
        fetchImpl,
      );
    } catch (err) {
      if (signal.aborted) throw err;
      throw fetchFailed(`could not fetch media from ${url.hostname}: ${describeError(err)}`);
    }
  }

  async function readBody(
    response: Response,
    abort: AbortController,
    signal: AbortSignal,
  ): Promise<Uint8Array> {
    const encoding = response.headers.get("content-encoding")?.trim().toLowerCase();
    const declaredLength = Number(response.headers.get("content-length"));
    // Content-Length counts compressed bytes; with an encoding only the streamed count is meaningful.
    if ((!encoding || encoding === "identity") && declaredLength > maxBytes) throw tooLarge();
    const reader = response.body?.getReader();
    if (!reader) return new Uint8Array(0);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await untilAborted(reader.read(), signal);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        abort.abort();
        reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return bytes;
  }

  async function fetchMedia(rawUrl: string): Promise<FetchedMedia> {
    const url = parseUrl(rawUrl);
    const deadline = AbortSignal.timeout(timeoutMs);
    const abort = new AbortController();
    const signal = AbortSignal.any([deadline, abort.signal]);
    try {
      const addresses = await addressesOf(url, deadline);
      const response = await connect(url, addresses, signal);
      if (response.status >= 300 && response.status < 400) {
        response.body?.cancel().catch(() => {});
        throw fetchFailed(`redirects are not followed (remote server answered ${response.status})`);
      }
      if (!response.ok) {
        response.body?.cancel().catch(() => {});
        throw fetchFailed(`remote server answered ${response.status}`);
      }
      const bytes = await readBody(response, abort, signal);
      if (bytes.byteLength === 0) throw fetchFailed("remote server sent an empty body");
      const contentType = response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
      return {
        bytes,
        mimeType: contentType || null,
        filename:
          filenameFromContentDisposition(response.headers.get("content-disposition")) ??
          filenameFromPath(url),
      };
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (deadline.aborted) throw fetchFailed(`timed out after ${timeoutMs} ms`);
      throw fetchFailed(`could not fetch media from ${url.hostname}: ${describeError(err)}`);
    } finally {
      abort.abort();
    }
  }

  return { fetch: fetchMedia };
}
