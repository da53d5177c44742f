// The benchmark's floor for a Worker gateway: forwards the request body to the peer and streams the
// answer back, nothing else. Conclave's added time is measured against this under the same wrangler.

interface Env {
  PEER_URL: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const upstream = await fetch(env.PEER_URL + url.pathname, { method: request.method, headers: { 'content-type': 'application/json' }, body: request.body });
    return new Response(upstream.body, { status: upstream.status, headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/json' } });
  },
} satisfies ExportedHandler<Env>;
