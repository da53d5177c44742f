import { describe, expect, it } from 'vitest';
import type { ArtifactSet } from '../../router/artifacts';
import { aggregatorCalls, summariseCost } from '../../router/aggregate/calls';
import { buildAggregators } from '../../router/aggregate/index';
import { parseRanking } from '../../router/aggregate/judge';
import { aggregateWithCaller } from '../../router/aggregate/offline';
import { trimReasoning } from '../../router/aggregate/prompts';
import { SYNTHESIS_SKILL_ARTIFACT } from '../../router/aggregate/synthesis-skill';
import { callCostUsd, tokensOf } from '../../router/cost';
import { ExpertCallError, QuorumError } from '../../router/errors';
import { textOf } from '../../router/params';
import { startRoute, type RouteEnvironment } from '../../router/pipeline';
import type { RoutingOverride, RoutingPolicy } from '../../router/policy';
import type {
  Candidate,
  CallOptions,
  CallRole,
  ChatMessage,
  ExpertAnswer,
  ExpertCaller,
  ExpertProfile,
  ExpertStream,
  RoutingStrategy,
} from '../../router/types';

// The aggregators run through the real request path (startRoute) against an in-process fake
// caller that scripts each expert's reply, logs every call, and costs it by the data's rule.

interface Reply {
  /** The answer, streamed in these chunks (joined for `complete`). */
  chunks: string[];
  fail?: string;
  /** Resolved before the stream's second chunk: lets a test hold a stream open. */
  gate?: Promise<void>;
}

type Script = (messages: ChatMessage[], opts: CallOptions) => Reply;

interface LoggedCall {
  expertId: string;
  role: CallRole;
  stage: number;
  messages: ChatMessage[];
  answer?: ExpertAnswer;
}

const PRICES = { inputPricePerMTok: 1, outputPricePerMTok: 4 };

class FakeCaller implements ExpertCaller {
  readonly calls: LoggedCall[] = [];
  /** Ordered events, to check when things happen relative to each other. */
  readonly events: string[] = [];
  constructor(private readonly scripts: Record<string, Script>) {}

  private reply(expertId: string, messages: ChatMessage[], opts: CallOptions): { reply: Reply; call: LoggedCall } {
    const script = this.scripts[expertId];
    if (!script) throw new ExpertCallError(expertId, 'unknown expert', { kind: 'config' });
    const call: LoggedCall = { expertId, role: opts.role, stage: opts.stage, messages };
    this.calls.push(call);
    return { reply: script(messages, opts), call };
  }

  private answer(call: LoggedCall, text: string): ExpertAnswer {
    const usage = { promptTokens: tokensOf(call.messages.map((m) => m.content).join('\n')), completionTokens: tokensOf(text) };
    call.answer = { expertId: call.expertId, text, usage, costUsd: callCostUsd(PRICES, usage), latencyMs: 5 };
    this.events.push(`done ${call.expertId}/${call.role}`);
    return call.answer;
  }

  async complete(expertId: string, messages: ChatMessage[], opts: CallOptions): Promise<ExpertAnswer> {
    const { reply, call } = this.reply(expertId, messages, opts);
    await Promise.resolve();
    if (reply.fail) throw new ExpertCallError(expertId, reply.fail, { kind: 'timeout' });
    return this.answer(call, reply.chunks.join(''));
  }

  stream(expertId: string, messages: ChatMessage[], opts: CallOptions): ExpertStream {
    const { reply, call } = this.reply(expertId, messages, opts);
    const events = this.events;
    let resolveDone!: (a: ExpertAnswer) => void;
    let rejectDone!: (e: unknown) => void;
    const done = new Promise<ExpertAnswer>((res, rej) => {
      resolveDone = res;
      rejectDone = rej;
    });
    const self = this;
    async function* deltas(): AsyncIterable<string> {
      try {
        if (reply.fail) throw new ExpertCallError(expertId, reply.fail, { kind: 'http', upstreamStatus: 503 });
        for (const [i, chunk] of reply.chunks.entries()) {
          if (i === 1 && reply.gate) await reply.gate;
          events.push(`delta ${expertId}`);
          yield chunk;
        }
        resolveDone(self.answer(call, reply.chunks.join('')));
      } catch (e) {
        rejectDone(e);
        throw e;
      }
    }
    return { deltas: deltas(), done };
  }
}

const says =
  (...chunks: string[]): Script =>
  () => ({ chunks });
const fails =
  (reason: string): Script =>
  () => ({ chunks: [], fail: reason });

function profile(id: string): ExpertProfile {
  return { id, provider: 'replay', model: id, endpointUrl: null, apiKeySecret: null, ...PRICES, skills: [], tags: [], enabled: true };
}

/** Calls the experts the test names, ranked with the scores / details it gives. */
function scripted(ranked: Candidate[]): RoutingStrategy {
  return { name: 'fixed', decide: () => ({ strategy: 'fixed', ranked, stages: [ranked] }) };
}

/** The experts named per test, answered with the first unless the test picks an aggregator. */
const BASE_POLICY: RoutingPolicy = { name: 'test', strategy: 'fixed', aggregate: 'first' };

const QUESTION = 'Question: Which is right?\nOptions:\nA. one\nB. two\nC. three\nAnswer with the letter of the correct option.';

function environment(caller: FakeCaller, scripts: Record<string, Script>, answering: (string | Candidate)[], artifacts?: ArtifactSet): RouteEnvironment {
  const ranked = answering.map((a) => (typeof a === 'string' ? { expertId: a, score: 1 } : a));
  return {
    experts: Object.keys(scripts).map(profile),
    strategies: new Map([['fixed', scripted(ranked)]]),
    aggregators: buildAggregators(artifacts ? { artifacts } : {}),
    caller,
  };
}

async function route(scripts: Record<string, Script>, answering: (string | Candidate)[], policy: RoutingOverride, artifacts?: ArtifactSet) {
  const caller = new FakeCaller(scripts);
  const env = environment(caller, scripts, answering, artifacts);
  const run = await startRoute({ prompt: QUESTION, messages: [{ role: 'user', content: QUESTION }] }, { ...BASE_POLICY, ...policy }, env);
  const deltas: string[] = [];
  const reading = (async () => {
    for await (const d of run.deltas) deltas.push(textOf(d));
  })();
  const outcome = await run.result;
  await reading;
  return { caller, outcome, deltas };
}

describe('vote', () => {
  it('returns the majority answer as its winner wrote it, with the tally', async () => {
    const { outcome, deltas } = await route(
      { a: says('Thinking… The answer is (B).'), b: says('It is clearly three. The answer is (C).'), c: says('Answer: C') },
      ['a', 'b', 'c'],
      { aggregate: 'vote' },
    );
    expect(outcome.aggregation).toMatchObject({ aggregation: 'vote', winner: 'b', tally: { B: 1, C: 2 }, text: 'It is clearly three. The answer is (C).' });
    expect(deltas).toEqual(['It is clearly three. The answer is (C).']);
  });

  it('a vote over one planned answer is that answer, streamed as it comes', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const scripts: Record<string, Script> = { a: () => ({ chunks: ['The answer ', 'is (B).'], gate }) };
    const caller = new FakeCaller(scripts);
    const request = { prompt: QUESTION, messages: [{ role: 'user' as const, content: QUESTION }], stream: true };
    const run = await startRoute(request, { ...BASE_POLICY, aggregate: 'vote', quorum: 2 }, environment(caller, scripts, ['a']));
    const deltas = run.deltas[Symbol.asyncIterator]();
    // The first piece arrives while the expert is still answering.
    expect(textOf((await deltas.next()).value!)).toBe('The answer ');
    open();
    expect(textOf((await deltas.next()).value!)).toBe('is (B).');
    expect((await deltas.next()).done).toBe(true);
    expect((await run.result).aggregation).toMatchObject({ aggregation: 'first', winner: 'a', text: 'The answer is (B).' });
  });

  it('breaks a tie by the router’s confidence in the experts, then by arrival order', async () => {
    const scripts = { a: says('The answer is (A).'), b: says('The answer is (B).') };
    const trusted = await route(
      scripts,
      [
        { expertId: 'a', score: 0.2 },
        { expertId: 'b', score: 0.9 },
      ],
      { aggregate: 'vote' },
    );
    expect(trusted.outcome.aggregation).toMatchObject({ winner: 'b', tally: { A: 1, B: 1 } });
    const equal = await route(scripts, ['a', 'b'], { aggregate: 'vote' });
    expect(equal.outcome.aggregation.winner).toBe('a');
  });

  it('weighted-vote lets one confident expert outvote two doubtful ones (detail.p), which plain vote does not', async () => {
    const scripts = { a: says('The answer is (A).'), b: says('The answer is (A).'), c: says('The answer is (C).') };
    const ranked = [
      { expertId: 'a', score: 0, detail: { p: 0.2 } },
      { expertId: 'b', score: 0, detail: { p: 0.25 } },
      { expertId: 'c', score: 0, detail: { p: 0.9 } },
    ];
    const weighted = await route(scripts, ranked, { aggregate: 'weighted-vote' });
    expect(weighted.outcome.aggregation).toMatchObject({ winner: 'c', tally: { A: 0.45, C: 0.9 } });
    expect(weighted.outcome.aggregation.detail?.['weights']).toEqual({ a: 0.2, b: 0.25, c: 0.9 });
    const plain = await route(scripts, ranked, { aggregate: 'vote' });
    expect(plain.outcome.aggregation).toMatchObject({ winner: 'b', tally: { A: 2, C: 1 } });
  });

  it('weighted-vote falls back to min-max normalised scores', async () => {
    const scripts = { a: says('The answer is (A).'), b: says('The answer is (A).'), c: says('The answer is (C).') };
    const { outcome } = await route(
      scripts,
      [
        { expertId: 'a', score: -1 },
        { expertId: 'b', score: -1 },
        { expertId: 'c', score: 3 },
      ],
      { aggregate: 'weighted-vote' },
    );
    expect(outcome.aggregation.detail?.['weights']).toEqual({ a: 0.5, b: 0.5, c: 1 });
    expect(outcome.aggregation.tally).toEqual({ A: 1, C: 1 });
    // A 1:1 tie: the more trusted supporter wins.
    expect(outcome.aggregation.winner).toBe('c');
  });

  it('still answers when no reply states an extractable answer', async () => {
    const { outcome } = await route({ a: says('I am not sure.\nIt depends.'), b: says('Hard to say.\nMaybe.') }, ['a', 'b'], { aggregate: 'vote' });
    expect(outcome.aggregation).toMatchObject({ winner: 'a', text: 'I am not sure.\nIt depends.', tally: {} });
    expect(outcome.aggregation.detail?.['noAnswerExtracted']).toBe(true);
  });
});

describe('quorum and failing experts', () => {
  const scripts = { a: says('The answer is (A).'), b: fails('timed out after 30000 ms'), c: fails('HTTP 503 from upstream') };

  it('leaves failed experts out of the vote and records them', async () => {
    const { outcome } = await route(scripts, ['a', 'b', 'c'], { aggregate: 'vote', quorum: 1 });
    expect(outcome.aggregation).toMatchObject({ winner: 'a', tally: { A: 1 } });
    expect(outcome.failures.map((f) => [f.expertId, f.error.message])).toEqual([
      ['b', "expert 'b': timed out after 30000 ms"],
      ['c', "expert 'c': HTTP 503 from upstream"],
    ]);
  });

  it('fails below the quorum with every expert’s reason, before any aggregator is called', async () => {
    const caller = new FakeCaller({ ...scripts, judge: says('Ranking: 1') });
    const env: RouteEnvironment = {
      experts: ['a', 'b', 'c', 'judge'].map(profile),
      strategies: new Map([['fixed', scripted(['a', 'b', 'c'].map((expertId) => ({ expertId, score: 1 })))]]),
      aggregators: buildAggregators(),
      caller,
    };
    const run = await startRoute(
      { prompt: QUESTION, messages: [{ role: 'user', content: QUESTION }] },
      { ...BASE_POLICY, aggregate: 'judge', aggregator: 'judge', quorum: 2 },
      env,
    );
    const error = await run.result.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QuorumError);
    expect((error as QuorumError).reasons).toEqual([
      { expertId: 'b', error: "expert 'b': timed out after 30000 ms", source: 'expert', code: 'timeout' },
      { expertId: 'c', error: "expert 'c': HTTP 503 from upstream", source: 'expert', code: 'timeout' },
    ]);
    expect(caller.calls.map((c) => c.role)).not.toContain('judge');
    // The stream ends with the same error, never an empty success.
    await expect(
      (async () => {
        for await (const _ of run.deltas) void _;
      })(),
    ).rejects.toBeInstanceOf(QuorumError);
  });

  it('uses the policy’s fallback expert below the quorum', async () => {
    const { outcome } = await route({ ...scripts, backup: says('The answer is (B).') }, ['a', 'b', 'c'], { aggregate: 'vote', quorum: 2, fallback: 'backup' });
    expect(outcome.aggregation).toMatchObject({ aggregation: 'fallback', winner: 'backup', text: 'The answer is (B).' });
  });
});

describe('synthesize', () => {
  const experts = { a: says('Long reasoning… The answer is (B).'), b: says('The answer is (C).'), c: says('The answer is (C).') };

  it('streams the synthesizer’s tokens as they arrive, after every expert has answered', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const caller = new FakeCaller({ ...experts, s: () => ({ chunks: ['Weighing the candidates, ', 'the answer is (C).'], gate }) });
    const env: RouteEnvironment = {
      experts: ['a', 'b', 'c', 's'].map(profile),
      strategies: new Map([['fixed', scripted(['a', 'b', 'c'].map((expertId) => ({ expertId, score: 1 })))]]),
      aggregators: buildAggregators(),
      caller,
    };
    const run = await startRoute(
      { prompt: QUESTION, messages: [{ role: 'user', content: QUESTION }] },
      { ...BASE_POLICY, aggregate: 'synthesize', aggregator: 's' },
      env,
    );
    const reader = run.deltas[Symbol.asyncIterator]();
    // The first token must arrive while the synthesizer is still held mid-answer.
    const first = await Promise.race([reader.next(), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 2000))]);
    expect(first).toEqual({ value: 'Weighing the candidates, ', done: false });
    expect(caller.events.filter((e) => e.startsWith('done'))).toEqual(['done a/expert', 'done b/expert', 'done c/expert']);
    release();
    expect(await reader.next()).toEqual({ value: 'the answer is (C).', done: false });
    expect((await reader.next()).done).toBe(true);

    const outcome = await run.result;
    expect(outcome.aggregation).toMatchObject({ aggregation: 'synthesize', text: 'Weighing the candidates, the answer is (C).' });
    expect(outcome.aggregation.detail).toMatchObject({ synthesizer: 's', chosen_by: 'policy', inputs: ['a', 'b', 'c'] });
    expect(typeof outcome.aggregation.detail?.['first_delta_ms']).toBe('number');
    const synthesis = caller.calls.find((c) => c.expertId === 's')!;
    expect([synthesis.role, synthesis.stage]).toEqual(['aggregator', 1]);
    // The aggregator sees the question and every answer, told that some may be wrong.
    const prompt = synthesis.messages.map((m) => m.content).join('\n');
    expect(prompt).toContain('Which is right?');
    expect(prompt).toMatch(/\[1\] Long reasoning… The answer is \(B\)\.[\s\S]*\[3\] The answer is \(C\)\./);
    expect(prompt).toContain('may be biased or incorrect');
  });

  it('sums the usage and cost of every call, the synthesizer’s included', async () => {
    const { caller, outcome } = await route({ ...experts, s: says('The answer ', 'is (C).') }, ['a', 'b', 'c'], { aggregate: 'synthesize', aggregator: 's' });
    const all = caller.calls.map((c) => c.answer!);
    const cost = summariseCost(outcome.answers, outcome.aggregation);
    expect(all).toHaveLength(4);
    expect(cost.costUsd).toBeCloseTo(
      all.reduce((s, a) => s + a.costUsd, 0),
      12,
    );
    expect(cost.usage.promptTokens).toBe(all.reduce((s, a) => s + a.usage.promptTokens, 0));
    expect(cost.usage.completionTokens).toBe(all.reduce((s, a) => s + a.usage.completionTokens, 0));
    expect(cost.aggregationCostUsd).toBeCloseTo(all[3]!.costUsd, 12);
    expect(aggregatorCalls(outcome.aggregation)).toEqual([
      {
        expert: 's',
        role: 'aggregator',
        stage: 1,
        prompt_tokens: all[3]!.usage.promptTokens,
        completion_tokens: all[3]!.usage.completionTokens,
        cost_usd: all[3]!.costUsd,
        latency_ms: 5,
      },
    ]);
  });

  it('degrades to a vote when the synthesizer fails before writing anything', async () => {
    const { outcome, deltas } = await route({ ...experts, s: fails('HTTP 503') }, ['a', 'b', 'c'], { aggregate: 'synthesize', aggregator: 's' });
    expect(outcome.aggregation).toMatchObject({ aggregation: 'synthesize', winner: 'b', tally: { B: 1, C: 2 } });
    expect(outcome.aggregation.detail).toMatchObject({ degraded_to: 'vote', synthesizer: 's' });
    expect(String(outcome.aggregation.detail?.['synthesis_error'])).toContain('HTTP 503');
    expect(deltas).toEqual(['The answer is (C).']);
  });

  it('chooses the aggregator by measured synthesis skill when the policy names none', async () => {
    const artifacts: ArtifactSet = new Map([
      [
        SYNTHESIS_SKILL_ARTIFACT,
        {
          name: SYNTHESIS_SKILL_ARTIFACT,
          version: 1,
          createdAt: '2026-01-01',
          data: {
            method: 'offline-proxy',
            ranking: [
              { model: 'absent', skill: 0.9, tasks: 10 },
              { model: 'c', skill: 0.5, tasks: 10 },
              { model: 's', skill: 0.7, tasks: 10 },
            ],
          },
        },
      ],
    ]);
    const { caller, outcome } = await route({ ...experts, s: says('The answer is (C).') }, ['a', 'b', 'c'], { aggregate: 'synthesize' }, artifacts);
    expect(outcome.aggregation.detail).toMatchObject({ synthesizer: 's', chosen_by: 'synthesis-skill' });
    expect(caller.calls.at(-1)).toMatchObject({ expertId: 's', role: 'aggregator' });
    // Without a ranking: the router's best-ranked eligible expert.
    const unranked = await route(
      { ...experts, s: says('x') },
      [
        { expertId: 'a', score: 1 },
        { expertId: 'c', score: 5 },
      ],
      { aggregate: 'synthesize' },
    );
    expect(unranked.outcome.aggregation.detail).toMatchObject({ synthesizer: 'a', chosen_by: 'routing-rank' });
  });

  it('trims hidden reasoning and keeps the end of long answers', () => {
    expect(trimReasoning('<think>scratch work</think>\nThe answer is (D).')).toBe('The answer is (D).');
    const long = `${'x'.repeat(5000)} The answer is (E).`;
    const trimmed = trimReasoning(long, 100);
    expect(trimmed).toHaveLength(101);
    expect(trimmed.endsWith('The answer is (E).')).toBe(true);
  });
});

describe('judge', () => {
  const experts = { a: says('The answer is (A).'), b: says('The answer is (B).'), c: says('The answer is (A).') };

  it('returns the candidate the judge ranks best, whole, even against the majority', async () => {
    const { caller, outcome, deltas } = await route({ ...experts, j: says('Candidate 2 checks out.\nRanking: 2 > 3 > 1') }, ['a', 'b', 'c'], {
      aggregate: 'judge',
      aggregator: 'j',
    });
    expect(outcome.aggregation).toMatchObject({ aggregation: 'judge', winner: 'b', text: 'The answer is (B).' });
    expect(outcome.aggregation.detail).toMatchObject({ judge: 'j', ranking: ['b', 'c', 'a'] });
    expect(deltas).toEqual(['The answer is (B).']);
    expect(caller.calls.at(-1)).toMatchObject({ expertId: 'j', role: 'judge', stage: 1 });
  });

  it('degrades to a vote when the verdict has no ranking', async () => {
    const { outcome } = await route({ ...experts, j: says('They all look fine to me.') }, ['a', 'b', 'c'], { aggregate: 'judge', aggregator: 'j' });
    expect(outcome.aggregation).toMatchObject({ aggregation: 'judge', winner: 'a', tally: { A: 2, B: 1 } });
    expect(outcome.aggregation.detail).toMatchObject({ degraded_to: 'vote', judge_error: 'the judge gave no ranking' });
  });

  it('parses rankings leniently and completes partial ones', () => {
    expect(parseRanking('Ranking: 3 > 1 > 2', 3)).toEqual([2, 0, 1]);
    expect(parseRanking('**Ranking:** [2], [9], [2]', 3)).toEqual([1, 0, 2]);
    expect(parseRanking('ranking: 1 > 2\nOn reflection…\nRanking: 2 > 1', 2)).toEqual([1, 0]);
    expect(parseRanking('Ranking: none of them', 3)).toBeNull();
  });
});

describe('layers', () => {
  it('runs refinement rounds on the previous round’s answers, then streams a final synthesis', async () => {
    let round = 0;
    const refine =
      (first: string, later: string): Script =>
      (_messages, opts) => {
        round = Math.max(round, opts.stage);
        return { chunks: [opts.stage === 0 ? first : later] };
      };
    const { caller, outcome, deltas } = await route(
      {
        a: refine('The answer is (A).', 'On reflection the answer is (C).'),
        b: refine('The answer is (C).', 'The answer is (C).'),
        s: says('Final: ', 'the answer is (C).'),
      },
      ['a', 'b'],
      { aggregate: 'layers', aggregator: 's', rounds: 2 },
    );
    expect(caller.calls.map((c) => `${c.expertId}/${c.role}/${c.stage}`)).toEqual([
      'a/expert/0',
      'b/expert/0',
      'a/expert/1',
      'b/expert/1',
      'a/expert/2',
      'b/expert/2',
      's/aggregator/3',
    ]);
    // Round 1 sees round 0's answers; round 2 sees round 1's.
    expect(caller.calls[2]!.messages[0]!.content).toContain('[1] The answer is (A).');
    expect(caller.calls[4]!.messages[0]!.content).toContain('[1] On reflection the answer is (C).');
    expect(deltas).toEqual(['Final: ', 'the answer is (C).']);
    expect(outcome.aggregation).toMatchObject({ aggregation: 'layers', text: 'Final: the answer is (C).' });
    expect(outcome.aggregation.detail?.['rounds']).toEqual([
      { round: 0, answers: { a: 'A', b: 'C' }, failures: [] },
      { round: 1, answers: { a: 'C', b: 'C' }, failures: [] },
      { round: 2, answers: { a: 'C', b: 'C' }, failures: [] },
    ]);
    const all = caller.calls.map((c) => c.answer!);
    expect(summariseCost(outcome.answers, outcome.aggregation).costUsd).toBeCloseTo(
      all.reduce((s, a) => s + a.costUsd, 0),
      12,
    );
    expect(round).toBe(2);
  });

  it('stops refining when a round falls below the quorum and synthesizes the last complete round', async () => {
    const flaky: Script = (_m, opts) => (opts.stage === 0 ? { chunks: ['The answer is (B).'] } : { chunks: [], fail: 'rate limited' });
    const { caller, outcome } = await route({ a: flaky, b: says('The answer is (B).'), s: says('The answer is (B).') }, ['a', 'b'], {
      aggregate: 'layers',
      aggregator: 's',
      rounds: 3,
      quorum: 2,
    });
    expect(outcome.aggregation.detail).toMatchObject({ stopped_after_round: 0 });
    const synthesis = caller.calls.at(-1)!;
    expect([synthesis.expertId, synthesis.stage]).toEqual(['s', 4]);
    expect((outcome.aggregation.detail!['rounds'] as unknown[])[1]).toEqual({
      round: 1,
      answers: { b: 'B' },
      failures: [{ expert: 'a', error: "expert 'a': rate limited" }],
    });
  });
});

describe('aggregateWithCaller (evaluation)', () => {
  const answers: ExpertAnswer[] = ['The answer is (A).', 'The answer is (B).'].map((text, i) => ({
    expertId: `m${i}`,
    text,
    usage: { promptTokens: 1, completionTokens: 1 },
    costUsd: 0,
    latencyMs: 0,
  }));

  it('returns the synthesis and its extracted answer', async () => {
    const caller = new FakeCaller({ s: says('Both considered; ', 'the answer is (B).') });
    expect(await aggregateWithCaller('synthesize', QUESTION, answers, caller, 's')).toEqual({ text: 'Both considered; the answer is (B).', answer: 'B' });
    expect(caller.calls[0]).toMatchObject({ role: 'aggregator' });
  });

  it('returns the judge’s pick, or no answer when its verdict is unusable', async () => {
    expect(await aggregateWithCaller('judge', QUESTION, answers, new FakeCaller({ j: says('Ranking: 2 > 1') }), 'j')).toEqual({
      text: 'The answer is (B).',
      answer: 'B',
    });
    expect(await aggregateWithCaller('judge', QUESTION, answers, new FakeCaller({ j: says('No idea') }), 'j')).toEqual({ text: 'No idea', answer: null });
  });
});
