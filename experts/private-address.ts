// Endpoints an admin registers are called by the gateway with its own network position and an
// expert's secret: a URL on a loopback, private, link-local or cloud-metadata address reaches what
// only the gateway should (169.254.169.254 answers instance credentials). Hosts are judged as
// written after WHATWG URL parsing, which already turns 2130706433 or 0x7f.1 into 127.0.0.1; a
// name is judged by the addresses it resolves to (./resolved-reach.ts).

/** IPv4 ranges that are not the public internet, [first octets as a number, prefix length, what]. */
const V4_RANGES: readonly [string, number, string][] = [
  ['0.0.0.0', 8, 'this-network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 3, 'multicast or reserved'],
];

/** Host names that only mean something inside a machine or a cloud network. */
const LOCAL_NAMES = /(^|\.)(localhost|internal|local)$/i;

/** Why the URL's host is not a public address (e.g. "loopback"), or null when it is public. */
export function privateAddressKind(url: string): string | null {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return null; // not a URL: schema validation says so
  }
  if (host.startsWith('[')) return v6Kind(host.slice(1, -1));
  const v4 = v4Number(host);
  if (v4 !== null) return v4Kind(v4);
  return LOCAL_NAMES.test(host.replace(/\.$/, '')) ? 'local name' : null;
}

/** Why an address as a resolver writes it (`10.0.0.1`, `fd00::1`) is not public, or null when it is. */
export function addressKind(address: string): string | null {
  const v4 = v4Number(address);
  if (v4 !== null) return v4Kind(v4);
  try {
    return v6Kind(new URL(`http://[${address}]/`).hostname.slice(1, -1));
  } catch {
    return 'unparsable address';
  }
}

/** Whether the URL's host is an address written out (judged as it stands) rather than a name to resolve. */
export function hostIsAddress(host: string): boolean {
  return host.startsWith('[') || v4Number(host) !== null;
}

function v4Number(host: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  return m.slice(1).reduce((n, octet) => n * 256 + Number(octet), 0);
}

function v4Kind(address: number): string | null {
  for (const [base, bits, kind] of V4_RANGES) {
    const size = 2 ** (32 - bits);
    const start = v4Number(base)!;
    if (address >= start && address < start + size) return kind;
  }
  return null;
}

function v6Kind(host: string): string | null {
  const groups = v6Groups(host);
  if (!groups) return 'unparsable IPv6';
  const [g0, , , , , g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  if (groups.every((g) => g === 0)) return 'unspecified';
  if (groups.slice(0, 7).every((g) => g === 0) && g7 === 1) return 'loopback';
  if ((g0 & 0xfe00) === 0xfc00) return 'unique local (private)';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (IPv4-compatible) reach the IPv4 address.
  if (groups.slice(0, 5).every((g) => g === 0) && (g5 === 0xffff || g5 === 0)) return v4Kind(g6 * 65536 + g7);
  return null;
}

/** The 8 groups of an IPv6 address as WHATWG URL serialises it (hex groups, at most one `::`). */
function v6Groups(host: string): number[] | null {
  const [head, tail, ...rest] = host.split('::');
  if (rest.length) return null;
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const a = parse(head);
  const b = parse(tail);
  const fill = tail === undefined ? 0 : 8 - a.length - b.length;
  const groups = [...a, ...Array<number>(Math.max(fill, 0)).fill(0), ...b];
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}
