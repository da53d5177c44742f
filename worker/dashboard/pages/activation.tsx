import { Hono } from 'hono';
import { seg } from '../api-client';
import { readForm, textOf } from '../forms';
import type { DashboardContext, DashboardEnv } from '../guard';
import { Csrf, Field } from '../controls';
import { notFoundPage, renderPage } from '../layout';
import { fetchActivations, isGpuExpert, type ActivationCounts } from '../moe-trace';
import { HeatMap } from '../svg';
import type { ExpertJson } from './experts';

function ActivationMap(props: { a: ActivationCounts }) {
  const { a } = props;
  const busiest = a.counts.map((row, i) => ({ layer: a.layers[i]!, expert: row.indexOf(Math.max(...row)), n: Math.max(...row) }));
  return (
    <figure>
      <figcaption>
        {a.model}: {a.tokens} prompt tokens × top-{a.topK} routing over {a.numExperts} experts in {a.layers.length} MoE layers
      </figcaption>
      <HeatMap
        id="activations"
        title="Expert activations per layer"
        desc={`Rows are MoE layers, columns are experts; darker cells received more of the prompt's tokens. Busiest expert per layer: ${busiest.map((b) => `layer ${b.layer} expert ${b.expert} (${b.n} tokens)`).join('; ')}.`}
        rows={a.layers.map((l) => `layer ${l}`)}
        cols={Array.from({ length: a.numExperts }, (_, e) => String(e))}
        values={a.counts}
        diverging={false}
        format={(n) => String(Math.round(n))}
        rowHeader=""
        colHeader="expert"
        showValues
      />
      <p class="muted">Cell value: how many of the prompt's tokens the layer's router sent to the expert (each token goes to {a.topK} of them).</p>
    </figure>
  );
}

async function page(c: DashboardContext, prompt: string) {
  const res = await c.get('api').get<ExpertJson>(`/experts/${seg(c.req.param('id')!)}`);
  if (!res.ok) return notFoundPage(c, `Expert '${c.req.param('id')}'`, 'experts');
  const expert = res.data;
  if (!isGpuExpert(expert, c.env)) {
    return renderPage(c, {
      title: `Expert activations: ${expert.id}`,
      nav: 'experts',
      children: <p class="notice">Activation traces come from Conclave's GPU service; {expert.id} is not served by it.</p>,
    });
  }
  const result = prompt ? await fetchActivations(expert.endpoint_url!, expert.api_key_secret, c.env, prompt) : null;
  return renderPage(c, {
    title: `Expert activations: ${expert.id}`,
    nav: 'experts',
    ...(result && 'error' in result ? { status: 502 as const } : {}),
    children: (
      <>
        <form class="stack" method="post" action={`/admin/experts/${seg(expert.id)}/activation`}>
          <Csrf token={c.get('csrf')} />
          <Field
            name="prompt"
            label="Prompt to trace"
            hint="Runs the prompt through the model without generating; shows which experts each layer's router chose."
            render={(a) => <textarea {...a}>{prompt}</textarea>}
          />
          <div>
            <button class="primary" type="submit">
              Trace
            </button>
          </div>
        </form>
        {result === null ? null : 'error' in result ? (
          <p class="notice bad" role="alert">
            {result.error}
          </p>
        ) : (
          <ActivationMap a={result} />
        )}
      </>
    ),
  });
}

export const activationPages = new Hono<DashboardEnv>();

activationPages.get('/:id/activation', (c) => page(c, ''));
activationPages.post('/:id/activation', async (c) => page(c, textOf(await readForm(c), 'prompt')));
