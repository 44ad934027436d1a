import { AppError } from "../errors";
import {
  AddressRefusedError,
  checkedAddresses,
  createAllowList,
  type IPAddress,
  type Resolver,
} from "../net/address-policy";

export type ReceiverPolicyOptions = {
  /** WEBHOOK_ALLOW_PRIVATE: receivers may be anywhere, the same host and the LAN included. */
  allowPrivate: boolean;
  /** WEBHOOK_ALLOWED_HOSTS, canonical entries: host names, IPs and CIDR ranges admitted though internal. */
  allowedHosts: readonly string[];
  /** Bound on the lookup done when a webhook is configured, ms. */
  lookupTimeoutMs: number;
  resolve?: Resolver;
};

const HINT =
  "to allow an internal receiver, list it in WEBHOOK_ALLOWED_HOSTS (host names, IPs, CIDR ranges) or set WEBHOOK_ALLOW_PRIVATE=true";

/**
 * The same address policy as `mediaUrl` downloads, applied to webhook receivers: without an explicit
 * allowance the server never POSTs to loopback, private, link-local (cloud metadata), CGNAT, unique-local,
 * multicast or reserved addresses, nor to internal names, so a webhook cannot be pointed at the server
 * itself or its network.
 */
export function createReceiverPolicy(opts: ReceiverPolicyOptions) {
  const policy = {
    allowPrivate: opts.allowPrivate,
    allowed: createAllowList(opts.allowedHosts),
    resolve: opts.resolve,
  };
  const check = (url: URL, signal: AbortSignal) =>
    checkedAddresses(url, policy, { label: "webhook url", signal });

  return {
    /**
     * When a webhook is created or its URL changed: 400 ERR_INVALID_WEBHOOK_URL if the host is, or resolves
     * to, an address the policy refuses. A name that does not resolve (yet) is accepted: DNS can change
     * either way, so every delivery checks again and this is only the early, clear answer.
     */
    async checkUrl(rawUrl: string): Promise<void> {
      const signal = AbortSignal.timeout(opts.lookupTimeoutMs);
      try {
        await check(new URL(rawUrl), signal);
      } catch (err) {
        if (err instanceof AddressRefusedError && err.reason === "blocked") {
          throw new AppError("ERR_INVALID_WEBHOOK_URL", `${err.message}; ${HINT}`);
        }
        if (err instanceof AddressRefusedError || signal.aborted) return;
        throw err;
      }
    },

    /**
     * Before each delivery: the checked addresses to dial, or AddressRefusedError (with the hint in the
     * message when the policy, not DNS, refused).
     */
    async addressesFor(url: URL, signal: AbortSignal): Promise<IPAddress[]> {
      try {
        return await check(url, signal);
      } catch (err) {
        if (err instanceof AddressRefusedError && err.reason === "blocked") {
          throw new AddressRefusedError("blocked", `refused: ${err.message}; ${HINT}`);
        }
        throw err;
      }
    },
  };
}

export type ReceiverPolicy = ReturnType<typeof createReceiverPolicy>;
