import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A real loopback HTTP server speaking the OpenAI chat-completions protocol (JSON and SSE), standing
// in for remote experts. Its behaviour is chosen by the request's `model`, so one server can play a
// healthy expert and every fault the gateway must survive:
//   echo                 answers "echo: <last user message>"
//   status-<code>        answers that HTTP status with an OpenAI error body
//   retry-after-<s>      429 with Retry-After: <s>, then echo on the next call with the same model
//   slow-<ms>            echo after <ms>
//   broken-stream        streams two chunks, then drops the connection
//   invalid-json         200 with a body that is not JSON
//   flaky-<n>            fails with 503 n times (per model string), then echoes
//   params               answers with the sampling parameters it received, as JSON
//   say:<text>           answers <text> (a scripted judge or synthesizer)
//   long-<n>             answers n characters (multi-byte ones included) ending "The answer is (B)."

export interface PeerStats {
  requests: number;
  byModel: Record<string, number>;
}

export interface OpenAiPeer {
  url: string;
  stats: PeerStats;
  close(): Promise<void>;
}

interface ChatBody {
  model?: string;
  max_tokens?: number;
  temperature?: number;
  stream?: boolean;
  messages?: { role: string; content: string }[];
}

export async function startOpenAiPeer(port = 0): Promise<OpenAiPeer> {
  const stats: PeerStats = { requests: 0, byModel: {} };
  const failuresLeft = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    handle(req, res, stats, failuresLeft).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    stats,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, stats: PeerStats, failuresLeft: Map<string, number>): Promise<void> {
  if (req.method === 'GET' && req.url === '/stats') return json(res, 200, stats);
  if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) return json(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody;
  const model = body.model ?? 'echo';
  stats.requests++;
  stats.byModel[model] = (stats.byModel[model] ?? 0) + 1;
  const last = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? '';
  const said = /^say:([\s\S]*)$/.exec(model);
  const long = /^long-(\d+)$/.exec(model);
  const reply = said
    ? said[1]!
    : long
      ? longAnswer(Number(long[1]))
      : model === 'params'
        ? JSON.stringify({ max_tokens: body.max_tokens ?? null, temperature: body.temperature ?? null })
        : `echo: ${last}`;

  const status = /^status-(\d{3})$/.exec(model);
  if (status) return json(res, Number(status[1]), { error: { message: `injected ${status[1]}`, type: 'server_error' } });
  const retry = /^retry-after-(\d+)$/.exec(model);
  if (retry && stats.byModel[model]! % 2 === 1) {
    res.setHeader('retry-after', retry[1]!);
    return json(res, 429, { error: { message: 'rate limited', type: 'rate_limit' } });
  }
  const flaky = /^flaky-(\d+)$/.exec(model);
  if (flaky) {
    const left = failuresLeft.get(model) ?? Number(flaky[1]);
    if (left > 0) {
      failuresLeft.set(model, left - 1);
      return json(res, 503, { error: { message: 'injected 503', type: 'server_error' } });
    }
  }
  const slow = /^slow-(\d+)$/.exec(model);
  if (slow) await new Promise((r) => setTimeout(r, Number(slow[1])));
  if (model === 'invalid-json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end('{"choices": [');
  }
  const usage = { prompt_tokens: Math.ceil(last.length / 4), completion_tokens: Math.ceil(reply.length / 4) };
  usage.prompt_tokens ||= 1;
  if (!body.stream) {
    return json(res, 200, {
      id: 'peer-1',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const words = reply.split(/(?<=\s)/);
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: 'peer-1', object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
  res.write(chunk({ role: 'assistant', content: '' }));
  for (const [i, w] of words.entries()) {
    if (model === 'broken-stream' && i === 2) return void res.destroy();
    res.write(chunk({ content: w }));
  }
  res.write(`data: ${JSON.stringify({ id: 'peer-1', object: 'chat.completion.chunk', created: 0, model, choices: [], usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}

/** n UTF-16 units of one-, two- and three-byte characters (a space every 1,000, so it streams in ~n/1,000 chunks), then a final answer. */
export function longAnswer(n: number): string {
  const end = ' The answer is (B).';
  const word = 'aé€'.repeat(333) + ' ';
  return word.repeat(Math.ceil(n / word.length)).slice(0, Math.max(0, n - end.length)) + end;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
