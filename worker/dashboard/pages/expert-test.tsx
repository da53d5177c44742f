import { Hono } from 'hono';
import { seg, type ApiResult } from '../api-client';
import { readForm, textOf } from '../forms';
import { ms, usd } from '../format';
import type { DashboardContext, DashboardEnv } from '../guard';
import { Csrf, Field } from '../controls';
import { notFoundPage, renderPage } from '../layout';

interface TestAnswer {
  expert: string;
  text: string;
  latency_ms: number;
  usage: { prompt_tokens: number; completion_tokens: number };
  cost_usd: number;
  attempts: number;
}

function Result(props: { result: ApiResult<TestAnswer> }) {
  const r = props.result;
  if (!r.ok) {
    return (
      <p class="notice bad" role="alert">
        The expert failed: {r.error.message}
      </p>
    );
  }
  return (
    <section aria-labelledby="answer-h">
      <h2 id="answer-h">Answer</h2>
      <dl class="facts">
        <dt>Latency</dt>
        <dd>{ms(r.data.latency_ms)}</dd>
        <dt>Cost</dt>
        <dd>{usd(r.data.cost_usd)}</dd>
        <dt>Tokens</dt>
        <dd>
          {r.data.usage.prompt_tokens} in / {r.data.usage.completion_tokens} out
        </dd>
        <dt>Attempts</dt>
        <dd>{r.data.attempts}</dd>
      </dl>
      <pre class="text">{r.data.text}</pre>
    </section>
  );
}

async function page(c: DashboardContext, prompt: string, result: ApiResult<TestAnswer> | null) {
  const id = c.req.param('id')!;
  const expert = await c.get('api').get<{ id: string; enabled: boolean }>(`/experts/${seg(id)}`);
  if (!expert.ok) return notFoundPage(c, `Expert '${id}'`, 'experts');
  return renderPage(c, {
    title: `Test expert ${id}`,
    nav: 'experts',
    children: (
      <>
        <p class="muted">
          Sends one prompt to this expert only{expert.data.enabled ? '' : ' (disabled experts can be tested too)'}; nothing is written to the routing history.
        </p>
        <form class="stack" method="post" action={`/admin/experts/${seg(id)}/test`}>
          <Csrf token={c.get('csrf')} />
          <Field name="prompt" label="Prompt" render={(a) => <textarea {...a}>{prompt}</textarea>} />
          <div class="actions">
            <button class="primary" type="submit">
              Send
            </button>
            <a class="button" href="/admin/experts">
              Back to experts
            </a>
          </div>
        </form>
        {result ? <Result result={result} /> : null}
      </>
    ),
  });
}

export const expertTestPages = new Hono<DashboardEnv>();

expertTestPages.get('/:id/test', (c) => page(c, '', null));

expertTestPages.post('/:id/test', async (c) => {
  const prompt = textOf(await readForm(c), 'prompt');
  const result = await c.get('api').post<TestAnswer>(`/experts/${seg(c.req.param('id'))}/test`, { prompt });
  return page(c, prompt, result);
});
