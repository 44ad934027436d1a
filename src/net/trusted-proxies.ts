import ipaddr from "ipaddr.js";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** The reverse proxies allowed to name the client in `X-Forwarded-For` (TRUSTED_PROXIES). */
export type TrustedProxies = { readonly ranges: readonly Range[]; readonly text: string };

/** IPv4-mapped IPv6 (`::ffff:127.0.0.1`, what a dual-stack listener reports) as the IPv4 address it is. */
function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = text.trim().replace(/^\[(.*)\]$/, "$1");
  if (!ipaddr.isValid(bare)) return null;
  return ipaddr.process(bare);
}

/**
 * `TRUSTED_PROXIES`: addresses or CIDR ranges separated by commas or spaces (`127.0.0.1, ::1`,
 * `10.0.0.0/8`), or `loopback` for both loopback ranges. Empty: no proxy is trusted.
 */
export function parseTrustedProxies(value: string): TrustedProxies {
  const ranges: Range[] = [];
  for (const entry of value.split(/[\s,]+/).filter(Boolean)) {
    if (entry === "loopback") {
      ranges.push(ipaddr.parseCIDR("127.0.0.0/8"), ipaddr.parseCIDR("::1/128"));
      continue;
    }
    if (entry.includes("/")) {
      try {
        const [address, bits] = ipaddr.parseCIDR(entry);
        ranges.push(
          address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()
            ? [(address as ipaddr.IPv6).toIPv4Address(), Math.max(0, bits - 96)]
            : [address, bits],
        );
        continue;
      } catch {
        throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
      }
    }
    const address = parseAddress(entry);
    if (!address) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
    ranges.push([address, address.kind() === "ipv4" ? 32 : 128]);
  }
  return { ranges, text: value.trim() };
}

function isTrusted(proxies: TrustedProxies, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return proxies.ranges.some(
    ([range, bits]) => range.kind() === address.kind() && address.match(range, bits),
  );
}

/**
 * The client's address: the TCP peer, unless the peer is a trusted proxy — then the right-most address of
 * `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends the address it was reached from,
 * so entries left of the first untrusted one could be written by the client and are not believed). A
 * malformed header, or one naming only trusted proxies, leaves the peer's address.
 */
export function resolveClientAddress(
  proxies: TrustedProxies,
  peer: string,
  forwardedFor: string | undefined | null,
): string {
  if (proxies.ranges.length === 0 || !forwardedFor) return peer;
  const peerAddress = parseAddress(peer);
  if (!peerAddress || !isTrusted(proxies, peerAddress)) return peer;
  const hops = forwardedFor.split(",");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parseAddress(hops[i]!);
    if (!hop) return peer;
    if (!isTrusted(proxies, hop)) return hop.toString();
  }
  return peer;
}
