// The request forgery guard of webhooks (docs/notifications.md "Targets"): a webhook may only
// reach public addresses, unless its host is listed in ROBOLEDGER_WEBHOOK_ALLOW_HOSTS. The
// host is resolved and every address checked at registration, and again at each delivery by
// the connection's own lookup (guardedLookup), so the address checked is the address connected
// to: a name that resolved to a public address at registration and to 127.0.0.1 later (DNS
// rebinding) is refused at delivery.
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { PlatformError } from '../../../core/errors.js';

/** Address ranges no webhook may reach, by the reason named in the refusal. */
const REFUSED_RANGES: readonly [reason: string, network: string, prefix: number, family: 'ipv4' | 'ipv6'][] =
  [
    ['unspecified', '0.0.0.0', 8, 'ipv4'],
    ['private', '10.0.0.0', 8, 'ipv4'],
    ['shared (carrier-grade NAT)', '100.64.0.0', 10, 'ipv4'],
    ['loopback', '127.0.0.0', 8, 'ipv4'],
    ['link-local', '169.254.0.0', 16, 'ipv4'],
    ['private', '172.16.0.0', 12, 'ipv4'],
    ['special-purpose', '192.0.0.0', 24, 'ipv4'],
    ['private', '192.168.0.0', 16, 'ipv4'],
    ['benchmarking', '198.18.0.0', 15, 'ipv4'],
    ['multicast', '224.0.0.0', 4, 'ipv4'],
    ['reserved', '240.0.0.0', 4, 'ipv4'],
    ['unspecified', '::', 128, 'ipv6'],
    ['loopback', '::1', 128, 'ipv6'],
    // An IPv4 address written as IPv6 (::ffff:127.0.0.1) meets the IPv4 ranges above:
    // BlockList checks IPv4-mapped addresses against them.
    ['NAT64', '64:ff9b::', 96, 'ipv6'],
    ['discard-only', '100::', 64, 'ipv6'],
    ['unique-local', 'fc00::', 7, 'ipv6'],
    ['link-local', 'fe80::', 10, 'ipv6'],
    ['site-local', 'fec0::', 10, 'ipv6'],
    ['multicast', 'ff00::', 8, 'ipv6'],
  ];

const BLOCKS = REFUSED_RANGES.map(([reason, network, prefix, family]) => {
  const block = new BlockList();
  block.addSubnet(network, prefix, family);
  return { reason, block };
});

/** Why `address` may not be a webhook's target (e.g. "loopback"), or undefined if it is public. */
export function refusedAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return BLOCKS.find(({ block }) => block.check(address, type))?.reason;
}

/** The URL's host as the allow list spells it: lower case, an IPv6 address without brackets. */
export function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

function refused(reason: string): PlatformError {
  return new PlatformError('WEBHOOK_TARGET_REFUSED', `webhook target refused: ${reason}`, {
    field: 'url',
    reason,
  });
}

/** The URL of a webhook: absolute http(s), no user or password in it. */
export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refused('not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refused('only http and https URLs');
  if (url.username !== '' || url.password !== '') throw refused('credentials in the URL');
  return url;
}

export type Resolver = (host: string) => Promise<readonly LookupAddress[]>;

/** Every address of `host` (the system resolver, as connections use). */
export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) =>
    lookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/**
 * Refuses (WEBHOOK_TARGET_REFUSED) a URL whose host is not allowed and is, or resolves to, any
 * non-public address; a host that does not resolve is refused too.
 */
export async function checkWebhookTarget(
  url: URL,
  allowHosts: readonly string[],
  resolver: Resolver = systemResolver,
): Promise<void> {
  const host = hostOf(url);
  if (allowHosts.includes(host)) return;
  let addresses: readonly { address: string }[];
  if (isIP(host) !== 0) addresses = [{ address: host }];
  else {
    try {
      addresses = await resolver(host);
    } catch {
      throw refused(`the host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw refused(`the host ${host} does not resolve`);
  for (const { address } of addresses) {
    const reason = refusedAddress(address);
    if (reason)
      throw refused(
        `${host} is a ${reason} address (${address}); allow it with ROBOLEDGER_WEBHOOK_ALLOW_HOSTS`,
      );
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request that resolves the host and refuses the connection when any
 * address is not public (the host not being allowed): the check at delivery time.
 */
export function guardedLookup(resolver: Resolver = systemResolver) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    resolver(hostname).then(
      (addresses) => {
        const bad = addresses.find((a) => refusedAddress(a.address) !== undefined);
        if (addresses.length === 0 || bad) {
          const reason = bad ? `${refusedAddress(bad.address)} address ${bad.address}` : 'no address';
          const error: NodeJS.ErrnoException = new Error(
            `webhook target refused: ${hostname} is a ${reason}`,
          );
          error.code = 'WEBHOOK_TARGET_REFUSED';
          callback(error, '');
          return;
        }
        if (options.all) callback(null, [...addresses]);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
