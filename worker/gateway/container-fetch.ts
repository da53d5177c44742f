// Cloudflare Containers: each instance of a Container-enabled Durable Object class is reached through
// its binding, not the network. An endpoint http://<instance>.<binding>.container (the binding's name
// lower-cased, '_' written '-') goes to the instance of that name: listing instances 0..N-1 as an
// expert's endpoint_url and replica_urls runs N containers behind the one expert, balanced and health
// checked like any replicas. Every other URL goes to the network.

const CONTAINER_HOST = /^([a-z0-9-]+)\.([a-z0-9-]+)\.container$/;

interface ContainerNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): { fetch(request: Request): Promise<Response> };
}

export function containerFetch(env: Record<string, unknown>, network: typeof fetch = (input, init) => fetch(input, init)): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    // Most calls go to the network: they skip building a Request and parsing its URL here.
    const match = url.includes('.container') ? CONTAINER_HOST.exec(new URL(url).hostname) : null;
    if (!match) return network(input, init);
    const request = new Request(input, init);
    const binding = match[2]!.replaceAll('-', '_').toUpperCase();
    const ns = env[binding] as Partial<ContainerNamespace> | undefined;
    if (typeof ns?.idFromName !== 'function' || typeof ns.get !== 'function') {
      return Promise.reject(new TypeError(`${request.url}: no Container binding ${binding} in this Worker`));
    }
    return ns.get(ns.idFromName(match[1]!)).fetch(request);
  };
}
