// What kind of network an IP address belongs to, so that URLs received from the network (download
// links) cannot make this process reach the machine itself, its LAN or a cloud metadata service.
import { BlockList, isIP } from 'node:net';

export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unspecified'
  | 'multicast'
  /** documentation, benchmarking, "future use" and deprecated ranges: nothing legitimate lives there */
  | 'reserved';

// IANA special-purpose registries (RFC 6890 and its updates), the ranges that matter for outbound calls.
const RANGES: readonly [Exclude<AddressKind, 'public'>, string, number, 'ipv4' | 'ipv6'][] = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'], // cloud metadata services live here
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'],
  ['reserved', '192.0.2.0', 24, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['reserved', '198.18.0.0', 15, 'ipv4'],
  ['reserved', '198.51.100.0', 24, 'ipv4'],
  ['reserved', '203.0.113.0', 24, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'], // includes 255.255.255.255
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['reserved', '::', 96, 'ipv6'], // IPv4-compatible (deprecated)
  ['reserved', '100::', 64, 'ipv6'], // discard
  ['reserved', '2001:db8::', 32, 'ipv6'],
  ['private', 'fc00::', 7, 'ipv6'], // unique local
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['private', 'fec0::', 10, 'ipv6'], // site-local (deprecated)
  ['multicast', 'ff00::', 8, 'ipv6'],
];

const LISTS = new Map<AddressKind, BlockList>();
for (const [kind, network, prefix, family] of RANGES) {
  const list = LISTS.get(kind) ?? new BlockList();
  list.addSubnet(network, prefix, family);
  LISTS.set(kind, list);
}
// Most specific first: `::1` and `::` are also inside the IPv4-compatible `::/96`.
const ORDER: readonly AddressKind[] = [
  'unspecified',
  'loopback',
  'link-local',
  'private',
  'multicast',
  'reserved',
];

/** `[::ffff:7f00:1]` → `127.0.0.1`: IPv6 forms that carry an IPv4 address the packet really goes to. */
function embeddedIpv4(ipv6: string): string | undefined {
  let canonical: string;
  try {
    canonical = new URL(`http://[${ipv6}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  // IPv4-mapped (::ffff:0:0/96) and the NAT64 well-known prefix (64:ff9b::/96).
  const m = /^(?:::ffff|64:ff9b:):([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!m) return undefined;
  const hi = Number.parseInt(m[1]!, 16);
  const lo = Number.parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * The kind of an IP address (IPv4, or IPv6 with or without brackets), or undefined when `address` is
 * not an IP address (a host name). IPv4 addresses inside IPv6 forms are judged as IPv4.
 * @example classifyAddress('169.254.169.254') // 'link-local'
 */
export function classifyAddress(address: string): AddressKind | undefined {
  const ip = address.replace(/^\[|\]$/g, '');
  const family = isIP(ip);
  if (family === 0) return undefined;
  if (family === 6) {
    const v4 = embeddedIpv4(ip);
    if (v4) return classifyAddress(v4);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return ORDER.find((kind) => LISTS.get(kind)?.check(ip, type)) ?? 'public';
}

/** `localhost` (and names under it), or a loopback IP address. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || classifyAddress(h) === 'loopback';
}
