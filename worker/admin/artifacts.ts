import { Hono } from 'hono';
import { LEARNABLE_ARTIFACTS } from '../../router/online/learn';
import { createDb } from '../db/client';
import { latestArtifactHeaders } from '../db/artifacts';
import type { AppEnv } from '../env';
import { learnFromFeedback } from '../learning/learn';

// The trained router artifacts: which version of each is live and what it has learned from, and a
// way to make the routers learn from pending feedback now instead of at the next cron run.

export const adminArtifacts = new Hono<AppEnv>();

adminArtifacts.get('/', async (c) => {
  const headers = await latestArtifactHeaders(createDb(c.env.DB));
  return c.json({
    data: headers.map((h) => ({
      name: h.name,
      version: h.version,
      created_at: new Date(h.createdAt).toISOString(),
      bytes: h.bytes,
      chunks: h.chunks,
      feedback_through: h.feedbackThrough,
      consensus_through: h.consensusThrough,
      learns_online: (LEARNABLE_ARTIFACTS as readonly string[]).includes(h.name),
    })),
  });
});

adminArtifacts.post('/learn', async (c) => c.json(await learnFromFeedback(c.env.DB)));
