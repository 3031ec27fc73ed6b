import { BlockList, isIP } from 'node:net';

/** A set of networks (CIDR or single addresses, IPv4 and IPv6). */
export class Networks {
  private readonly list = new BlockList();

  constructor(cidrs: readonly string[], what: string) {
    for (const cidr of cidrs) {
      const [addr, bits] = cidr.trim().split('/');
      const family = isIP(addr ?? '');
      if (!family) throw new Error(`${what}: '${cidr}' is not an IP address or network`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(addr!, type);
      else {
        const prefix = Number(bits);
        if (!/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) throw new Error(`${what}: '${cidr}' has a bad prefix length`);
        this.list.addSubnet(addr!, prefix, type);
      }
    }
  }

  has(address: string): boolean {
    const plain = unmapped(address);
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** '::ffff:10.1.2.3' (an IPv4 client on a dual-stack socket) as '10.1.2.3'. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

/**
 * The client's address: the socket's peer, unless that peer is a trusted proxy; then X-Forwarded-For is read
 * from the right, skipping trusted proxies, and the first other address is the client. Entries a client wrote
 * itself (left of the last untrusted hop) are never believed. Null when no address can be told (an entry that
 * is not an address where one was needed).
 */
export function clientAddress(remoteAddr: string | undefined, forwardedFor: string | undefined, trusted: Networks | null): string | null {
  if (!remoteAddr) return null;
  let client = unmapped(remoteAddr);
  if (!trusted || !trusted.has(client) || !forwardedFor) return client;
  // an empty entry is as unknown as garbage: a proxy always writes the address it saw
  const hops = forwardedFor.split(',').map((h) => h.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = unmapped(hops[i]!);
    if (!isIP(hop)) return null;
    client = hop;
    if (!trusted.has(hop)) return hop;
  }
  return client;
}
