import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

/**
 * Which hosts the server may connect to on a user's behalf (`mediaUrl` downloads, webhook deliveries), and
 * how to connect to exactly the address that was checked. Resolving first and then letting `fetch` resolve
 * again would let a name answer a public address to the check and a private one to the connection (DNS
 * rebinding), so callers resolve here, check every address, and dial one of the checked IPs.
 */

export type IPAddress = ipaddr.IPv4 | ipaddr.IPv6;

export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolve: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true })).map((entry) => entry.address);

// Cloud metadata and intranet-only names; they may resolve to public-looking addresses on some clouds.
const INTERNAL_NAME_SUFFIXES = [".localhost", ".internal", ".local", ".home.arpa", ".intranet", ".lan"];

export function isInternalName(hostname: string): boolean {
  // Single-label names ("metadata", "instance-data") are completed by the resolver's search domains.
  if (!hostname.includes(".")) return true;
  return INTERNAL_NAME_SUFFIXES.some((suffix) => hostname.endsWith(suffix) || hostname === suffix.slice(1));
}

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR("2000::/3");
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR("64:ff9b::/96");

function embeddedIPv4(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** Why an address must not be connected to, or null when it is publicly routable. */
export function nonPublicRange(address: IPAddress): string | null {
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
export function dialable(address: IPAddress): IPAddress {
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (address as ipaddr.IPv6).toIPv4Address();
  }
  return address;
}

export function parseAddress(text: string): IPAddress | null {
  try {
    return ipaddr.parse(text);
  } catch {
    return null;
  }
}

/** Exceptions an operator grants: exact host names, and IP addresses or CIDR ranges. */
export type AllowList = { names: ReadonlySet<string>; ranges: readonly [IPAddress, number][] };

export const EMPTY_ALLOW_LIST: AllowList = { names: new Set(), ranges: [] };

// A DNS name: labels of letters, digits, hyphens and underscores (docker service names use them).
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * One allow-list entry in its canonical form (lower case, no trailing dot, no brackets, CIDR normalised),
 * or an Error saying why it is not a host name, an IP address or a CIDR range.
 */
export function normalizeAllowEntry(raw: string): string | Error {
  const shown = raw.trim();
  const entry = shown.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  const notAHost = () =>
    new Error(`"${shown}" is not a host name, an IP address or a CIDR range (no scheme, no port)`);
  if (entry.includes("://")) return notAHost();
  const [address = "", bits] = entry.split("/", 2);
  // Only the dotted form of IPv4: "10" or "0x7f.1" in a setting is more likely a typo than an address.
  const isIp = ipaddr.IPv6.isValid(address) || ipaddr.IPv4.isValidFourPartDecimal(address);
  if (bits !== undefined) {
    if (!isIp || !/^\d{1,3}$/.test(bits)) return new Error(`"${shown}" is not a valid CIDR range`);
    try {
      const [base, prefix] = ipaddr.parseCIDR(entry);
      return `${base.toString()}/${prefix}`;
    } catch {
      return new Error(`"${shown}" is not a valid CIDR range`);
    }
  }
  if (isIp) return ipaddr.parse(address).toString();
  const name = entry.replace(/\.$/, "");
  return HOST_NAME.test(name) ? name : notAHost();
}

/** Builds an allow-list from canonical entries (see `normalizeAllowEntry`). */
export function createAllowList(entries: readonly string[]): AllowList {
  const names = new Set<string>();
  const ranges: [IPAddress, number][] = [];
  for (const entry of entries) {
    if (entry.includes("/")) ranges.push(ipaddr.parseCIDR(entry));
    else if (ipaddr.isValid(entry)) {
      const address = ipaddr.parse(entry);
      ranges.push([address, address.kind() === "ipv4" ? 32 : 128]);
    } else names.add(entry);
  }
  return { names, ranges };
}

function inRanges(address: IPAddress, ranges: AllowList["ranges"]): boolean {
  // `::ffff:10.0.0.1` is dialled as 10.0.0.1, so it is allowed by the ranges that allow 10.0.0.1.
  const candidates = [address, dialable(address)];
  return ranges.some(([base, bits]) =>
    candidates.some((a) => a.kind() === base.kind() && a.match(base, bits)),
  );
}

export type AddressPolicy = {
  /** Skip every check: for trusted networks (MEDIA_FETCH_ALLOW_PRIVATE, WEBHOOK_ALLOW_PRIVATE) and tests. */
  allowPrivate: boolean;
  /** Hosts admitted even though they are internal (WEBHOOK_ALLOWED_HOSTS). */
  allowed?: AllowList;
  resolve?: Resolver;
};

/**
 * Why a URL may not be connected to. `blocked`: the policy forbids its address or name; `unresolvable`:
 * the name has no usable address (never treated as a pass: skipping the check on a failed lookup is how
 * GitLab's guard was bypassed).
 */
export class AddressRefusedError extends Error {
  constructor(
    readonly reason: "blocked" | "unresolvable",
    message: string,
  ) {
    super(message);
    this.name = "AddressRefusedError";
  }
}

/** Rejects as soon as the signal aborts, for awaits that would not notice it by themselves. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Every address the URL's host stands for, checked against the policy: refused (AddressRefusedError) if
 * any of them is not allowed. `label` names the URL in messages ("mediaUrl host 10.0.0.1 is …").
 * Aborting the signal rejects with its reason.
 */
export async function checkedAddresses(
  url: URL,
  policy: AddressPolicy,
  opts: { label: string; signal: AbortSignal },
): Promise<IPAddress[]> {
  const { label, signal } = opts;
  const { allowPrivate } = policy;
  const allowed = policy.allowed ?? EMPTY_ALLOW_LIST;
  const blocked = (message: string) => new AddressRefusedError("blocked", message);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  // The WHATWG parser already turned decimal, hex and octal IPv4 forms into dotted quads.
  const literal = ipaddr.isValid(host) ? parseAddress(host) : null;
  if (literal) {
    const range = nonPublicRange(literal);
    if (range && !allowPrivate && !inRanges(literal, allowed.ranges))
      throw blocked(`${label} host ${host} is a non-public address (${range})`);
    return [literal];
  }
  const name = host.replace(/\.$/, "");
  const trusted = allowPrivate || allowed.names.has(name);
  const internal = !trusted && isInternalName(name);
  // An internal name can only pass if the addresses it resolves to are allowed one by one; without ranges
  // to allow them there is nothing to look up.
  if (internal && allowed.ranges.length === 0) throw blocked(`${label} host ${name} is an internal name`);
  let resolved: string[];
  try {
    resolved = await untilAborted((policy.resolve ?? systemResolve)(name), signal);
  } catch (err) {
    if (signal.aborted) throw err;
    throw new AddressRefusedError("unresolvable", `could not resolve host ${name}`);
  }
  const addresses = resolved.map(parseAddress);
  if (addresses.length === 0 || addresses.some((a) => a === null)) {
    throw new AddressRefusedError("unresolvable", `could not resolve host ${name}`);
  }
  const valid = addresses as IPAddress[];
  if (trusted) return valid;
  for (const address of valid) {
    if (inRanges(address, allowed.ranges)) continue;
    if (internal) throw blocked(`${label} host ${name} is an internal name`);
    const range = nonPublicRange(address);
    if (range) throw blocked(`${label} host ${name} resolves to a non-public address (${range})`);
  }
  return valid;
}

export type PinnedInit = {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** Reuse pooled connections (default true); never over https to a host name, see below. */
  keepalive?: boolean;
};

/**
 * Sends the request to one of the checked addresses instead of letting `fetch` resolve the name again. The
 * Host header, and over https the TLS server name and certificate check, keep the name from the URL.
 * Redirects are never followed. The next address is tried only when connecting failed, as a dual-stack
 * client would; the last connection error is thrown when none answers.
 */
export async function fetchPinned(
  url: URL,
  addresses: readonly IPAddress[],
  init: PinnedInit,
  fetchImpl: typeof fetch = fetch,
): Promise<Response> {
  const hostname = url.hostname.replace(/\.$/, "");
  const pinsName = url.protocol === "https:" && !ipaddr.isValid(hostname.replace(/^\[(.*)\]$/, "$1"));
  let lastError: unknown = new Error("no address to connect to");
  for (const address of addresses) {
    const target = new URL(url.href);
    const ip = dialable(address);
    target.hostname = ip.kind() === "ipv6" ? `[${ip.toString()}]` : ip.toString();
    target.hash = "";
    try {
      return await fetchImpl(target.href, {
        method: init.method,
        headers: { ...init.headers, host: url.host },
        body: init.body,
        redirect: "manual",
        signal: init.signal,
        // A pooled TLS connection to this IP may have been opened, and its certificate checked, for
        // another server name.
        keepalive: init.keepalive !== false && !pinsName,
        // SNI and certificate checks use the name the user gave, not the IP we dial.
        ...(pinsName ? { tls: { servername: hostname } } : {}),
      });
    } catch (err) {
      if (init.signal.aborted) throw err;
      lastError = err;
    }
  }
  throw lastError;
}
