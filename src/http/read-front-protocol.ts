import { timingSafeEqual } from "node:crypto";

/** The caller's address, set by a read-front thread on every request it forwards to the main thread. */
export const ADDRESS_HEADER = "x-chasqui-client-address";
/** This process's random secret, set beside ADDRESS_HEADER: without it the address header is ignored. */
export const SECRET_HEADER = "x-chasqui-front-secret";

type AddressSource = { requestIP(req: Request): { address: string; family: string; port: number } | null };

/**
 * What the main thread's private listener hands the app as its env (`clientAddress` reads `requestIP`): the
 * address a read-front thread forwarded, when the request carries this process's secret; otherwise the
 * connection's own address (a local process that sets the header without the secret is seen as itself).
 */
export function forwardedEnv<S extends AddressSource>(
  req: Request,
  server: S,
  secret: Buffer,
): S | AddressSource {
  const claimed = req.headers.get(ADDRESS_HEADER);
  const given = req.headers.get(SECRET_HEADER);
  // Read once, then gone: no route, log or stored request ever sees the secret.
  req.headers.delete(ADDRESS_HEADER);
  req.headers.delete(SECRET_HEADER);
  if (claimed === null || given === null) return server;
  const key = Buffer.from(given);
  if (key.length !== secret.length || !timingSafeEqual(key, secret)) return server;
  const address = { address: claimed, family: claimed.includes(":") ? "IPv6" : "IPv4", port: 0 };
  return { requestIP: (r: Request) => (r === req ? address : server.requestIP(r)) };
}
