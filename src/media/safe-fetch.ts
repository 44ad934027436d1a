import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";
import { AppError } from "../errors.ts";
import { sanitizeFilename } from "./filename.ts";

export type Resolver = (hostname: string) => Promise<string[]>;

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

type IPAddress = ipaddr.IPv4 | ipaddr.IPv6;

const defaultResolve: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true })).map((entry) => entry.address);

// Cloud metadata and intranet-only names; they may resolve to public-looking addresses on some clouds.
const INTERNAL_NAME_SUFFIXES = [".localhost", ".internal", ".local", ".home.arpa", ".intranet", ".lan"];

function isInternalName(hostname: string): boolean {
  // Single-label names ("metadata", "instance-data") are completed by the resolver's search domains.
  if (!hostname.includes(".")) return true;
  return INTERNAL_NAME_SUFFIXES.some((suffix) => hostname.endsWith(suffix) || hostname === suffix.slice(1));
}

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR("2000::/3");
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR("64:ff9b::/96");

function embeddedIPv4(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** Why an address must not be fetched from, or null when it is publicly routable. */
function nonPublicRange(address: IPAddress): string | null {
  if (address.kind() === "ipv4") {
    const range = address.range();
    return range === "unicast" ? null : range;
  }
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  const parts = v6.parts;
  // Transition formats carry an IPv4 address that some network along the way will reach.
  if (range === "ipv4Mapped" || range === "rfc6145" || v6.match(NAT64_WELL_KNOWN)) {
    const inner = nonPublicRange(embeddedIPv4(parts[6]!, parts[7]!));
    return inner && `${range} ${inner}`;
  }
  if (range === "6to4") {
    const inner = nonPublicRange(embeddedIPv4(parts[1]!, parts[2]!));
    return inner && `6to4 ${inner}`;
  }
  // ipaddr.js calls everything it has no name for "unicast", the deprecated ::a.b.c.d form included.
  if (range === "unicast") return v6.match(GLOBAL_UNICAST_V6) ? null : "reserved";
  return range;
}

/** The address to dial: an IPv4-mapped address is dialled as plain IPv4. */
function dialable(address: IPAddress): IPAddress {
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (address as ipaddr.IPv6).toIPv4Address();
  }
  return address;
}

function invalidUrl(message: string): AppError {
  return new AppError("ERR_INVALID_MEDIA_URL", message);
}

function fetchFailed(message: string): AppError {
  return new AppError("ERR_MEDIA_FETCH_FAILED", message);
}

function parseAddress(text: string): IPAddress | null {
  try {
    return ipaddr.parse(text);
  } catch {
    return null;
  }
}

/** Rejects as soon as the signal aborts, for awaits that would not notice it by themselves. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
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

function decodeExtValue(charset: string, encoded: string): string | null {
  try {
    if (charset.toLowerCase() === "iso-8859-1") {
      return encoded.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16)),
      );
    }
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

/** RFC 6266: `filename*` (RFC 8187 encoded) wins over `filename`. */
export function filenameFromContentDisposition(header: string | null): string | null {
  if (!header) return null;
  const extended = /(?:^|;)\s*filename\*\s*=\s*"?([^']*)'[^']*'([^;"\s]+)/i.exec(header);
  if (extended) {
    const decoded = decodeExtValue(extended[1] ?? "", extended[2] ?? "");
    const name = sanitizeFilename(decoded);
    if (name) return name;
  }
  const quoted = /(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  if (quoted) return sanitizeFilename(latin1ToUtf8((quoted[1] ?? "").replace(/\\(.)/g, "$1")));
  const token = /(?:^|;)\s*filename\s*=\s*([^;\s]+)/i.exec(header);
  return token ? sanitizeFilename(latin1ToUtf8(token[1] ?? "")) : null;
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
  const resolveHost = opts.resolve ?? defaultResolve;
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
  async function checkedAddresses(url: URL, signal: AbortSignal): Promise<IPAddress[]> {
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    // The WHATWG parser already turned decimal, hex and octal IPv4 forms into dotted quads.
    const literal = ipaddr.isValid(host) ? parseAddress(host) : null;
    if (literal) {
      const blocked = nonPublicRange(literal);
      if (blocked && !allowPrivate)
        throw invalidUrl(`mediaUrl host ${host} is a non-public address (${blocked})`);
      return [literal];
    }
    const name = host.replace(/\.$/, "");
    if (!allowPrivate && isInternalName(name)) throw invalidUrl(`mediaUrl host ${name} is an internal name`);
    let resolved: string[];
    try {
      resolved = await untilAborted(resolveHost(name), signal);
    } catch (err) {
      if (signal.aborted) throw err;
      // A failed lookup is a refusal: skipping the check on error is how GitLab's guard was bypassed.
      throw invalidUrl(`could not resolve host ${name}`);
    }
    const addresses = resolved.map(parseAddress);
    if (addresses.length === 0 || addresses.some((a) => a === null)) {
      throw invalidUrl(`could not resolve host ${name}`);
    }
    const valid = addresses as IPAddress[];
    if (!allowPrivate) {
      for (const address of valid) {
        const blocked = nonPublicRange(address);
        if (blocked) throw invalidUrl(`mediaUrl host ${name} resolves to a non-public address (${blocked})`);
      }
    }
    return valid;
  }

  async function request(url: URL, address: IPAddress, signal: AbortSignal): Promise<Response> {
    const target = new URL(url.href);
    const ip = dialable(address);
    target.hostname = ip.kind() === "ipv6" ? `[${ip.toString()}]` : ip.toString();
    target.hash = "";
    const hostname = url.hostname.replace(/\.$/, "");
    const isLiteral = ipaddr.isValid(hostname.replace(/^\[(.*)\]$/, "$1"));
    return fetchImpl(target.href, {
      method: "GET",
      headers: { host: url.host, accept: "*/*", "user-agent": "Chasqui media fetcher" },
      redirect: "manual",
      signal,
      // A pooled connection to this IP may have been opened with another server name.
      keepalive: false,
      // SNI and certificate checks use the name the user gave, not the IP we dial.
      ...(url.protocol === "https:" && !isLiteral ? { tls: { servername: hostname } } : {}),
    });
  }

  async function connect(url: URL, addresses: IPAddress[], signal: AbortSignal): Promise<Response> {
    let lastError: unknown;
    // Try the next checked address only when connecting failed, as a dual-stack client would.
    for (const address of addresses) {
      try {
        return await request(url, address, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        lastError = err;
      }
    }
    throw fetchFailed(`could not fetch media from ${url.hostname}: ${describeError(lastError)}`);
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
      const addresses = await checkedAddresses(url, deadline);
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
