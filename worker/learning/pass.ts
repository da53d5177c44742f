import type { BatchItem } from 'drizzle-orm/batch';
import type { ArtifactSet } from '../../router/artifacts';
import { FEATURES_ARTIFACT } from '../../router/features/featurizer';
import { LEARNABLE_ARTIFACTS, learnArtifact, type LearnableArtifact } from '../../router/online/learn';
import type { TrainingExample } from '../../router/train';
import type { Db } from '../db/client';
import {
  advanceWatermark,
  artifactsOf,
  latestArtifactHeaders,
  pruneArtifactVersions,
  saveArtifacts,
  type ArtifactHeader,
  type NewArtifact,
  type Watermark,
} from '../db/artifacts';
import { invalidateRouterState } from '../gateway/router-state';

// One learning pass over rows of the routing history after each artifact's watermark (feedback
// rows, or unrated routes): every learnable artifact absorbs the examples it has not seen, and the
// new versions are saved in one transaction with the new watermark. A second pass over the same
// rows (a concurrent cron and feedback trigger) fails on the version's primary key and writes
// nothing, so no row is ever learned twice.

/** An example with its row's position in the history (the watermark's unit). */
export type SequencedExample = TrainingExample & { seq: number };

export interface PassSource {
  /** The artifact watermark this pass reads after and moves. */
  watermark: Watermark;
  /** Rows after `after`: how many were read, the last position they cover, the examples they imply. */
  read(db: Db, after: number): Promise<{ rows: number; through: number; examples: SequencedExample[] }>;
  /** Statements saved in the same transaction as the new versions (what the pass records of its rows). */
  record?(db: Db, examples: readonly SequencedExample[]): BatchItem<'sqlite'>[];
  /** What the rows are, for the report ('feedback', 'unrated routes'). */
  what: string;
}

export interface PassOutcome {
  /** Rows read after the oldest watermark. */
  rows: number;
  /** Examples they implied. */
  examples: number;
  /** `name@version` saved. */
  saved: string[];
  /** Why nothing was saved, when nothing was. */
  skipped?: string;
  /** The last position learned through, when rows were read. */
  through?: number;
}

export async function learnPass(db: Db, source: PassSource, names: readonly LearnableArtifact[] = LEARNABLE_ARTIFACTS): Promise<PassOutcome> {
  // Headers first: the megabytes of artifact bodies are read only when there is something to learn.
  const headers = await latestArtifactHeaders(db, [FEATURES_ARTIFACT, ...names]);
  const features = headers.find((h) => h.name === FEATURES_ARTIFACT);
  const targets = headers.filter((h): h is ArtifactHeader & { name: LearnableArtifact } => (names as readonly string[]).includes(h.name));
  if (!features || targets.length === 0) return { rows: 0, examples: 0, saved: [], skipped: 'no trained artifacts to learn into' };
  const mark = source.watermark;
  const { rows, through, examples } = await source.read(db, Math.min(...targets.map((h) => h[mark])));
  if (rows === 0) return { rows: 0, examples: 0, saved: [], skipped: `no new ${source.what}` };
  const behind = targets.filter((h) => h[mark] < through);
  const learning = behind.filter((h) => examples.some((x) => x.seq > h[mark]));
  const caughtUp = behind.filter((h) => !learning.includes(h));
  const artifacts: ArtifactSet = new Map((await artifactsOf(db, learning.length ? [features, ...learning] : [])).map((a) => [a.name, a]));
  const updates: NewArtifact[] = learning.map((h) => ({
    name: h.name,
    data: learnArtifact(
      artifacts,
      h.name,
      examples.filter((x) => x.seq > h[mark]),
    ),
    // The other watermark stays where the base version had it.
    feedbackThrough: h.feedbackThrough,
    consensusThrough: h.consensusThrough,
    [mark]: through,
    basedOn: h.version,
  }));
  let saved: string[];
  try {
    saved = (await saveArtifacts(db, updates, updates.length ? (source.record?.(db, examples) ?? []) : [])).map((h) => `${h.name}@${h.version}`);
  } catch (e) {
    // Another pass saved these versions first: it learned from the same rows.
    if (/UNIQUE|PRIMARY KEY|constraint/i.test(String(e)))
      return { rows, examples: examples.length, saved: [], skipped: `another run learned from the same ${source.what} first` };
    throw e;
  }
  for (const h of caughtUp) await advanceWatermark(db, h.name, h.version, through, mark);
  invalidateRouterState();
  const pruned = await pruneArtifactVersions(db);
  console.log(JSON.stringify({ event: 'router_learned', watermark: mark, rows, examples: examples.length, saved, through, pruned }));
  return { rows, examples: examples.length, saved, through, ...(saved.length ? {} : { skipped: `the new ${source.what} implied no per-expert outcomes` }) };
}
