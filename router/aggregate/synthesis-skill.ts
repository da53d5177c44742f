import { z } from 'zod';
import { hashString, seededRandom, shuffled } from '../features/random';
import type { ExpertProfile } from '../types';
import { extractChoice } from '../answers/extract';

// Synthesis skill (Symbolic-MoE, Chen et al., 2025): how often a model, given one correct and two
// wrong candidate answers, ends up with the correct one. The best-ranked eligible model is the
// aggregator when a policy names none.
//
// Offline proxy, on recorded outputs only: we cannot replay what a model would write when shown
// the candidates, so a model "picks" the candidate its own recorded answer agrees with; if its
// answer matches none of the three it is credited 1/3 (a blind pick). The model is never one of
// the candidates' authors. This measures independent problem solving on questions where the
// experts disagree, not resistance to persuasion; `measureLiveSynthesisSkill` measures the real
// thing through an expert caller (synthesis-skill-live.ts). Answers are the letters extracted
// from the recorded texts, not the recorded `pred`: for replies that state no letter MMLU-Pro
// recorded a random guess, which would credit luck and put answers in candidates' mouths that
// their text never gives.

export const SYNTHESIS_SKILL_ARTIFACT = 'synthesis-skill';

export interface SynthesisSkillEntry {
  /** The model's name in the recorded data (an expert's id or `model` for replay experts). */
  model: string;
  /** The hosted model id, so experts on real providers match too. */
  modelId?: string;
  /** Fraction of 1-correct + 2-wrong candidate sets where it picked the correct one. */
  skill: number;
  tasks: number;
  /** Live measurement only: calls that failed (counted as wrong). */
  failures?: number;
}

export interface SynthesisSkillRanking {
  method: 'offline-proxy' | 'live';
  /** Best first. */
  ranking: SynthesisSkillEntry[];
}

const rankingSchema = z.object({
  method: z.enum(['offline-proxy', 'live']),
  ranking: z.array(z.object({ model: z.string(), modelId: z.string().optional(), skill: z.number(), tasks: z.number(), failures: z.number().optional() })),
});

/** The artifact's data, or null when it is absent or malformed (aggregators then fall back to the routing rank). */
export function parseSynthesisSkill(data: unknown): SynthesisSkillRanking | null {
  const parsed = rankingSchema.safeParse(data);
  return parsed.success ? { method: parsed.data.method, ranking: sortBySkill(parsed.data.ranking) } : null;
}

export function sortBySkill(entries: readonly SynthesisSkillEntry[]): SynthesisSkillEntry[] {
  return [...entries].sort((a, b) => b.skill - a.skill || a.model.localeCompare(b.model));
}

/** The most skilled eligible expert, matched by id, model name or hosted model id. */
export function bestSynthesizer(ranking: SynthesisSkillRanking, experts: readonly ExpertProfile[]): string | null {
  for (const entry of ranking.ranking) {
    const names = new Set([entry.model, entry.modelId].filter((n): n is string => n !== undefined));
    const match = experts.find((e) => names.has(e.id) || names.has(e.model));
    if (match) return match.id;
  }
  return null;
}

/** The recorded data a measurement needs (a structural subset of scripts/lib/dataset's RoutingExample). */
export interface RecordedQuestion {
  id: string;
  prompt: string;
  answer: string;
  outcomes: Record<string, { text: string }>;
}

export interface SynthesisCandidate {
  model: string;
  /** The letter its text states. */
  letter: string;
  text: string;
}

/** One correct and two wrong recorded answers to a question, in random order. */
export interface SynthesisTask {
  questionId: string;
  prompt: string;
  answer: string;
  candidates: SynthesisCandidate[];
}

export interface TaskSampling {
  /** Models whose recorded answers may be candidates. */
  models: readonly string[];
  setsPerQuestion?: number;
  seed?: number;
}

/** Candidate sets for every question with at least one correct and two wrong stated answers; reproducible. */
export function sampleSynthesisTasks(questions: readonly RecordedQuestion[], opts: TaskSampling): SynthesisTask[] {
  const tasks: SynthesisTask[] = [];
  for (const q of questions) {
    const stated = opts.models.flatMap((model) => {
      const o = q.outcomes[model];
      const letter = o ? extractChoice(o.text) : null;
      return o && letter !== null ? [{ model, letter, text: o.text }] : [];
    });
    const right = stated.filter((c) => c.letter === q.answer);
    const wrong = stated.filter((c) => c.letter !== q.answer);
    if (right.length === 0 || wrong.length < 2) continue;
    const rand = seededRandom(hashString(q.id) ^ (opts.seed ?? 1));
    for (let s = 0; s < (opts.setsPerQuestion ?? 1); s++) {
      const picked = [right[Math.floor(rand() * right.length)]!, ...shuffled(wrong, rand).slice(0, 2)];
      tasks.push({ questionId: q.id, prompt: q.prompt, answer: q.answer, candidates: shuffled(picked, rand) });
    }
  }
  return tasks;
}

/** The offline proxy described above, for each of `aggregators` (model names in the data), best first. */
export function measureOfflineSynthesisSkill(
  questions: readonly RecordedQuestion[],
  tasks: readonly SynthesisTask[],
  aggregators: readonly string[],
): SynthesisSkillEntry[] {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const entries = aggregators.map((model) => {
    let credit = 0;
    let count = 0;
    for (const task of tasks) {
      if (task.candidates.some((c) => c.model === model)) continue;
      const own = byId.get(task.questionId)?.outcomes[model];
      if (!own) continue;
      count++;
      const letter = extractChoice(own.text);
      if (letter === task.answer) credit += 1;
      else if (!task.candidates.some((c) => c.letter === letter)) credit += 1 / 3;
    }
    return { model, skill: count ? credit / count : 0, tasks: count };
  });
  return sortBySkill(entries);
}
