import { describe, expect, it } from 'vitest';
import { armEstimate, banditFromArtifact, banditToArtifact, banditUpdate, emptyBandit } from '../../router/bandit/linucb';
import { warmStartBandit } from '../../router/bandit/warm-start';
import { createBanditStrategy } from '../../router/bandit/strategy';
import { labelMatrix } from '../../router/learned/labels';
import type { PromptFeatures } from '../../router/features/featurizer';
import { seededRandom } from '../../router/features/random';
import { artifactSet, devSlice, replayExperts, trainSmall } from './fixtures';

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
};
const features = (dense: Float32Array): PromptFeatures => ({ sparse: { idx: new Int32Array(0), val: new Float32Array(0) }, dense, promptTokens: 1 });

describe('LinUCB', () => {
  it('updates purely: the old state is untouched, only the rewarded arm changes', () => {
    const s0 = emptyBandit(3, 0.5, ['a', 'b']);
    const s1 = banditUpdate(s0, [1, 0, 1], 'a', 1);
    expect(s0.arms.get('a')!.n).toBe(0);
    expect(s1.arms.get('a')!.n).toBe(1);
    expect(s1.arms.get('b')).toBe(s0.arms.get('b'));
  });

  it('learns which arm pays on which context and narrows its confidence', () => {
    let s = emptyBandit(3, 0.5, ['math', 'law']);
    const mathCtx = [1, 0, 1];
    const lawCtx = [0, 1, 1];
    for (let i = 0; i < 30; i++) {
      s = banditUpdate(s, mathCtx, 'math', 1);
      s = banditUpdate(s, lawCtx, 'math', 0);
      s = banditUpdate(s, mathCtx, 'law', 0);
      s = banditUpdate(s, lawCtx, 'law', 1);
    }
    expect(armEstimate(s.arms.get('math')!, mathCtx).mean).toBeGreaterThan(0.9);
    expect(armEstimate(s.arms.get('math')!, lawCtx).mean).toBeLessThan(0.1);
    expect(armEstimate(s.arms.get('law')!, lawCtx).width).toBeLessThan(armEstimate(emptyBandit(3, 0.5, ['x']).arms.get('x')!, lawCtx).width / 3);
  });

  it('warm-starts to the state sequential updates reach, and survives its artifact', () => {
    const rand = seededRandom(3);
    const dense = Array.from({ length: 40 }, () => unit([rand() - 0.5, rand() - 0.5, rand() - 0.5]));
    const labels = labelMatrix(
      ['a'],
      dense.map((d) => ({ a: { correct: d[0]! > 0 } })),
    );
    const warm = banditFromArtifact(JSON.parse(JSON.stringify(banditToArtifact(warmStartBandit(dense.map(features), labels, 0.4)))));
    let seq = emptyBandit(4, 0.4, ['a']);
    dense.forEach((d) => (seq = banditUpdate(seq, [...d, 1], 'a', d[0]! > 0 ? 1 : 0)));
    const x = [0.3, -0.2, 0.9, 1];
    expect(armEstimate(warm.arms.get('a')!, x).mean).toBeCloseTo(armEstimate(seq.arms.get('a')!, x).mean, 4);
    expect(armEstimate(warm.arms.get('a')!, x).width).toBeCloseTo(armEstimate(seq.arms.get('a')!, x).width, 4);
  });
});

describe('bandit strategy', () => {
  it('routes by UCB minus cost and explores an expert it has never seen', async () => {
    const artifacts = artifactSet(trainSmall(devSlice(0, 600)));
    const experts = replayExperts();
    const newcomer = { ...experts[0]!, id: 'brand-new', inputPricePerMTok: 0.1, outputPricePerMTok: 0.1 };
    const prompt = devSlice(700, 701)[0]!.prompt;
    const d = await createBanditStrategy(artifacts).decide({ prompt, messages: [] }, [...experts, newcomer], {
      name: 't',
      strategy: 'bandit',
      aggregate: 'first',
      lambda: 0.02,
    });
    expect(d.ranked).toHaveLength(experts.length + 1);
    const fresh = d.ranked.find((c) => c.expertId === 'brand-new')!;
    expect(fresh.detail!['pulls']).toBe(0);
    expect(Number(fresh.detail!['width'])).toBeGreaterThan(
      Math.max(...d.ranked.filter((c) => c.expertId !== 'brand-new').map((c) => Number(c.detail!['width']))),
    );
    expect(d.stages[0]).toHaveLength(1);
  });
});
