import { BlockList, isIP } from 'node:net';

/**
 * The reverse proxies whose `X-Forwarded-For` is believed: exact addresses or CIDR blocks,
 * IPv4 or IPv6, e.g. `172.18.0.0/16, 10.0.0.7`.
 */
export class TrustedProxies {
  /** Why `entry` is not an address or a CIDR block, or undefined when it is. */
  static problem(entry: string): string | undefined {
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const maxPrefix = family === 6 ? 128 : 32;
    if (family === 0 || rest.length > 0 || (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= maxPrefix))) {
      return `'${entry}' is not an IP address or a CIDR block (like 172.18.0.0/16)`;
    }
    return undefined;
  }

  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const problem = TrustedProxies.problem(entry);
      if (problem) throw new Error(problem);
      const [address, prefix] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.list.addAddress(address, family);
      else this.list.addSubnet(address, Number(prefix), family);
    }
    this.empty = entries.length === 0;
  }

  has(address: string): boolean {
    const plain = unmapped(address);
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/**
 * The address of the client behind a request. `peer` is the address the connection comes
 * from. When it is a trusted proxy, the `X-Forwarded-For` chain is read from the right (each
 * proxy appends the address it saw) and the first address that is not a trusted proxy is the
 * client; the entries to its left were written by the client and prove nothing. From anyone
 * else, `X-Forwarded-For` is ignored: a client cannot choose its own address.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): string {
  const direct = unmapped(peer ?? '') || 'unknown';
  if (!trusted.has(direct) || forwardedFor === undefined) return direct;
  const chain = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((hop) => unmapped(hop.trim()));
  let client = direct;
  for (let i = chain.length - 1; i >= 0; i--) {
    if (isIP(chain[i]) === 0) break; // garbage from the client's side of the chain
    client = chain[i];
    if (!trusted.has(client)) break;
  }
  return client;
}

/** `::ffff:10.0.0.1` (an IPv4 client of a dual-stack socket) is 10.0.0.1. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
