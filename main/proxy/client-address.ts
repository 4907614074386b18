/**
 * The client's address as the authentication throttle counts it. By default the address of the TCP peer. Behind a
 * reverse proxy every client would share the proxy's address, so `TRUSTED_PROXIES` lists the proxies (addresses or
 * CIDR blocks, comma-separated: `127.0.0.1, ::1, 10.0.0.0/8`) whose `X-Forwarded-For` is believed: when the peer is
 * one of them, the client is the right-most address in `X-Forwarded-For` that is not a trusted proxy itself.
 * A header sent by anyone else is ignored, so a client cannot pick its own address.
 */
import { BlockList, isIP } from 'node:net';

/** The trusted proxies of a `TRUSTED_PROXIES` value, and the entries that are not addresses or CIDR blocks. */
export function parseTrustedProxies(spec: string): { list: BlockList | null; invalid: string[] } {
  const list = new BlockList();
  const invalid: string[] = [];
  let count = 0;
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const [address = '', bits, ...extra] = entry.split('/');
    const plain = unmapped(address.replace(/^\[|\]$/g, ''));
    const family = isIP(plain);
    const prefix = bits === undefined ? undefined : Number(bits);
    const max = family === 4 ? 32 : 128;
    if (!family || extra.length > 0 || (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max))) {
      invalid.push(entry);
      continue;
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(plain, type);
    else list.addSubnet(plain, prefix, type);
    count++;
  }
  return { list: count > 0 ? list : null, invalid };
}

/** Whether `address` is in `list`. */
function trusted(list: BlockList, address: string): boolean {
  const plain = unmapped(address);
  const family = isIP(plain);
  return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The client's address: `peer` (the socket's remote address) unless it is a trusted proxy, then the right-most
 * address of `forwardedFor` that is not one (or the left-most, when all are trusted; `peer` when the header is
 * missing or its next hop is not an address).
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, list: BlockList | null): string {
  if (!list || !forwardedFor || !trusted(list, peer)) return peer;
  let client = peer;
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = unmapped((hops[i] ?? '').trim().replace(/^\[|\]$/g, ''));
    if (!isIP(hop)) break;
    client = hop;
    if (!trusted(list, hop)) break;
  }
  return client;
}

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.5`) as its IPv4 form; anything else as it is. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? (m[1] as string) : address;
}
