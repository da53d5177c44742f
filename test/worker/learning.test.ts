import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BANDIT_ARTIFACT } from '../../router/bandit/linucb';
import { CORRECTNESS_ARTIFACT, CorrectnessPredictor } from '../../router/learned/predictor';
import { EXPERT_STATS_ARTIFACT, expertStatsSchema } from '../../router/learned/expert-stats';
import { SKILL_ARTIFACT } from '../../router/skill/profiles';
import { createDb } from '../../worker/db/client';
import { latestArtifacts, pruneArtifactVersions, saveArtifacts } from '../../worker/db/artifacts';
import { splitIntoChunks } from '../../worker/db/artifact-chunks';
import { learnFromFeedback } from '../../worker/learning/learn';
import { runScheduled } from '../../worker/scheduled';
import { call, chat, RECORDED_PROMPT, seedArtifacts, seedReplayExperts } from './helpers';

// Trained artifacts in chunked D1 storage, the presets served from them, and the routers learning
// from feedback: the bandit right after a rating, every learnable artifact in the cron job.

interface Routing {
  policy: string;
  strategy: string;
  winner?: string;
  experts: { id: string; status: string; detail?: Record<string, number> }[];
  calls: { expert: string }[];
}

interface ArtifactRow {
  name: string;
  version: number;
  chunks: number;
  bytes: number;
  feedback_through: number;
}

async function artifactRows(): Promise<Map<string, ArtifactRow>> {
  const res = await call('/admin/api/artifacts', { admin: true });
  expect(res.status).toBe(200);
  return new Map(((await res.json()) as { data: ArtifactRow[] }).data.map((a) => [a.name, a]));
}

async function route(body: Record<string, unknown>): Promise<{ id: string; routing: Routing }> {
  const res = await chat(body);
  expect(res.status, await res.clone().text()).toBe(200);
  return { id: res.headers.get('x-route-id')!, routing: ((await res.json()) as { routing: Routing }).routing };
}

async function rate(routeId: string, score: number): Promise<void> {
  expect((await call('/v1/feedback', { method: 'POST', json: { route_id: routeId, score } })).status).toBe(201);
}

/** How many rewards the bandit has seen for an expert, from a routing preview (no expert called). */
async function banditPulls(expertId: string): Promise<number> {
  const res = await call('/admin/api/policies/preview', {
    method: 'POST',
    admin: true,
    json: { prompt: RECORDED_PROMPT, config: { strategy: 'bandit', aggregate: 'first' } },
  });
  expect(res.status).toBe(200);
  const ranked = ((await res.json()) as { ranked: { expert: string; detail: { pulls: number } }[] }).ranked;
  return ranked.find((c) => c.expert === expertId)!.detail.pulls;
}

/** The bandit routes alone (k 1), so the rated answer is one expert's. */
const BANDIT = { model: 'auto', routing: { strategy: 'bandit', aggregate: 'first', k: 1 } };

describe('router artifacts in D1', () => {
  it('stores every shipped artifact in chunks and reads back exactly what was saved', async () => {
    await seedArtifacts();
    const rows = await artifactRows();
    expect([...rows.keys()].sort()).toEqual(env.TEST_ARTIFACTS.map((a) => a.name).sort());
    const correctness = rows.get(CORRECTNESS_ARTIFACT)!;
    expect(correctness.chunks).toBeGreaterThan(10);
    expect(correctness).toMatchObject({ version: 1, feedback_through: 0 });
    const stored = new Map((await latestArtifacts(createDb(env.DB))).map((a) => [a.name, a.data]));
    for (const a of env.TEST_ARTIFACTS) expect(stored.get(a.name)).toEqual(a.data);
  });

  it('splits text at quoted UTF-8 byte boundaries, never inside a surrogate pair', () => {
    const text = `ab'c${'é'.repeat(5)}😀x`;
    const chunks = splitIntoChunks(text, 8);
    expect(chunks.join('')).toBe(text);
    for (const c of chunks) expect(new TextEncoder().encode(c).byteLength + (c.match(/'/g)?.length ?? 0)).toBeLessThanOrEqual(8);
    expect(chunks.some((c) => c.includes('😀'))).toBe(true);
    expect(() => splitIntoChunks(text, 2)).toThrow(/too small/);
  });

  it('keeps the newest three versions of an artifact', async () => {
    const db = createDb(env.DB);
    for (let v = 0; v < 5; v++) await saveArtifacts(db, [{ name: 'scratch', data: { v }, feedbackThrough: 0, basedOn: v }]);
    expect(await pruneArtifactVersions(db)).toBe(2);
    const left = await env.DB.prepare("select version from router_artifacts where name = 'scratch' order by version").all<{ version: number }>();
    expect(left.results.map((r) => r.version)).toEqual([3, 4, 5]);
    const orphans = await env.DB.prepare("select count(*) as n from router_artifact_chunks where name = 'scratch' and version < 3").first<{ n: number }>();
    expect(orphans!.n).toBe(0);
    expect((await latestArtifacts(db, ['scratch']))[0]!.data).toEqual({ v: 4 });
  });
});

describe('presets served from the seeded artifacts', () => {
  it('routes auto, economy, quality and balanced with their strategies and lists them as models', async () => {
    await seedArtifacts();
    await seedReplayExperts();
    for (const policy of ['auto', 'economy', 'quality', 'balanced']) {
      const { routing } = await route({ model: policy });
      expect(routing.policy).toBe(policy);
      expect(['cascade', 'learned']).toContain(routing.strategy);
      expect(routing.calls.length).toBeGreaterThan(0);
      expect(routing.experts.every((e) => typeof e.detail?.p === 'number')).toBe(true);
    }
    const models = (await (await call('/v1/models')).json()) as { data: { id: string; kind: string }[] };
    for (const policy of ['auto', 'economy', 'quality', 'balanced'])
      expect(models.data).toContainEqual(expect.objectContaining({ id: policy, kind: 'policy' }));
  });

  it('answers a preset with a clear 503 when no artifacts are seeded', async () => {
    await seedReplayExperts();
    const res = await chat({ model: 'economy' });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('strategy_not_trained');
  });
});

describe('learning from feedback', () => {
  it('updates the bandit as soon as a routed answer is rated', async () => {
    await seedArtifacts();
    await seedReplayExperts();
    const first = await route(BANDIT);
    const chosen = first.routing.experts[0]!;
    const pulls = chosen.detail!.pulls!;
    await rate(first.id, 1);
    const rows = await artifactRows();
    expect(rows.get(BANDIT_ARTIFACT)).toMatchObject({ version: 2, feedback_through: 1 });
    // The other artifacts wait for the cron job.
    expect(rows.get(CORRECTNESS_ARTIFACT)).toMatchObject({ version: 1, feedback_through: 0 });
    expect(await banditPulls(chosen.id)).toBe(pulls + 1);
  });

  it('teaches every learnable artifact in the cron job, each rating once', async () => {
    await seedArtifacts();
    await seedReplayExperts();
    const voters = ['gemini-1.5-pro-002', 'gemini-1.5-flash-002', 'Meta-Llama-3_1-70B-Instruct'];
    const voted = await route({ model: 'auto', routing: { strategy: 'fixed', experts: voters, aggregate: 'vote' } });
    await rate(voted.id, 1);
    const report = await runScheduled(env);
    expect(report.learned).toMatchObject({ feedback: 1, examples: 1 });
    expect(report.learned!.saved.sort()).toEqual([`${CORRECTNESS_ARTIFACT}@2`, `${EXPERT_STATS_ARTIFACT}@2`, `${SKILL_ARTIFACT}@2`].sort());
    const rows = await artifactRows();
    for (const name of [BANDIT_ARTIFACT, CORRECTNESS_ARTIFACT, SKILL_ARTIFACT, EXPERT_STATS_ARTIFACT]) expect(rows.get(name)!.feedback_through).toBe(1);

    const stored = new Map((await latestArtifacts(createDb(env.DB))).map((a) => [a.name, a.data]));
    const seeded = new Map(env.TEST_ARTIFACTS.map((a) => [a.name, a.data]));
    const knn = CorrectnessPredictor.fromArtifact(stored.get(CORRECTNESS_ARTIFACT)).knn;
    expect(knn.labels.rows).toBe(CorrectnessPredictor.fromArtifact(seeded.get(CORRECTNESS_ARTIFACT)).knn.labels.rows + 1);
    const answered = (data: unknown) => new Map(expertStatsSchema.parse(data).experts.map((s) => [s.id, s.answered]));
    const before = answered(seeded.get(EXPERT_STATS_ARTIFACT));
    const after = answered(stored.get(EXPERT_STATS_ARTIFACT));
    // Each voter that agreed with the rated answer, or disagreed with it, learned one outcome.
    const learnedFrom = voters.filter((id) => after.get(id)! === before.get(id)! + 1);
    expect(learnedFrom.length).toBeGreaterThanOrEqual(1);
    expect(learnedFrom).toContain(voted.routing.winner);

    expect((await runScheduled(env)).learned).toMatchObject({ feedback: 0, saved: [], skipped: 'no new feedback' });
  });

  it('never learns a rating twice when two runs race', async () => {
    await seedArtifacts();
    await seedReplayExperts();
    const r = await route({ model: 'gemini-1.5-pro-002' });
    await env.DB.prepare('insert into feedback (route_id, score) values (?, 0)').bind(r.id).run();
    const reports = await Promise.all([learnFromFeedback(env.DB), learnFromFeedback(env.DB)]);
    expect(reports.filter((x) => x.saved.length > 0)).toHaveLength(1);
    const rows = await artifactRows();
    expect(rows.get(CORRECTNESS_ARTIFACT)).toMatchObject({ version: 2, feedback_through: 1 });
    const predictor = CorrectnessPredictor.fromArtifact((await latestArtifacts(createDb(env.DB), [CORRECTNESS_ARTIFACT]))[0]!.data);
    const seededRows = CorrectnessPredictor.fromArtifact(env.TEST_ARTIFACTS.find((a) => a.name === CORRECTNESS_ARTIFACT)!.data).knn.labels.rows;
    expect(predictor.knn.labels.rows).toBe(seededRows + 1);
  });

  it('moves past a rating that teaches nothing without a new version', async () => {
    await seedArtifacts();
    await seedReplayExperts();
    const failed = await chat({ model: 'gemini-1.5-pro-002', messages: [{ role: 'user', content: 'a prompt that was never recorded' }] });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    const id = failed.headers.get('x-route-id')!;
    await env.DB.prepare('insert into feedback (route_id, score) values (?, 1)').bind(id).run();
    const report = await learnFromFeedback(env.DB);
    expect(report).toMatchObject({ feedback: 1, examples: 0, saved: [] });
    const rows = await artifactRows();
    expect(rows.get(CORRECTNESS_ARTIFACT)).toMatchObject({ version: 1, feedback_through: 1 });
    expect((await learnFromFeedback(env.DB)).skipped).toBe('no new feedback');
  });

  it('says so when there is nothing to learn into', async () => {
    expect(await learnFromFeedback(env.DB)).toMatchObject({ saved: [], skipped: 'no trained artifacts to learn into' });
  });
});
