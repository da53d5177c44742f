import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { answerReader } from '../../router/answers/read';
import { EXPERT_STATS_ARTIFACT, expertStatsSchema } from '../../router/learned/expert-stats';
import { LEARNABLE_ARTIFACTS } from '../../router/online/learn';
import { createDb } from '../../worker/db/client';
import { latestArtifactHeaders, latestArtifacts } from '../../worker/db/artifacts';
import { insertRouteRecords } from '../../worker/db/history-write';
import type { CallRecord } from '../../worker/history/record';
import { learnFromFeedback } from '../../worker/learning/learn';
import { learnFromConsensus } from '../../worker/learning/unrated';
import { runScheduled } from '../../worker/scheduled';
import { checkedD1 } from './d1-limits';
import { call, chat, routeRecord, seedArtifacts, seedReplayExperts } from './helpers';

// The cron learns without labels from unrated routes that called several experts: their
// consensus pseudo-labels each expert (router/unsupervised/route-labels.ts) and the same online
// update as feedback absorbs them, after its own watermark.

const VOTERS = ['gemini-1.5-flash-002', 'Meta-Llama-3_1-70B-Instruct', 'Qwen1.5-72B-Chat'];
const LONE = 'Mistral-7B-Instruct-v0.2';
/** When the cron runs in these tests: past the hour raters are given. */
const later = () => Date.now() + 2 * 3_600_000;

async function routed(prompt: string, routing: Record<string, unknown>): Promise<string> {
  const res = await chat({ model: 'auto', messages: [{ role: 'user', content: prompt }], routing });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.headers.get('x-route-id')!;
}

async function rate(routeId: string): Promise<void> {
  expect((await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score: 1 } })).status).toBe(201);
}

async function expertStats(): Promise<Map<string, { accuracy: number; answered: number }>> {
  const [stored] = await latestArtifacts(createDb(env.DB), [EXPERT_STATS_ARTIFACT]);
  return new Map(expertStatsSchema.parse(stored!.data).experts.map((s) => [s.id, s]));
}

/** Each voter's answer as the route's calls recorded it, read as the prompt says. */
async function answersOf(routeId: string, prompt: string): Promise<Map<string, string | null>> {
  const rows = await env.DB.prepare("select expert_id, response from route_calls where route_id = ? and role = 'expert' and status = 'ok'")
    .bind(routeId)
    .all<{ expert_id: string; response: string }>();
  const read = answerReader(prompt);
  return new Map(rows.results.map((r) => [r.expert_id, read(r.response)]));
}

/** The answer two voters or more share: with three voters, the only one a consensus can label by. */
function sharedAnswer(answers: ReadonlyMap<string, string | null>): string | null {
  const counts = new Map<string, number>();
  for (const a of answers.values()) if (a !== null) counts.set(a, (counts.get(a) ?? 0) + 1);
  const [top] = [...counts].sort((a, b) => b[1] - a[1]);
  return top && top[1] >= 2 ? top[0] : null;
}

describe('cron learning on unrated routes', () => {
  it('learns the routes that called several experts from their consensus, once, leaving rated and single-expert routes alone', async () => {
    await seedArtifacts();
    await seedReplayExperts();
    const questions = env.TEST_QUESTIONS.slice(0, 9);
    const vote = { strategy: 'fixed', experts: VOTERS, aggregate: 'vote' };
    const voted: { id: string; prompt: string }[] = [];
    for (const q of questions.slice(0, 8)) voted.push({ id: await routed(q.prompt, vote), prompt: q.prompt });
    await routed(questions[0]!.prompt, { strategy: 'fixed', experts: [LONE], aggregate: 'first' });
    const rated = await routed(questions[8]!.prompt, vote);
    await rate(rated);

    // Within the hour raters are given, only the rating is learned.
    const now = await runScheduled(env);
    expect(now.learned).toMatchObject({ feedback: 1 });
    expect(now.consensus).toMatchObject({ routes: 0, saved: [], skipped: 'no new unrated routes' });

    const before = await expertStats();
    const report = await runScheduled(env, later());
    expect(report.learned).toMatchObject({ feedback: 0 });
    // What the consensus says of each voter: of the routes it labels, on how many the voter gave its answer.
    const expected = new Map(VOTERS.map((id) => [id, { n: 0, agreed: 0 }]));
    const labelled: string[] = [];
    for (const r of voted) {
      const answers = await answersOf(r.id, r.prompt);
      const shared = sharedAnswer(answers);
      if (shared === null) continue;
      labelled.push(r.id);
      for (const [id, a] of answers) {
        expected.get(id)!.n++;
        if (a === shared) expected.get(id)!.agreed++;
      }
    }
    expect(labelled.length).toBeGreaterThanOrEqual(4);
    expect(VOTERS.some((id) => expected.get(id)!.agreed < expected.get(id)!.n)).toBe(true);
    // Every route of the page is read (the rated and the single-expert one too); the voted ones with a shared answer teach.
    expect(report.consensus).toMatchObject({ routes: 10, examples: labelled.length });
    expect(report.consensus!.saved.map((s) => s.split('@')[0]).sort()).toEqual([...LEARNABLE_ARTIFACTS].sort());

    const after = await expertStats();
    for (const [id, { n, agreed }] of expected) {
      const b = before.get(id)!;
      expect(after.get(id)!.answered).toBe(b.answered + n);
      // The running accuracy rises exactly when the voter agreed with the consensus more often than it was right before.
      expect(after.get(id)!.accuracy > b.accuracy, id).toBe(agreed > b.accuracy * n);
    }
    expect(after.get(LONE)!.answered).toBe(before.get(LONE)!.answered);

    const lastCall = await env.DB.prepare('select max(id) as id from route_calls').first<{ id: number }>();
    const headers = await latestArtifactHeaders(createDb(env.DB), LEARNABLE_ARTIFACTS);
    for (const h of headers) expect(h.consensusThrough, h.name).toBe(lastCall!.id);
    const marked = await env.DB.prepare('select route_id from consensus_learned').all<{ route_id: string }>();
    expect(marked.results.map((r) => r.route_id).sort()).toEqual([...labelled].sort());

    // A second run finds nothing new.
    expect((await runScheduled(env, later())).consensus).toMatchObject({ routes: 0, saved: [], skipped: 'no new unrated routes' });
    expect(await expertStats()).toEqual(after);
    // A route learned by consensus and rated afterwards has counted once already.
    await rate(labelled[0]!);
    expect(await learnFromFeedback(env.DB)).toMatchObject({ feedback: 0, saved: [], skipped: 'no new feedback' });
    expect(await expertStats()).toEqual(after);
  });

  it('reads and marks more routes than D1 binds parameters, within its limits', async () => {
    await seedArtifacts();
    const questions = env.TEST_QUESTIONS;
    const createdAt = Date.now();
    const say = (expertId: string, letter: string): CallRecord => ({
      expertId,
      role: 'expert',
      stage: 0,
      status: 'ok',
      startedAt: createdAt,
      latencyMs: 1,
      usage: { promptTokens: 10, completionTokens: 5 },
      costUsd: 0.0001,
      attempts: 1,
      text: `So the answer is (${letter}).`,
      error: null,
    });
    const [a, b, c] = VOTERS as [string, string, string];
    const records = Array.from({ length: 120 }, (_, i) => {
      const prompt = questions[i % questions.length]!.prompt;
      return routeRecord({ id: `unrated-${i}`, createdAt: createdAt + i, prompt, calls: [say(a, 'B'), say(b, 'B'), say(c, 'D')] });
    });
    for (let i = 0; i < records.length; i += 20) await insertRouteRecords(createDb(env.DB), records.slice(i, i + 20));
    const before = await expertStats();
    const checked = checkedD1(env.DB);
    const report = await learnFromConsensus(checked.db, later());
    expect(report).toMatchObject({ routes: 120, examples: 120 });
    expect(checked.maxParams).toBeLessThanOrEqual(100);
    const marked = await env.DB.prepare('select count(*) as n from consensus_learned').first<{ n: number }>();
    expect(marked!.n).toBe(120);
    const after = await expertStats();
    // Two experts agreed on every route: they gain; the third never did.
    for (const id of VOTERS) expect(after.get(id)!.answered).toBe(before.get(id)!.answered + 120);
    expect(after.get(a)!.accuracy).toBeGreaterThan(before.get(a)!.accuracy);
    expect(after.get(c)!.accuracy).toBeLessThan(before.get(c)!.accuracy);
  });
});
