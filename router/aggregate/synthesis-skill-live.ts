import type { ExpertCaller } from '../types';
import { extractChoice } from '../answers/extract';
import { streamSynthesis } from './synthesize';
import { sortBySkill, type SynthesisSkillEntry, type SynthesisTask } from './synthesis-skill';

export interface LiveSkillOptions {
  /** Synthesis calls in flight at once, per aggregator. */
  concurrency?: number;
  signal?: AbortSignal;
}

/**
 * Synthesis skill measured for real (Symbolic-MoE's recipe): each aggregator expert synthesizes
 * every task's three candidates with the production prompt, and is right when the letter its
 * synthesis commits to is the correct one. A failed call counts as wrong and is counted apart.
 */
export async function measureLiveSynthesisSkill(
  caller: ExpertCaller,
  aggregatorIds: readonly string[],
  tasks: readonly SynthesisTask[],
  opts: LiveSkillOptions = {},
): Promise<SynthesisSkillEntry[]> {
  const entries: SynthesisSkillEntry[] = [];
  for (const expertId of aggregatorIds) {
    const eligible = tasks.filter((t) => !t.candidates.some((c) => c.model === expertId));
    let right = 0;
    let failures = 0;
    await forEachLimited(eligible, opts.concurrency ?? 4, async (task) => {
      try {
        const synthesis = await streamSynthesis(
          {
            caller,
            expertId,
            messages: [{ role: 'user', content: task.prompt }],
            candidates: task.candidates.map((c) => c.text),
            stage: 0,
            ...(opts.signal ? { signal: opts.signal } : {}),
          },
          () => undefined,
        );
        if (extractChoice(synthesis.text) === task.answer) right++;
      } catch {
        failures++;
      }
    });
    entries.push({ model: expertId, skill: eligible.length ? right / eligible.length : 0, tasks: eligible.length, failures });
  }
  return sortBySkill(entries);
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}
