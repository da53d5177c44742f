// `npm run export`: the gateway's rated history in the routing-data format (GET /admin/api/export),
// to retrain on a deployment's own traffic with `npm run train -- --data FILE --models FILE`.

import { writeFileSync } from 'node:fs';
import { cli, numberFlag } from '../gpu-service/scripts/cli';
import { modelsFileOf, type RegistryExpert } from '../router/data-format';
import { readDevVars } from './lib/dev-vars';

const USAGE = `npm run export -- [--url URL] [--out FILE] [--after FEEDBACK_ID] [--models FILE]

Writes the gateway's rated routes in the routing-data format (GET /admin/api/export) for npm run train.

  --url URL          the gateway (default http://127.0.0.1:$PORT, PORT default 8787)
  --out FILE         where the NDJSON goes (default export.jsonl)
  --after ID         only ratings after this feedback id (default 0: all of them)
  --models FILE      also write the registry's experts and prices (GET /admin/api/experts) as the models
                     file npm run train takes with the export (names are expert ids)
  --help             this text

The admin token comes from ADMIN_TOKEN, else from .dev.vars (as npm start wrote it).`;

const args = cli(USAGE, {
  url: { type: 'string', default: `http://127.0.0.1:${process.env.PORT ?? 8787}` },
  out: { type: 'string', default: 'export.jsonl' },
  after: { type: 'string', default: '0' },
  models: { type: 'string' },
});
const after = numberFlag(USAGE, '--after', args.after!, { integer: true, min: 0 });
const token = process.env.ADMIN_TOKEN ?? readDevVars().ADMIN_TOKEN;
if (!token) {
  process.stderr.write('export: set ADMIN_TOKEN (or run npm start once, which writes it to .dev.vars)\n');
  process.exit(2);
}
/** GET `path` of the gateway's admin API, or exit naming what failed. */
async function get(path: string): Promise<string> {
  const res = await fetch(`${args.url}${path}`, { headers: { authorization: `Bearer ${token}` } }).catch((e: Error) => {
    // fetch's own message is "fetch failed"; what failed is in its cause (ECONNREFUSED, ENOTFOUND, …).
    const cause = e.cause instanceof Error ? e.cause.message : e.message;
    process.stderr.write(`export: cannot reach the gateway at ${args.url} (${cause}): is it running (npm start)? --url names another one\n`);
    process.exit(1);
  });
  if (!res.ok) {
    process.stderr.write(`export: ${args.url}${path.split('?')[0]} answered ${res.status}: ${await res.text()}\n`);
    process.exit(1);
  }
  return res.text();
}

const text = await get(`/admin/api/export?after=${after}`);
writeFileSync(args.out!, text);
process.stdout.write(`${text.split('\n').filter(Boolean).length} rated routes → ${args.out}\n`);
if (args.models) {
  const { data } = JSON.parse(await get('/admin/api/experts')) as { data: RegistryExpert[] };
  writeFileSync(args.models, `${JSON.stringify(modelsFileOf(data), null, 2)}\n`);
  process.stdout.write(`${data.length} experts and their prices → ${args.models}\n`);
}
