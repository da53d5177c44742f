import type { Resolution, ResolveHost } from './doh';
import { addressKind, hostIsAddress } from './private-address';
import { expertUrls, type ExpertReach, type ReachProblem } from './reach';

// A public-looking name can resolve to what a literal address would be refused for (a name under
// nip.io, an internal zone, a record changed after the expert was registered): names are judged by
// every address they resolve to, when an admin registers the expert and again at call time.

/** A named host among an expert's URLs, with the field it came from. */
export interface NamedHost {
  field: ReachProblem['field'];
  url: string;
  host: string;
}

/** Cloudflare Containers are reached through their binding (http://<instance>.<binding>.container), never DNS. */
const CONTAINER_HOST = /\.container$/;

/** The hosts among an expert's URLs that are names, each once: what a resolver must vouch for. */
export function namedHosts(e: ExpertReach): NamedHost[] {
  const urls: NamedHost[] = [];
  const seen = new Set<string>();
  for (const [field, url] of expertUrls(e)) {
    let host: string;
    try {
      host = new URL(url).hostname.replace(/\.$/, '').toLowerCase();
    } catch {
      continue;
    }
    if (hostIsAddress(host) || CONTAINER_HOST.test(host) || seen.has(host)) continue;
    seen.add(host);
    urls.push({ field, url, host });
  }
  return urls;
}

/** Why a host may not be called given what it resolves to (a sentence), or null when every address is public. */
export function resolutionProblem(host: string, resolution: Resolution): string | null {
  if (resolution.addresses.length === 0) return `${host} does not resolve to any address`;
  for (const address of resolution.addresses) {
    const kind = addressKind(address);
    if (kind) return `${host} resolves to ${address}, a ${kind} address; set ALLOW_PRIVATE_ENDPOINTS=1 where the gateway may call such endpoints`;
  }
  return null;
}

/** The first of an expert's named hosts whose addresses it may not reach; a resolver that cannot answer throws. */
export async function resolvedReachProblem(e: ExpertReach, resolve: ResolveHost): Promise<ReachProblem | null> {
  const hosts = namedHosts(e);
  const resolutions = await Promise.all(hosts.map((h) => resolve(h.host)));
  for (const [i, h] of hosts.entries()) {
    const problem = resolutionProblem(h.host, resolutions[i]!);
    if (problem) return { field: h.field, message: `${h.url}: ${problem}` };
  }
  return null;
}
