import { labelRatedRoute, type LabelledExample } from '../../router/online/labels';
import { LEARNABLE_ARTIFACTS, type LearnableArtifact } from '../../router/online/learn';
import { BANDIT_ARTIFACT } from '../../router/bandit/linucb';
import { createDb } from '../db/client';
import { latestArtifactHeaders } from '../db/artifacts';
import { learnPass, type PassSource } from './pass';
import { ratedRoutesAfter } from './rated-routes';

// The routers learn from feedback: the feedback rows after each artifact's watermark
// (`feedback_through`) become labelled examples (router/online/labels.ts) in a learning pass
// (pass.ts), so no rating is ever learned twice.

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

const FEEDBACK: PassSource = {
  watermark: 'feedbackThrough',
  what: 'feedback',
  async read(db, after) {
    const rated = await ratedRoutesAfter(db, after, FEEDBACK_PER_RUN);
    const examples = rated.map(labelRatedRoute).filter((x): x is LabelledExample => x !== null);
    return { rows: rated.length, through: rated.at(-1)?.feedbackId ?? after, examples: examples.map((x) => ({ ...x, seq: x.feedbackId })) };
  },
};

export async function learnFromFeedback(d1: D1Database, names: readonly LearnableArtifact[] = LEARNABLE_ARTIFACTS): Promise<LearningReport> {
  const { rows, examples, saved, skipped } = await learnPass(createDb(d1), FEEDBACK, names);
  return { feedback: rows, examples, saved, ...(skipped ? { skipped } : {}) };
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
