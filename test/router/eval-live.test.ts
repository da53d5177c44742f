import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Router } from '../../router/eval/baselines';
import { withLiveAggregation } from '../../router/eval/live';
import { recordedAnswer } from '../../router/eval/replay';
import type { EvalExample } from '../../router/eval/types';
import type { ExpertAnswer, ExpertCaller } from '../../router/types';
import { LIVE_EXPERT_ID, liveCaller } from '../../scripts/lib/live-caller';
import { startOpenAiPeer, type OpenAiPeer } from '../support/openai-peer';

// Synthesis and judging in the offline evaluation: a live expert combines the recorded answers a
// policy called; its verdict decides correctness and its call is costed.

const example: EvalExample = {
  prompt: 'Question: 2 + 2?\nOptions:\nA. 3\nB. 4\nAnswer with the letter of the correct option.',
  answer: 'B',
  outcomes: {
    cheap: { pred: 'A', correct: false, text: 'Surely three. The answer is (A).' },
    strong: { pred: 'B', correct: true, text: 'Two and two make four. The answer is (B).' },
  },
};
const prices = new Map([
  ['cheap', { inputPricePerMTok: 0.1, outputPricePerMTok: 0.2 }],
  ['strong', { inputPricePerMTok: 1, outputPricePerMTok: 4 }],
]);
const costOf = (ids: string[]) => ids.reduce((s, id) => s + recordedAnswer(example, id, prices)!.costUsd, 0);

/** Routed to the given experts and answered by a vote that got it wrong. */
function routedTo(called: string[]): Router {
  return { name: 'p', run: () => ({ correct: false, costUsd: costOf(called), called, answer: 'A' }) };
}

/** A synthesizer that writes a fixed answer, costing one cent per call. */
function writes(text: string, calls: string[][]): ExpertCaller {
  const answer = (): ExpertAnswer => ({ expertId: 'synth', text, usage: { promptTokens: 10, completionTokens: 5 }, costUsd: 0.01, latencyMs: 1 });
  return {
    complete: async () => answer(),
    stream(_id, messages) {
      calls.push(messages.map((m) => m.content));
      const done = Promise.resolve(answer());
      return {
        deltas: (async function* () {
          yield text;
        })(),
        done,
      };
    },
  };
}

describe('live aggregation in the evaluation', () => {
  let peer: OpenAiPeer;
  beforeAll(async () => {
    peer = await startOpenAiPeer();
  });
  afterAll(async () => {
    await peer.close();
  });

  it('scores the synthesis, adds its cost, and shows it every candidate', async () => {
    const seen: string[][] = [];
    const r = await withLiveAggregation(
      routedTo(['cheap', 'strong']),
      { kind: 'synthesize', caller: writes('Four. The answer is (B).', seen), expertId: 'synth' },
      prices,
    ).run(example);
    expect(r).toMatchObject({ correct: true, answer: 'B', called: ['cheap', 'strong'] });
    expect(r.costUsd).toBeCloseTo(costOf(['cheap', 'strong']) + 0.01, 12);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.join('\n')).toContain('Surely three');
    expect(seen[0]!.join('\n')).toContain('make four');
  });

  it('leaves a route with a single answer as it was: nothing to combine', async () => {
    const seen: string[][] = [];
    const r = await withLiveAggregation(
      routedTo(['strong']),
      { kind: 'synthesize', caller: writes('The answer is (A).', seen), expertId: 'synth' },
      prices,
    ).run(example);
    expect(r).toMatchObject({ correct: false, answer: 'A', costUsd: costOf(['strong']) });
    expect(seen).toHaveLength(0);
  });

  it('judges through a real OpenAI-protocol endpoint, priced per token', async () => {
    const judge = liveCaller({ url: peer.url, model: 'say:Ranking: 2 > 1', inputPricePerMTok: 1, outputPricePerMTok: 4 });
    const r = await withLiveAggregation(routedTo(['cheap', 'strong']), { kind: 'judge', caller: judge, expertId: LIVE_EXPERT_ID }, prices).run(example);
    expect(r).toMatchObject({ correct: true, answer: 'B' });
    const judgeCost = r.costUsd - costOf(['cheap', 'strong']);
    // The reply alone ("Ranking: 2 > 1", 4 tokens at $4/M) costs 16e-6; the prompt adds to it.
    expect(judgeCost).toBeGreaterThan((4 * 4) / 1e6);
    expect(peer.stats.byModel['say:Ranking: 2 > 1']).toBe(1);
  });

  it('says which endpoint failed when the judge cannot be reached', async () => {
    const judge = liveCaller({ url: peer.url, model: 'status-401', inputPricePerMTok: 0, outputPricePerMTok: 0 });
    await expect(
      withLiveAggregation(routedTo(['cheap', 'strong']), { kind: 'judge', caller: judge, expertId: LIVE_EXPERT_ID }, prices).run(example),
    ).rejects.toThrow(/live-aggregator.*401/);
  });
});
