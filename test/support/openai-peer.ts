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
//   stall                streams its first word, then holds the stream open until the client goes away
//                        (counted in stats.abandoned) or 30 s pass
//   invalid-json         200 with a body that is not JSON
//   flaky-<n>[-<code>]   fails with 503 (or <code>) n times (per model string), then echoes
//   reset-<n>            drops the connection without answering n times (per model string), then echoes
//   params               answers with the sampling parameters it received, as JSON
//   request              answers with the whole request body it received (minus stream fields), as JSON
//   length               answers "echo: …" cut short, finish_reason `length`
//   tool                 calls the first offered tool with {"q": <last user message>}, finish_reason
//                        `tool_calls` (streamed as an id/name delta, then the arguments in two pieces)
//   say:<text>           answers <text> (a scripted judge or synthesizer)
//   long-<n>             answers n characters (multi-byte ones included) ending "The answer is (B).",
//                        cut at max_tokens × 4 characters as a provider stops at its limit
// Any model answers `n` choices when asked. POST /v1/embeddings answers a 4-dimensional vector per input.
// An endpoint under /fault/<behaviour>/ plays that behaviour whatever the model (replicas of one
// expert share its model name), and GET /health answers 200.

export interface PeerStats {
  requests: number;
  byModel: Record<string, number>;
  /** Streams whose client went away before the answer ended. */
  abandoned: number;
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
  stream_options?: unknown;
  n?: number;
  tools?: { function: { name: string } }[];
  messages?: { role: string; content: string | { type: string; text?: string }[] | null }[];
}

export async function startOpenAiPeer(port = 0): Promise<OpenAiPeer> {
  const stats: PeerStats = { requests: 0, byModel: {}, abandoned: 0 };
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
  if (req.method === 'GET' && req.url === '/health') return json(res, 200, { status: 'ok' });
  const isChat = req.url?.endsWith('/chat/completions');
  if (req.method !== 'POST' || !(isChat || req.url?.endsWith('/embeddings')))
    return json(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  if (!isChat) return embeddings(res, stats, raw);
  const body = raw as ChatBody;
  const model = /^\/fault\/([^/]+)\//.exec(req.url ?? '')?.[1] ?? body.model ?? 'echo';
  stats.requests++;
  stats.byModel[model] = (stats.byModel[model] ?? 0) + 1;
  const lastContent = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? '';
  const last = typeof lastContent === 'string' ? lastContent : (lastContent ?? []).map((p) => p.text ?? '').join('');
  const said = /^say:([\s\S]*)$/.exec(model);
  const long = /^long-(\d+)$/.exec(model);
  const { stream: _s, stream_options: _o, ...request } = raw;
  const reply = said
    ? said[1]!
    : long
      ? longAnswer(Number(long[1])).slice(0, body.max_tokens ? body.max_tokens * 4 : undefined)
      : model === 'params'
        ? JSON.stringify({ max_tokens: body.max_tokens ?? null, temperature: body.temperature ?? null })
        : model === 'request'
          ? JSON.stringify(request)
          : model === 'length'
            ? `echo: ${last}`.slice(0, 8)
            : `echo: ${last}`;
  const finish = model === 'length' ? 'length' : 'stop';
  const tool = model === 'tool' ? body.tools?.[0]?.function.name : undefined;

  const status = /^status-(\d{3})$/.exec(model);
  if (status) return json(res, Number(status[1]), { error: { message: `injected ${status[1]}`, type: 'server_error' } });
  const retry = /^retry-after-(\d+)$/.exec(model);
  if (retry && stats.byModel[model]! % 2 === 1) {
    res.setHeader('retry-after', retry[1]!);
    return json(res, 429, { error: { message: 'rate limited', type: 'rate_limit' } });
  }
  const flaky = /^(flaky|reset)-(\d+)(?:-(\d{3}))?$/.exec(model);
  if (flaky) {
    const left = failuresLeft.get(model) ?? Number(flaky[2]);
    if (left > 0) {
      failuresLeft.set(model, left - 1);
      if (flaky[1] === 'reset') return void res.destroy();
      const code = Number(flaky[3] ?? 503);
      return json(res, code, { error: { message: `injected ${code}`, type: 'server_error' } });
    }
  }
  const slow = /^slow-(\d+)$/.exec(model);
  if (slow) await new Promise((r) => setTimeout(r, Number(slow[1])));
  if (model === 'invalid-json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end('{"choices": [');
  }
  // As OpenAI counts them: completion tokens summed over the n choices.
  const choices = body.n ?? 1;
  const usage = { prompt_tokens: Math.ceil(last.length / 4), completion_tokens: Math.ceil(reply.length / 4) * choices };
  usage.prompt_tokens ||= 1;
  const args = JSON.stringify({ q: last });
  const call = tool ? { id: 'call_peer_1', type: 'function', function: { name: tool, arguments: args } } : null;
  if (!body.stream) {
    const choice = (index: number) =>
      call
        ? { index, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }
        : { index, message: { role: 'assistant', content: index ? `${reply} (${index + 1})` : reply }, finish_reason: finish };
    return json(res, 200, {
      id: 'peer-1',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: Array.from({ length: body.n ?? 1 }, (_, i) => choice(i)),
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null, index = 0) =>
    `data: ${JSON.stringify({ id: 'peer-1', object: 'chat.completion.chunk', created: 0, model, choices: [{ index, delta, finish_reason: finishReason }] })}\n\n`;
  res.write(chunk({ role: 'assistant', content: call ? null : '' }));
  if (call) {
    const half = Math.ceil(args.length / 2);
    res.write(chunk({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: tool, arguments: '' } }] }));
    res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, half) } }] }));
    res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] }));
  } else {
    for (const [i, w] of reply.split(/(?<=\s)/).entries()) {
      // A moment before the drop, so the chunks arrive rather than vanish with a reset.
      if (model === 'broken-stream' && i === 2) return void setTimeout(() => res.destroy(), 50);
      if (model === 'stall' && i === 1) {
        const end = setTimeout(() => res.end('data: [DONE]\n\n'), 30_000);
        res.once('close', () => {
          clearTimeout(end);
          if (!res.writableEnded) stats.abandoned++;
        });
        return;
      }
      res.write(chunk({ content: w }));
    }
  }
  res.write(chunk({}, call ? 'tool_calls' : finish));
  for (let i = 1; i < (body.n ?? 1); i++) res.write(chunk({ content: `${reply} (${i + 1})` }, finish, i));
  res.write(`data: ${JSON.stringify({ id: 'peer-1', object: 'chat.completion.chunk', created: 0, model, choices: [], usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}

/** n UTF-16 units of one-, two- and three-byte characters (a space every 1,000, so it streams in ~n/1,000 chunks), then a final answer. */
export function longAnswer(n: number): string {
  const end = ' The answer is (B).';
  const word = `${'aé€'.repeat(333)} `;
  return word.repeat(Math.ceil(n / word.length)).slice(0, Math.max(0, n - end.length)) + end;
}

/** Deterministic 4-dimensional vectors: length, vowels, digits, spaces of each input. */
function embeddings(res: ServerResponse, stats: PeerStats, body: Record<string, unknown>): void {
  stats.requests++;
  const inputs = typeof body['input'] === 'string' ? [body['input']] : (body['input'] as string[]);
  const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
  json(res, 200, {
    object: 'list',
    model: body['model'],
    data: inputs.map((s, index) => ({ object: 'embedding', index, embedding: [s.length, count(s, /[aeiou]/gi), count(s, /\d/g), count(s, / /g)] })),
    usage: { prompt_tokens: inputs.reduce((n, s) => n + Math.ceil(s.length / 4), 0), total_tokens: inputs.reduce((n, s) => n + Math.ceil(s.length / 4), 0) },
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
