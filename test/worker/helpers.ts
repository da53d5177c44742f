import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { createDb } from '../../worker/db/client';
import { saveArtifacts } from '../../worker/db/artifacts';
import type { RouteRecord } from '../../worker/history/record';
import worker from '../../worker/index';

export const API_KEY = 'test-dev-key';
export const ADMIN = 'test-admin-token';

/** A real MMLU-Pro prompt from the dev split (question mmlu-pro-70) and what two models answered. */
export const RECORDED_PROMPT = `Question: _______ locate morality beyond the sphere of rationality in an emotional 'moral impulse' towards others.
Options:
A. Ethical egoism
B. Ethics of duty
C. Postmodern ethics
D. Consequentialist ethics
E. Utilitarian ethics
F. Deontological ethics
G. Virtue ethics
H. Ethics of care
I. Ethics of rights
J. Relativist ethics
Answer with the letter of the correct option.`;
export const GEMINI_PRO_ANSWER =
  "Ethics of care locates morality beyond the sphere of rationality in an emotional 'moral impulse' towards others. The answer is (H).\n";

/**
 * Calls the Worker's fetch handler with its own execution context and waits for everything it
 * handed to waitUntil (the history write), so tests can read the rows right after.
 */
export async function call(
  path: string,
  init: RequestInit & { json?: unknown; key?: string | null; admin?: boolean; env?: Partial<typeof env> } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    init.body = JSON.stringify(init.json);
  }
  const token = init.admin ? ADMIN : init.key === undefined ? API_KEY : init.key;
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://gateway.test${path}`, { ...init, headers }), { ...env, ...init.env }, ctx);
  // Read the body before waiting: a stream's record is written when the stream ends.
  const body = await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return new Response(res.status === 204 || res.status === 304 ? null : body, { status: res.status, headers: res.headers });
}

export function chat(body: Record<string, unknown>, init: RequestInit & { key?: string | null; env?: Partial<typeof env> } = {}) {
  return call('/v1/chat/completions', { method: 'POST', json: { messages: [{ role: 'user', content: RECORDED_PROMPT }], ...body }, ...init });
}

export async function addExpert(expert: Record<string, unknown>): Promise<void> {
  const res = await call('/admin/api/experts', { method: 'POST', json: expert, admin: true });
  if (res.status !== 201) throw new Error(`addExpert ${res.status}: ${await res.text()}`);
}

export function replayExpert(id: string, prices = { input_price_per_mtok: 1.25, output_price_per_mtok: 5 }) {
  return addExpert({ id, provider: 'replay', model: id, ...prices });
}

/** SSE `data:` payloads in order, `[DONE]` included as the string. */
export function sseEvents(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice(6))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}

/** The shipped router artifacts as version 1 of each, as `npm start` seeds them. */
export async function seedArtifacts(): Promise<void> {
  await saveArtifacts(
    createDb(env.DB),
    env.TEST_ARTIFACTS.map((a) => ({ name: a.name, data: a.data, feedbackThrough: 0, basedOn: 0 })),
  );
}

/** All 29 replay experts with their list prices, as `npm start` registers them. */
export async function seedReplayExperts(): Promise<void> {
  for (const m of env.TEST_MODELS) await replayExpert(m.name, { input_price_per_mtok: m.inputPricePerMTok, output_price_per_mtok: m.outputPricePerMTok });
}

/** A finished route as the recorder hands it to the history, for tests that write history directly: a plain answered route unless told otherwise. */
export function routeRecord(fields: Pick<RouteRecord, 'id' | 'createdAt'> & Partial<RouteRecord>): RouteRecord {
  return {
    apiKeyId: null,
    model: 'm',
    policy: 'm',
    strategy: 'fixed',
    aggregation: 'first',
    policyJson: {},
    prompt: 'p',
    messages: [],
    response: 'r',
    stream: false,
    status: 'ok',
    httpStatus: 200,
    error: null,
    latencyMs: 1,
    ttftMs: null,
    usage: { promptTokens: 0, completionTokens: 0 },
    costUsd: 0,
    decision: null,
    aggregationDetail: null,
    calls: [],
    ...fields,
  };
}
