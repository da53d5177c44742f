import type { ArtifactSet } from '../../router/artifacts';
import { labelRatedRoute, type LabelledExample } from '../../router/online/labels';
import { LEARNABLE_ARTIFACTS, learnArtifact, type LearnableArtifact } from '../../router/online/learn';
import { BANDIT_ARTIFACT } from '../../router/bandit/linucb';
import { FEATURES_ARTIFACT } from '../../router/features/featurizer';
import { createDb } from '../db/client';
import { advanceWatermark, latestArtifactHeaders, latestArtifacts, pruneArtifactVersions, saveArtifacts, type NewArtifact } from '../db/artifacts';
import { invalidateRouterState } from '../gateway/router-state';
import { ratedRoutesAfter } from './rated-routes';

// The routers learn from feedback: the feedback rows after each artifact's watermark
// (`feedback_through`) become labelled examples, every learnable artifact absorbs the ones it has not
// seen, and the new versions are saved in one transaction with the new watermark. A second run over
// the same feedback (a concurrent cron and feedback trigger) fails on the version's primary key and
// writes nothing, so no rating is ever learned twice.

/** Feedback rows one run learns from at most; the next run continues after them. */
export const FEEDBACK_PER_RUN = 500;

export interface LearningReport {
  /** Feedback rows read after the oldest watermark. */
  feedback: number;
  /** Of those, rows that implied per-expert outcomes. */
  examples: number;
  /** `name@version` saved. */
  saved: string[];
  /** Why nothing was saved, when nothing was. */
  skipped?: string;
}

export async function learnFromFeedback(d1: D1Database, names: readonly LearnableArtifact[] = LEARNABLE_ARTIFACTS): Promise<LearningReport> {
  const db = createDb(d1);
  const stored = await latestArtifacts(db, [FEATURES_ARTIFACT, ...names]);
  const byName = new Map(stored.map((a) => [a.name, a]));
  const targets = names.filter((n) => byName.has(n));
  if (targets.length === 0 || !byName.has(FEATURES_ARTIFACT)) return { feedback: 0, examples: 0, saved: [], skipped: 'no trained artifacts to learn into' };
  const watermark = Math.min(...targets.map((n) => byName.get(n)!.feedbackThrough));
  const rated = await ratedRoutesAfter(db, watermark, FEEDBACK_PER_RUN);
  if (rated.length === 0) return { feedback: 0, examples: 0, saved: [], skipped: 'no new feedback' };
  const through = rated.at(-1)!.feedbackId;
  const examples = rated.map(labelRatedRoute).filter((x): x is LabelledExample => x !== null);
  const artifacts: ArtifactSet = byName;
  const updates: NewArtifact[] = [];
  const caughtUp: string[] = [];
  for (const name of targets) {
    const current = byName.get(name)!;
    if (current.feedbackThrough >= through) continue;
    const unseen = examples.filter((x) => x.feedbackId > current.feedbackThrough);
    if (unseen.length) updates.push({ name, data: learnArtifact(artifacts, name, unseen), feedbackThrough: through, basedOn: current.version });
    else caughtUp.push(name);
  }
  let saved: string[];
  try {
    saved = (await saveArtifacts(db, updates)).map((h) => `${h.name}@${h.version}`);
  } catch (e) {
    // Another run saved these versions first: it learned from the same feedback.
    if (/UNIQUE|PRIMARY KEY|constraint/i.test(String(e))) return { feedback: rated.length, examples: examples.length, saved: [], skipped: 'another run learned from this feedback first' };
    throw e;
  }
  for (const name of caughtUp) await advanceWatermark(db, name, byName.get(name)!.version, through);
  invalidateRouterState();
  const pruned = await pruneArtifactVersions(db);
  const report: LearningReport = { feedback: rated.length, examples: examples.length, saved, ...(saved.length ? {} : { skipped: 'the new feedback implied no per-expert outcomes' }) };
  console.log(JSON.stringify({ event: 'router_learned', ...report, through, pruned }));
  return report;
}

/** The bandit learns from a rating within seconds; runs closer together than this are left to the next one. */
export const DEFAULT_BANDIT_INTERVAL_MS = 10_000;

/**
 * Called off the critical path after a rating is stored: the bandit absorbs all pending feedback,
 * unless it saved a version moments ago (then the next rating or the cron picks this one up).
 * Never throws: a failure is logged and the cron retries from the same watermark.
 */
export async function learnBanditAfterFeedback(d1: D1Database, intervalMs = DEFAULT_BANDIT_INTERVAL_MS, now = Date.now()): Promise<LearningReport | null> {
  try {
    const [header] = await latestArtifactHeaders(createDb(d1), [BANDIT_ARTIFACT]);
    if (!header || now - header.createdAt < intervalMs) return null;
    return await learnFromFeedback(d1, [BANDIT_ARTIFACT]);
  } catch (e) {
    console.error(JSON.stringify({ event: 'router_learning_failed', artifacts: [BANDIT_ARTIFACT], error: String(e) }));
    return null;
  }
}
