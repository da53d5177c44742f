import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ftsQuery } from '../../worker/db/search';
import { runScheduled } from '../../worker/scheduled';
import { call, chat, RECORDED_PROMPT, replayExpert, seedArtifacts, seedReplayExperts } from './helpers';

// The console's history: full-text search over prompts and answers (FTS5 in D1), and each listed
// route with the experts it really called.

const OTHER_PROMPT = 'Question: Which expression is equal to 720?\nOptions:\nA. 7x20\nB. 9x90\nC. 8x80\nD. 9x80\nAnswer with the letter of the correct option.';

interface Listed {
  id: string;
  decision: { stages: { expert: string }[][] } | null;
  called: { expert: string; role: string; status: string }[];
}

const search = async (qs: string) => {
  const res = await call(`/admin/api/routes?${qs}`, { admin: true });
  return { status: res.status, body: (await res.json()) as { data: Listed[]; error?: { param: string } } };
};

describe('searching the history', () => {
  it('finds routes by words of the prompt or of the answer, all words required, any punctuation safe', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const ethics = (await chat({ model: 'gemini-1.5-pro-002' })).headers.get('x-route-id')!;
    const maths = (await chat({ model: 'gemini-1.5-pro-002', messages: [{ role: 'user', content: OTHER_PROMPT }] })).headers.get('x-route-id')!;
    const ids = async (q: string) => (await search(`q=${encodeURIComponent(q)}`)).body.data.map((r) => r.id);
    expect(await ids('moral impulse')).toEqual([ethics]);
    expect(await ids('"moral impulse"')).toEqual([ethics]);
    expect(await ids('impulse moral')).toEqual([ethics]);
    expect(await ids('"impulse moral"')).toEqual([]);
    expect(await ids('720')).toEqual([maths]);
    expect(await ids('expres*')).toEqual([maths]);
    // "Ethics of care" is in the recorded answer, not only the prompt's options: answers are searched too.
    expect(await ids('locates morality')).toEqual([ethics]);
    expect(await ids('Options')).toHaveLength(2);
    expect(await ids('moral 720')).toEqual([]);
    for (const odd of ['C++ -x', 'a AND OR NOT', '"unclosed', 'NEAR(a b)', "it's"])
      expect((await search(`q=${encodeURIComponent(odd)}`)).status, odd).toBe(200);
    expect((await search('q=%20%20')).status).toBe(400);
  });

  it('keeps the index in step when retention prunes routes', async () => {
    await replayExpert('gemini-1.5-pro-002');
    await chat({ model: 'gemini-1.5-pro-002' });
    expect((await search('q=moral')).body.data).toHaveLength(1);
    await runScheduled({ ...env, RETENTION_DAYS: '1' }, Date.now() + 2 * 86_400_000);
    expect((await search('q=moral')).body.data).toHaveLength(0);
    const rows = await env.DB.prepare("select count(*) as n from routes_fts where routes_fts match 'moral'").first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it('quotes every term for FTS5', () => {
    expect(ftsQuery('moral  "sphere of" pre* a"b')).toBe('"moral" "sphere of" "pre"* "a""b"');
  });
});

describe('a listed route shows the experts it really called', () => {
  it('a cascade that stopped early lists its first stage, not every planned stage', async () => {
    await seedReplayExperts();
    await seedArtifacts();
    const res = await chat({ model: 'economy', messages: [{ role: 'user', content: RECORDED_PROMPT }] });
    expect(res.status).toBe(200);
    const [route] = (await search('limit=1')).body.data;
    const planned = route!.decision!.stages.flat().map((c) => c.expert);
    const called = route!.called.filter((c) => c.role === 'expert').map((c) => c.expert);
    expect(called.length).toBeGreaterThan(0);
    expect(planned.length).toBeGreaterThan(called.length);
    expect(planned).toEqual(expect.arrayContaining(called));
  });
});
