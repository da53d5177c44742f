// `npm run export`: the gateway's rated history in the routing-data format (GET /admin/api/export),
// to retrain on a deployment's own traffic with `npm run train -- --data FILE --models FILE`.
//
//   npm run export -- [--url http://127.0.0.1:8787] [--out export.jsonl] [--after FEEDBACK_ID]
//
// The admin token comes from ADMIN_TOKEN, else from .dev.vars (as `npm start` wrote it).

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readDevVars } from './lib/dev-vars';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: `http://127.0.0.1:${process.env.PORT ?? 8787}` },
    out: { type: 'string', default: 'export.jsonl' },
    after: { type: 'string', default: '0' },
  },
  strict: true,
});
const token = process.env.ADMIN_TOKEN ?? readDevVars().ADMIN_TOKEN;
if (!token) {
  process.stderr.write('export: set ADMIN_TOKEN (or run npm start once, which writes it to .dev.vars)\n');
  process.exit(2);
}
const res = await fetch(`${args.url}/admin/api/export?after=${encodeURIComponent(args.after!)}`, { headers: { authorization: `Bearer ${token}` } });
if (!res.ok) {
  process.stderr.write(`export: ${args.url} answered ${res.status}: ${await res.text()}\n`);
  process.exit(1);
}
const text = await res.text();
writeFileSync(args.out!, text);
process.stdout.write(`${text.split('\n').filter(Boolean).length} rated routes → ${args.out}\n`);
