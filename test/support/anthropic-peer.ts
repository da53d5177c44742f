import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A real loopback HTTP server speaking Anthropic's Messages API (POST /v1/messages, JSON and SSE
// with its named events), standing in for Claude. Checks what Anthropic checks (x-api-key,
// anthropic-version, max_tokens, alternating roles, tool results answering tool uses). By model:
//   echo            answers "system=<system> | <last user text>" (images counted as "[image <media type>]")
//   request         answers with the request body it received, as JSON
//   tool            calls the first offered tool with {"q": <last user text>}, stop_reason tool_use
//   short           stops at max_tokens
//   overloaded-<n>  answers 529 overloaded_error n times (per model), then echoes
//   status-<code>   answers that HTTP status with an Anthropic error body (`injected <code>`)

export interface AnthropicPeer {
  url: string;
  requests: Record<string, unknown>[];
  close(): Promise<void>;
}

export const ANTHROPIC_PEER_KEY = 'sk-ant-peer';

interface Block {
  type: string;
  text?: string;
  source?: { type: string; media_type?: string };
  tool_use_id?: string;
}
interface Body {
  model: string;
  max_tokens?: number;
  system?: string;
  stream?: boolean;
  messages: { role: string; content: string | Block[] }[];
  tools?: { name: string }[];
}

export async function startAnthropicPeer(): Promise<AnthropicPeer> {
  const requests: Record<string, unknown>[] = [];
  const overloads = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    handle(req, res, requests, overloads).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function handle(req: IncomingMessage, res: ServerResponse, requests: Record<string, unknown>[], overloads: Map<string, number>): Promise<void> {
  if (req.method !== 'POST' || req.url !== '/v1/messages') return error(res, 404, 'not_found_error', `no route ${req.method} ${req.url}`);
  if (req.headers['x-api-key'] !== ANTHROPIC_PEER_KEY) return error(res, 401, 'authentication_error', 'invalid x-api-key');
  if (!req.headers['anthropic-version']) return error(res, 400, 'invalid_request_error', 'anthropic-version header is required');
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body;
  requests.push(body as unknown as Record<string, unknown>);
  const invalid = validate(body);
  if (invalid) return error(res, 400, 'invalid_request_error', invalid);
  const status = /^status-(\d{3})$/.exec(body.model);
  if (status) return error(res, Number(status[1]), 'invalid_request_error', `injected ${status[1]}`);
  const overloaded = /^overloaded-(\d+)$/.exec(body.model);
  if (overloaded) {
    const left = overloads.get(body.model) ?? Number(overloaded[1]);
    if (left > 0) {
      overloads.set(body.model, left - 1);
      return error(res, 529, 'overloaded_error', 'Overloaded');
    }
  }
  const last = body.messages[body.messages.length - 1]!;
  const lastText =
    typeof last.content === 'string'
      ? last.content
      : last.content.map((b) => (b.type === 'text' ? b.text : b.type === 'image' ? `[image ${b.source?.media_type ?? b.source?.type}]` : '')).join('');
  const tool = body.model === 'tool' ? body.tools?.[0]?.name : undefined;
  let text = body.model === 'request' ? JSON.stringify(body) : `system=${body.system ?? ''} | ${lastText}`;
  let stop = tool ? 'tool_use' : 'end_turn';
  if (body.model === 'short') {
    text = text.slice(0, 10);
    stop = 'max_tokens';
  }
  const input = { q: lastText };
  const usage = { input_tokens: 11, output_tokens: 7, cache_read_input_tokens: 3 };
  if (!body.stream) {
    const content = tool
      ? [
          { type: 'text', text: 'Calling the tool.' },
          { type: 'tool_use', id: 'toolu_peer_1', name: tool, input },
        ]
      : [{ type: 'text', text }];
    return json(res, 200, { id: 'msg_peer', type: 'message', role: 'assistant', model: body.model, content, stop_reason: stop, stop_sequence: null, usage });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const event = (name: string, data: Record<string, unknown>) => res.write(`event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`);
  event('message_start', {
    message: {
      id: 'msg_peer',
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [],
      stop_reason: null,
      usage: { input_tokens: 11, output_tokens: 1, cache_read_input_tokens: 3 },
    },
  });
  event('ping', {});
  if (tool) {
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Calling the tool.' } });
    event('content_block_stop', { index: 0 });
    const args = JSON.stringify(input);
    event('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_peer_1', name: tool, input: {} } });
    event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: args.slice(0, 5) } });
    event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: args.slice(5) } });
    event('content_block_stop', { index: 1 });
  } else {
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    for (const piece of text.match(/.{1,12}/gs) ?? []) event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } });
    event('content_block_stop', { index: 0 });
  }
  event('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 7 } });
  event('message_stop', {});
  res.end();
}

/** What the real API refuses: no max_tokens, roles not alternating, a first turn not the user's, an orphan tool result. */
function validate(body: Body): string | null {
  if (!body.max_tokens) return 'max_tokens: Field required';
  if (body.messages[0]?.role !== 'user') return 'messages: first message must use the "user" role';
  for (let i = 1; i < body.messages.length; i++)
    if (body.messages[i]!.role === body.messages[i - 1]!.role) return `messages: roles must alternate (message ${i})`;
  for (const [i, m] of body.messages.entries()) {
    if (typeof m.content === 'string') continue;
    for (const b of m.content) {
      if (b.type !== 'tool_result') continue;
      const prev = body.messages[i - 1];
      const used = prev && typeof prev.content !== 'string' && prev.content.some((p) => p.type === 'tool_use' && (p as { id?: string }).id === b.tool_use_id);
      if (!used) return `messages.${i}: tool_result ${b.tool_use_id} answers no tool_use in the previous message`;
    }
  }
  return null;
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  json(res, status, { type: 'error', error: { type, message } });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
