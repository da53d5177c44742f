import { beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactSet } from '../../router/artifacts';
import { callCostUsd, estimateCostUsd, tokensOf } from '../../router/cost';
import { labelMatrix } from '../../router/learned/labels';
import { startRoute } from '../../router/pipeline';
import type { KeywordLexicon } from '../../router/skill/keywords';
import { LlmSkillExtractor, parseKeywords } from '../../router/skill/llm-extractor';
import { SKILL_ARTIFACT, SkillProfiles, trainSkillProfiles } from '../../router/skill/profiles';
import { createSkillStrategy } from '../../router/skill/strategy';
import { replayExpertProfile } from '../../router/data-format';
import type { CallOptions, ChatMessage, ExpertAnswer, ExpertCaller, ExpertProfile } from '../../router/types';
import { artifactSet, devSlice, replayExperts, trainSmall } from './fixtures';

describe('skill profiles (Symbolic-MoE)', () => {
  // Three questions, two keywords: 0 = algebra, 1 = contract law.
  const labels = labelMatrix(
    ['m', 'l'],
    [
      { m: { correct: true }, l: { correct: false } }, // algebra
      { m: { correct: true }, l: { correct: false } }, // algebra
      { m: { correct: false }, l: { correct: true } }, // contract law
    ],
  );
  const profiles = trainSkillProfiles([[0], [0], [1]], labels, ['algebra', 'contract law']);

  it('counts correct minus wrong per keyword', () => {
    expect(profiles.suitability('m', [0])).toBe(2);
    expect(profiles.suitability('l', [0])).toBe(-2);
    expect(profiles.suitability('m', [1])).toBe(-1);
    expect(profiles.suitability('l', [0, 1])).toBe(-1);
  });

  it('derives a normalised global competence favouring the stronger expert', () => {
    expect(profiles.competence[0]! + profiles.competence[1]!).toBeCloseTo(1, 9);
    expect(profiles.globalCompetence('m')).toBeGreaterThan(profiles.globalCompetence('l'));
  });

  it('survives its artifact', () => {
    const back = SkillProfiles.fromArtifact(JSON.parse(JSON.stringify(profiles.toArtifact())));
    expect(back.suitability('m', [0, 1])).toBe(1);
  });
});

describe('LLM skill extractor', () => {
  const lexicon: KeywordLexicon = { keywords: ['organic chemistry', 'probability', 'contract law'], byTerm: new Int32Array(0) };
  const replies = ['Organic chemistry, stereochemistry', '1. organic chemistry\n2. reaction kinetics', 'stereochemistry; probabilities'];
  const caller = (texts: string[]): ExpertCaller => {
    let i = 0;
    const answer = (expertId: string): ExpertAnswer => ({
      expertId,
      text: texts[i++ % texts.length]!,
      usage: { promptTokens: 1, completionTokens: 1 },
      costUsd: 0,
      latencyMs: 0,
    });
    return {
      complete: async (id) => answer(id),
      stream: () => {
        throw new Error('not used');
      },
    };
  };

  it('parses comma, line and numbered lists', () => {
    expect(parseKeywords('1. Organic Chemistry\n- probability, "contract law"')).toEqual(['organic chemistry', 'probability', 'contract law']);
  });

  it('keeps keywords named in two samples and maps new ones to the nearest known keyword', async () => {
    const out = await new LlmSkillExtractor(lexicon).extract(caller(replies), 'x', 'q');
    expect(out.named.sort()).toEqual(['organic chemistry', 'stereochemistry']);
    // "stereochemistry" is new: its nearest known keyword by character trigrams is "organic chemistry".
    expect(out.keywords).toEqual([0]);
  });
});

describe('skill strategy', () => {
  const experts = replayExperts();
  let artifacts: ArtifactSet;
  beforeAll(() => {
    artifacts = artifactSet(trainSmall(devSlice(0, 1200)));
  });
  const prompt = devSlice(1300, 1301)[0]!.prompt;
  const req = { prompt, messages: [{ role: 'user' as const, content: prompt }] };

  it('recruits k experts by suitability × competence from local keywords', async () => {
    const d = await createSkillStrategy(artifacts).decide(req, experts, { name: 't', strategy: 'skill', aggregate: 'vote', k: 3 });
    expect(d.stages[0]).toHaveLength(3);
    expect((d.info!['skills'] as string[]).length).toBeGreaterThan(0);
    expect(d.stages[0]!.map((c) => c.expertId)).toEqual(d.ranked.slice(0, 3).map((c) => c.expertId));
    expect(artifacts.get(SKILL_ARTIFACT)).toBeDefined();
  });

  it('uses the LLM extractor through the caller, falling back to local keywords when it fails', async () => {
    const failing: ExpertCaller = {
      complete: async () => {
        throw new Error('down');
      },
      stream: () => {
        throw new Error('not used');
      },
    };
    const d = await createSkillStrategy(artifacts, { caller: failing }).decide(req, experts, {
      name: 't',
      strategy: 'skill',
      aggregate: 'vote',
      extractor: 'llm',
    });
    expect(d.info!['extractor']).toBe('llm-failed→local');
    expect(d.stages[0]!.length).toBeGreaterThan(0);
  });

  it('samples reproducibly per prompt when asked', async () => {
    const policy = { name: 't', strategy: 'skill' as const, aggregate: 'vote' as const, k: 3, sample: true };
    const s = createSkillStrategy(artifacts);
    const a = await s.decide(req, experts, policy);
    const b = await s.decide(req, experts, policy);
    expect(a.stages[0]!.map((c) => c.expertId)).toEqual(b.stages[0]!.map((c) => c.expertId));
  });

  // A deployment's own experts, none of them in the profiles (or profiles with no outcomes yet):
  // every expert has the same (unknown) competence, listed dearest first and named so that
  // alphabetical order would also put the dearest first.
  const fresh: ExpertProfile[] = [
    replayExpertProfile({ name: 'a-frontier', inputPricePerMTok: 15, outputPricePerMTok: 75 }),
    replayExpertProfile({ name: 'b-mid', inputPricePerMTok: 3, outputPricePerMTok: 15 }),
    replayExpertProfile({ name: 'c-small', inputPricePerMTok: 0.1, outputPricePerMTok: 0.4 }),
  ];
  const unprofiled = (): ArtifactSet => {
    const empty = new SkillProfiles(
      fresh.map((e) => e.id),
      ['algebra'],
      new Int16Array(fresh.length),
    );
    return new Map([...artifacts, [SKILL_ARTIFACT, { ...artifacts.get(SKILL_ARTIFACT)!, data: empty.toArtifact() }]]);
  };

  it.each([
    ['experts the profiles never saw', () => artifacts],
    ['profiles that hold no outcomes yet', unprofiled],
  ])('with no competence data (%s), equal evidence ranks the cheaper expert first', async (_, set) => {
    const d = await createSkillStrategy(set()).decide(req, fresh, { name: 't', strategy: 'skill', aggregate: 'vote', k: 1 });
    expect(new Set(d.ranked.map((c) => c.score)).size).toBe(1);
    expect(d.ranked.map((c) => c.expertId)).toEqual(['c-small', 'b-mid', 'a-frontier']);
    expect(d.stages[0]!.map((c) => c.expertId)).toEqual(['c-small']);
  });

  it('still ranks by evidence, not price, where the profiles know the experts', async () => {
    const free = replayExpertProfile({ name: 'zz-free', inputPricePerMTok: 0, outputPricePerMTok: 0 });
    const d = await createSkillStrategy(artifacts).decide(req, [...experts, free], { name: 't', strategy: 'skill', aggregate: 'vote', k: 3 });
    const scores = d.ranked.map((c) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(d.stages[0]!.map((c) => c.expertId)).not.toContain('zz-free');
  });

  it('recruits within what the LLM extractor left of max_cost_usd, so the route still answers', async () => {
    // The strategy's favourite is dear, the other expert cheap; the favourite fits the cap on its
    // own, not after the extractor's calls (made at its prices), which left room for the cheap one.
    const policy = { name: 't', strategy: 'skill' as const, extractor: 'llm' as const, aggregate: 'first' as const, k: 1 };
    const local = await createSkillStrategy(artifacts).decide(req, experts, { ...policy, extractor: 'local' });
    const [top, low] = [local.ranked[0]!.expertId, local.ranked.at(-1)!.expertId];
    const byId = new Map(experts.map((e) => [e.id, e]));
    const pool = [
      { ...byId.get(top)!, inputPricePerMTok: 1, outputPricePerMTok: 10 },
      { ...byId.get(low)!, inputPricePerMTok: 0.01, outputPricePerMTok: 0.01 },
    ];
    const asked: { expertId: string; role: string | undefined }[] = [];
    // Extraction replies name nothing (the local keywords rank); every call costs what it was allowed.
    const complete = async (expertId: string, messages: readonly ChatMessage[], opts: CallOptions): Promise<ExpertAnswer> => {
      asked.push({ expertId, role: opts.role });
      const usage = { promptTokens: messages.reduce((n, m) => n + tokensOf(m.content), 0), completionTokens: opts.maxTokens ?? 300 };
      const text = opts.role === 'extractor' ? '' : 'A';
      return { expertId, text, usage, costUsd: callCostUsd(pool.find((e) => e.id === expertId)!, usage), latencyMs: 0 };
    };
    const caller: ExpertCaller = {
      complete,
      stream: () => {
        throw new Error('not used');
      },
    };
    const strategies = new Map([['skill', createSkillStrategy(artifacts, { extractorExpertId: top })]]);
    const cap = estimateCostUsd(pool[0]!, tokensOf(prompt)) * 1.05;
    const run = await startRoute(req, { ...policy, max_cost_usd: cap }, { experts: pool, strategies, aggregators: new Map(), caller });
    const outcome = await run.result;
    expect(asked.filter((a) => a.role === 'extractor').length).toBeGreaterThan(0);
    expect(run.decision.stages[0]!.map((c) => c.expertId)).toEqual([low]);
    expect(outcome.answers.map((a) => a.expertId)).toEqual([low]);
  });

  it('asks the cheapest expert for keywords when competence is unknown', async () => {
    const asked: string[] = [];
    const caller: ExpertCaller = {
      complete: async (id) => {
        asked.push(id);
        return { expertId: id, text: 'algebra', usage: { promptTokens: 1, completionTokens: 1 }, costUsd: 0, latencyMs: 0 };
      },
      stream: () => {
        throw new Error('not used');
      },
    };
    const d = await createSkillStrategy(artifacts, { caller }).decide(req, fresh, { name: 't', strategy: 'skill', aggregate: 'vote', extractor: 'llm' });
    expect(d.info!['extractor_expert']).toBe('c-small');
    expect(new Set(asked)).toEqual(new Set(['c-small']));
  });
});
