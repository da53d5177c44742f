import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// A real loopback DNS-over-HTTPS resolver (the JSON flavour Cloudflare's and Google's serve) over a
// small fixed zone, so tests can register experts by name and see names judged by their addresses.
//   public.example.com        A 93.184.215.14, AAAA 2606:2800:21f:cb07:6820:80da:af6b:8b2c
//   loopback.example.com      A 127.0.0.1 (a name like 127.0.0.1.nip.io)
//   metadata.example.com      CNAME to cloud-metadata.example.net, A 169.254.169.254
//   v6-private.example.com    a public A and a unique-local AAAA (fd00::1)
//   mapped.example.com        AAAA ::ffff:a9fe:a9fe (169.254.169.254, IPv4-mapped)
//   servfail.example.com      DNS status 2: the resolver cannot say
// api.example.com, a.example.com and api.openai.com are public too; any other name is NXDOMAIN.

type Rr = { type: 1 | 5 | 28; data: string };
const PUBLIC: Rr[] = [
  { type: 1, data: '93.184.215.14' },
  { type: 28, data: '2606:2800:21f:cb07:6820:80da:af6b:8b2c' },
];
const ZONE: Record<string, Rr[]> = {
  'public.example.com': PUBLIC,
  'api.example.com': PUBLIC,
  'a.example.com': PUBLIC,
  'api.openai.com': PUBLIC,
  'loopback.example.com': [{ type: 1, data: '127.0.0.1' }],
  'metadata.example.com': [
    { type: 5, data: 'cloud-metadata.example.net.' },
    { type: 1, data: '169.254.169.254' },
  ],
  'v6-private.example.com': [
    { type: 1, data: '93.184.215.14' },
    { type: 28, data: 'fd00::1' },
  ],
  'mapped.example.com': [{ type: 28, data: '::ffff:a9fe:a9fe' }],
};
const TYPES: Record<string, number> = { A: 1, AAAA: 28 };

export interface DohPeer {
  url: string;
  close(): Promise<void>;
}

export async function startDohPeer(): Promise<DohPeer> {
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://resolver');
    const name = (query.searchParams.get('name') ?? '').replace(/\.$/, '').toLowerCase();
    const type = TYPES[query.searchParams.get('type') ?? ''];
    if (query.pathname !== '/dns-query' || req.headers.accept !== 'application/dns-json' || !type) return res.writeHead(400).end('bad DoH query');
    const records = ZONE[name];
    const status = name === 'servfail.example.com' ? 2 : records ? 0 : 3;
    const answer = (records ?? []).filter((r) => r.type === type || r.type === 5).map((r) => ({ name, type: r.type, TTL: 60, data: r.data }));
    res.writeHead(200, { 'content-type': 'application/dns-json' }).end(JSON.stringify({ Status: status, Answer: answer }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/dns-query`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
