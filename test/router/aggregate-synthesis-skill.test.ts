import { describe, expect, it } from 'vitest';
import { extractChoice } from '../../router/answers/extract';
import {
  bestSynthesizer,
  measureOfflineSynthesisSkill,
  parseSynthesisSkill,
  sampleSynthesisTasks,
  type RecordedQuestion,
} from '../../router/aggregate/synthesis-skill';
import { measureLiveSynthesisSkill } from '../../router/aggregate/synthesis-skill-live';
import type { ExpertCaller, ExpertProfile } from '../../router/types';
import { DEFAULT_DATA, loadExamples, loadModels } from '../../scripts/lib/dataset';

const models = loadModels().map((m) => m.name);
const questions = loadExamples(DEFAULT_DATA).slice(0, 300);

describe('candidate sets', () => {
  const tasks = sampleSynthesisTasks(questions, { models, setsPerQuestion: 2, seed: 7 });

  it('hold one correct and two wrong stated answers from three different models', () => {
    expect(tasks.length).toBeGreaterThan(300);
    for (const t of tasks) {
      expect(t.candidates.map((c) => c.letter === t.answer)).toContain(true);
      expect(t.candidates.filter((c) => c.letter === t.answer)).toHaveLength(1);
      expect(new Set(t.candidates.map((c) => c.model)).size).toBe(3);
      // The letter is the one the shown text states (not a recorded random guess).
      for (const c of t.candidates) expect(extractChoice(c.text)).toBe(c.letter);
    }
  });

  it('are reproducible by seed and put the correct one in every position', () => {
    expect(sampleSynthesisTasks(questions, { models, setsPerQuestion: 2, seed: 7 })).toEqual(tasks);
    expect(sampleSynthesisTasks(questions, { models, setsPerQuestion: 2, seed: 8 })).not.toEqual(tasks);
    const positions = new Set(tasks.map((t) => t.candidates.findIndex((c) => c.letter === t.answer)));
    expect(positions).toEqual(new Set([0, 1, 2]));
  });
});

describe('offline synthesis skill', () => {
  const reply = (letter: string) => ({ text: `The answer is (${letter}).` });
  const q: RecordedQuestion = {
    id: 'q1',
    prompt: 'Question?',
    answer: 'A',
    outcomes: { r: reply('A'), w1: reply('B'), w2: reply('C'), solver: reply('A'), follower: reply('B'), outsider: reply('D'), silent: { text: 'no idea' } },
  };
  const tasks = sampleSynthesisTasks([q], { models: ['r', 'w1', 'w2'], setsPerQuestion: 1 });

  it('credits the right pick 1, a wrong candidate 0, an answer outside the set 1/3, and never rates a candidate’s author', () => {
    const skill = measureOfflineSynthesisSkill([q], tasks, ['follower', 'outsider', 'solver', 'silent', 'r']);
    expect(skill.map((e) => [e.model, e.skill, e.tasks])).toEqual([
      ['solver', 1, 1],
      ['outsider', 1 / 3, 1],
      ['silent', 1 / 3, 1],
      ['follower', 0, 1],
      ['r', 0, 0],
    ]);
  });
});

describe('the ranking artifact', () => {
  const profile = (id: string, model: string): ExpertProfile => ({
    id,
    provider: 'openai',
    model,
    endpointUrl: null,
    apiKeySecret: null,
    inputPricePerMTok: 0,
    outputPricePerMTok: 0,
    skills: [],
    tags: [],
    enabled: true,
  });

  it('is parsed best first and matched to experts by name or hosted model id', () => {
    const ranking = parseSynthesisSkill({
      method: 'offline-proxy',
      ranking: [
        { model: 'small', skill: 0.4, tasks: 9 },
        { model: 'gemini-1.5-pro-002', modelId: 'google/gemini-1.5-pro-002', skill: 0.78, tasks: 9 },
      ],
      seed: 1,
    })!;
    expect(ranking.ranking.map((e) => e.model)).toEqual(['gemini-1.5-pro-002', 'small']);
    expect(bestSynthesizer(ranking, [profile('cheap', 'small'), profile('gem', 'google/gemini-1.5-pro-002')])).toBe('gem');
    expect(bestSynthesizer(ranking, [profile('small', 'x')])).toBe('small');
    expect(bestSynthesizer(ranking, [profile('other', 'y')])).toBeNull();
  });

  it('is null when malformed, so aggregators fall back to the routing rank', () => {
    expect(parseSynthesisSkill({ method: 'guess', ranking: [] })).toBeNull();
    expect(parseSynthesisSkill(undefined)).toBeNull();
  });
});

describe('live synthesis skill', () => {
  const tasks = sampleSynthesisTasks(questions.slice(0, 40), { models, seed: 3 });

  /** An aggregator that always sides with candidate [1], streaming its verdict. */
  const caller: ExpertCaller = {
    complete: () => Promise.reject(new Error('synthesis streams')),
    stream(expertId, messages, opts) {
      const text = expertId === 'down' ? null : `The answer is (${extractChoice(/\[1\] ([\s\S]*?)\n\n\[2\]/.exec(messages[0]!.content)![1]!)}).`;
      expect(opts.role).toBe('aggregator');
      const done =
        text === null
          ? Promise.reject(new Error('HTTP 503'))
          : Promise.resolve({ expertId, text, usage: { promptTokens: 1, completionTokens: 1 }, costUsd: 0, latencyMs: 0 });
      done.catch(() => undefined);
      return {
        done,
        deltas: (async function* () {
          if (text === null) throw new Error('HTTP 503');
          yield text;
        })(),
      };
    },
  };

  it('scores each aggregator by the letter its synthesis commits to; failures count as wrong', async () => {
    const [first, down] = await measureLiveSynthesisSkill(caller, ['first', 'down'], tasks, { concurrency: 3 });
    const expected = tasks.filter((t) => t.candidates[0]!.letter === t.answer).length / tasks.length;
    expect(first).toEqual({ model: 'first', skill: expected, tasks: tasks.length, failures: 0 });
    expect(expected).toBeGreaterThan(0.1);
    expect(expected).toBeLessThan(0.6);
    expect(down).toEqual({ model: 'down', skill: 0, tasks: tasks.length, failures: tasks.length });
  });
});
