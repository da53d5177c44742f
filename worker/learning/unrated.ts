import type { LearnableArtifact } from '../../router/online/learn';
import { consensusExamples } from '../../router/unsupervised/route-labels';
import { createDb } from '../db/client';
import { markConsensusLearned } from '../db/consensus';
import { learnPass, type PassSource, type SequencedExample } from './pass';
import { unratedRoutesAfter } from './unrated-routes';

// Learning without labels in the cron: most traffic is never rated, but a route that called
// several experts says, by their agreement, which of them were probably right. Those routes are
// pseudo-labelled by consensus (router/unsupervised) and learned in the same pass as feedback,
// after their own watermark (`consensus_through`, a route call id). Rated routes keep their
// rating: a rated route is never read here, and a route learned here is marked so that a later
// rating of it is not learned again.

/** Routes read per run at most; the next run continues after them. */
export const UNRATED_ROUTES_PER_RUN = 200;
/** Answering experts a route needs: the consensus needs two answers to compare (route-labels.ts asks two to agree). */
export const MIN_EXPERTS = 2;

export interface ConsensusReport {
  /** Routes read after the oldest watermark. */
  routes: number;
  /** Of those, routes whose consensus labelled their experts. */
  examples: number;
  /** `name@version` saved. */
  saved: string[];
  /** Why nothing was saved, when nothing was. */
  skipped?: string;
}

/** Learns from the unrated routes written before `settledBefore` (ms; routes after it are left to their raters for now). */
export async function learnFromConsensus(d1: D1Database, settledBefore: number, names?: readonly LearnableArtifact[]): Promise<ConsensusReport> {
  let learned: string[] = [];
  const source: PassSource = {
    watermark: 'consensusThrough',
    what: 'unrated routes',
    async read(db, after) {
      const page = await unratedRoutesAfter(db, after, UNRATED_ROUTES_PER_RUN, settledBefore, MIN_EXPERTS);
      const labelled = consensusExamples(page.routes);
      const examples: (SequencedExample & { routeId: string })[] = page.routes.flatMap((r, i) => {
        const x = labelled[i];
        return x ? [{ ...x, seq: r.lastCallId, routeId: r.routeId }] : [];
      });
      learned = examples.map((x) => x.routeId);
      return { rows: page.read, through: page.through, examples };
    },
    record: (db) => markConsensusLearned(db, learned, Date.now()),
  };
  const { rows, examples, saved, skipped } = await learnPass(createDb(d1), source, names);
  return { routes: rows, examples, saved, ...(skipped ? { skipped } : {}) };
}
