import { z } from 'zod';
import { GatewayError } from '../router/errors';

// A Worker's fetch neither exposes nor lets one pin the address a name connects to, so the gateway
// asks a DNS-over-HTTPS resolver (the JSON flavour Cloudflare's and Google's resolvers serve) what
// a name resolves to before it trusts it.

export const DEFAULT_DOH_URL = 'https://cloudflare-dns.com/dns-query';

/** Every address a name has now, and how long the resolver says that holds. */
export interface Resolution {
  addresses: string[];
  ttlS: number;
}

export type ResolveHost = (host: string) => Promise<Resolution>;

/** The resolver could not say (unreachable, an error status, an answer that is not DNS JSON): the gateway's failure. */
export class ResolverError extends GatewayError {
  constructor(message: string) {
    super(message, 'resolver_unavailable', 503);
  }
}

const A = 1;
const AAAA = 28;
const NXDOMAIN = 3;
const LOOKUP_TIMEOUT_MS = 3_000;

const dnsJson = z.object({
  Status: z.number(),
  Answer: z.array(z.object({ type: z.number(), TTL: z.number(), data: z.string() })).optional(),
});

/** A resolver over DoH JSON at `url`: A and AAAA asked together, CNAME chains followed by the resolver. */
export function dohResolver(url: string, fetcher: typeof fetch): ResolveHost {
  async function ask(host: string, type: typeof A | typeof AAAA): Promise<Resolution> {
    const query = `${url}?name=${encodeURIComponent(host)}&type=${type === A ? 'A' : 'AAAA'}`;
    let body: unknown;
    try {
      const res = await fetcher(query, { headers: { accept: 'application/dns-json' }, signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
      if (!res.ok) throw new ResolverError(`the resolver at ${url} answered HTTP ${res.status}`);
      body = await res.json();
    } catch (e) {
      if (e instanceof ResolverError) throw e;
      throw new ResolverError(`the resolver at ${url} could not be asked about ${host} (${e instanceof Error ? e.message : String(e)})`);
    }
    const parsed = dnsJson.safeParse(body);
    if (!parsed.success) throw new ResolverError(`the resolver at ${url} answered something other than DNS JSON`);
    const { Status, Answer = [] } = parsed.data;
    if (Status !== 0 && Status !== NXDOMAIN) throw new ResolverError(`the resolver at ${url} failed to resolve ${host} (DNS status ${Status})`);
    const records = Answer.filter((r) => r.type === type);
    return { addresses: records.map((r) => r.data), ttlS: Math.min(...records.map((r) => r.TTL), Number.POSITIVE_INFINITY) };
  }
  return async (host) => {
    const [v4, v6] = await Promise.all([ask(host, A), ask(host, AAAA)]);
    return { addresses: [...v4.addresses, ...v6.addresses], ttlS: Math.min(v4.ttlS, v6.ttlS) };
  };
}
