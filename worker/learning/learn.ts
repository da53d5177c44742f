import type { ArtifactSet } from '../../router/artifacts';
import { labelRatedRoute, type LabelledExample } from '../../router/online/labels';
import { LEARNABLE_ARTIFACTS, learnArtifact, type LearnableArtifact } from '../../router/online/learn';
import { BANDIT_ARTIFACT } from '../../router/bandit/linucb';
import { FEATURES_ARTIFACT } from '../../router/features/featurizer';
import { createDb } from '../db/client';
import {
  advanceWatermark,
  artifactsOf,
  latestArtifactHeaders,
  pruneArtifactVersions,
  saveArtifacts,
  type ArtifactHeader,
  type NewArtifact,
} from '../db/artifacts';
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
  // Headers first: the megabytes of artifact bodies are read only when there is feedback to learn.
  const headers = await latestArtifactHeaders(db, [FEATURES_ARTIFACT, ...names]);
  const features = headers.find((h) => h.name === FEATURES_ARTIFACT);
  const targets = headers.filter((h): h is ArtifactHeader & { name: LearnableArtifact } => (names as readonly string[]).includes(h.name));
  if (!features || targets.length === 0) return { feedback: 0, examples: 0, saved: [], skipped: 'no trained artifacts to learn into' };
  const watermark = Math.min(...targets.map((h) => h.feedbackThrough));
  const rated = await ratedRoutesAfter(db, watermark, FEEDBACK_PER_RUN);
  if (rated.length === 0) return { feedback: 0, examples: 0, saved: [], skipped: 'no new feedback' };
  const through = rated.at(-1)!.feedbackId;
  const examples = rated.map(labelRatedRoute).filter((x): x is LabelledExample => x !== null);
  const behind = targets.filter((h) => h.feedbackThrough < through);
  const learning = behind.filter((h) => examples.some((x) => x.feedbackId > h.feedbackThrough));
  const caughtUp = behind.filter((h) => !learning.includes(h));
  const artifacts: ArtifactSet = new Map((await artifactsOf(db, learning.length ? [features, ...learning] : [])).map((a) => [a.name, a]));
  const updates: NewArtifact[] = learning.map((h) => ({
    name: h.name,
    data: learnArtifact(
      artifacts,
      h.name,
      examples.filter((x) => x.feedbackId > h.feedbackThrough),
    ),
    feedbackThrough: through,
    basedOn: h.version,
  }));
  let saved: string[];
  try {
    saved = (await saveArtifacts(db, updates)).map((h) => `${h.name}@${h.version}`);
  } catch (e) {
    // Another run saved these versions first: it learned from the same feedback.
    if (/UNIQUE|PRIMARY KEY|constraint/i.test(String(e)))
      return { feedback: rated.length, examples: examples.length, saved: [], skipped: 'another run learned from this feedback first' };
    throw e;
  }
  for (const h of caughtUp) await advanceWatermark(db, h.name, h.version, through);
  invalidateRouterState();
  const pruned = await pruneArtifactVersions(db);
  const report: LearningReport = {
    feedback: rated.length,
    examples: examples.length,
    saved,
    ...(saved.length ? {} : { skipped: 'the new feedback implied no per-expert outcomes' }),
  };
  console.log(JSON.stringify({ event: 'router_learned', ...report, through, pruned }));
  return report;
}

/**
 * Called off the critical path after a rating is stored: the bandit absorbs all pending feedback,
 * unless it saved a version less than `intervalMs` ago (then the next rating or the cron picks this
 * one up).
 * Never throws: a failure is logged and the cron retries from the same watermark.
 */
export async function learnBanditAfterFeedback(d1: D1Database, intervalMs: number, now = Date.now()): Promise<LearningReport | null> {
  try {
    const [header] = await latestArtifactHeaders(createDb(d1), [BANDIT_ARTIFACT]);
    if (!header || now - header.createdAt < intervalMs) return null;
    return await learnFromFeedback(d1, [BANDIT_ARTIFACT]);
  } catch (e) {
    console.error(JSON.stringify({ event: 'router_learning_failed', artifacts: [BANDIT_ARTIFACT], error: String(e) }));
    return null;
  }
}
