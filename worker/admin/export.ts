import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import { exampleOfRatedRoute } from '../../router/data-format';
import { createDb } from '../db/client';
import type { AppEnv } from '../env';
import { parseWith } from '../http/validation';
import { ratedRoutesAfter } from '../learning/rated-routes';

// The gateway's own history in the routing-data format (README "Your own data"), so a deployment
// retrains on its traffic: `npm run train -- --data export.jsonl --models models.json`. One line per
// rated route whose rating implies per-expert outcomes, oldest rating first.

/** Feedback rows read per D1 round trip. */
const PAGE = 200;

const exportQuery = z.object({ after: z.coerce.number().int().min(0).default(0) }).strict();

export const adminExport = new Hono<AppEnv>();

adminExport.get('/', (c) => {
  const { after } = parseWith(exportQuery, c.req.query(), 'query');
  const db = createDb(c.env.DB);
  c.header('content-type', 'application/x-ndjson; charset=utf-8');
  return stream(c, async (out) => {
    for (let cursor = after; ; ) {
      const page = await ratedRoutesAfter(db, cursor, PAGE);
      if (page.length === 0) break;
      for (const route of page) {
        const line = exampleOfRatedRoute(route);
        if (line) await out.write(`${JSON.stringify(line)}\n`);
      }
      cursor = page.at(-1)!.feedbackId;
    }
  });
});
