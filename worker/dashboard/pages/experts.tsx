import { Hono } from 'hono';
import { PROVIDER_KINDS, PROVIDERS, type ProviderKind } from '../../../experts';
import { CAPABILITIES } from '../../../router/capabilities';
import type { expertJson } from '../../admin/experts';
import { expertCreateSchema, expertPatchSchema } from '../../admin/experts';
import type { ExpertHealth } from '../../admin/health';
import { createDb } from '../../db/client';
import { cacheTtlMs } from '../../env';
import { routerState } from '../../gateway/router-state';
import { seg } from '../api-client';
import { apiFieldErrors, fieldErrors, listOf, numberOf, readForm, textOf, valuesOf, type FieldErrors, type FormValues } from '../forms';
import type { DashboardContext, DashboardEnv } from '../guard';
import { ms, pct, price } from '../format';
import { ConfirmForm, Csrf, Field, FormErrors, SelectField, SubmitOrCancel, TextField } from '../controls';
import { DoneNotice, notFoundPage, renderPage } from '../layout';
import { isGpuExpert } from '../moe-trace';
import { DataTable, num, rowAnchor, rowId } from '../table';
import { SkillHeatMap, skillMatrix } from './skill-map';

export type ExpertJson = ReturnType<typeof expertJson>;

/** What the list says was done to an expert (`?done=…&id=…`, after a change's redirect). */
const DONE = ['added', 'saved', 'enabled', 'disabled', 'deleted'];

/** What the form shows: strings as typed, so a rejected value comes back unchanged for fixing. */
interface ExpertForm {
  id: string;
  provider: string;
  model: string;
  endpoint_url: string;
  api_key_secret: string;
  input_price_per_mtok: string;
  output_price_per_mtok: string;
  skills: string;
  tags: string;
  enabled: boolean;
  capabilities: string[];
  task: string;
  description: string;
}

/** Replay serves only recorded answers: an operator adding an expert is most likely adding a real endpoint. */
const NEW_EXPERT_PROVIDER: ProviderKind = 'openai';

const EMPTY_FORM: ExpertForm = {
  id: '',
  provider: NEW_EXPERT_PROVIDER,
  model: '',
  endpoint_url: '',
  api_key_secret: '',
  input_price_per_mtok: '0',
  output_price_per_mtok: '0',
  skills: '',
  tags: '',
  enabled: true,
  capabilities: [],
  task: 'chat',
  description: '',
};

function formOf(e: ExpertJson): ExpertForm {
  return {
    id: e.id,
    provider: e.provider,
    model: e.model,
    endpoint_url: e.endpoint_url ?? '',
    api_key_secret: e.api_key_secret ?? '',
    input_price_per_mtok: String(e.input_price_per_mtok),
    output_price_per_mtok: String(e.output_price_per_mtok),
    skills: e.skills.join(', '),
    tags: e.tags.join(', '),
    enabled: e.enabled,
    capabilities: e.capabilities,
    task: e.task,
    description: e.description,
  };
}

function formFromPost(f: FormValues): ExpertForm {
  const keys = Object.keys(EMPTY_FORM).filter((k) => k !== 'enabled' && k !== 'capabilities') as Exclude<keyof ExpertForm, 'enabled' | 'capabilities'>[];
  return {
    ...(Object.fromEntries(keys.map((k) => [k, textOf(f, k)])) as Omit<ExpertForm, 'enabled' | 'capabilities'>),
    enabled: textOf(f, 'enabled') === 'on',
    capabilities: valuesOf(f, 'capabilities'),
  };
}

/** The API body for a posted form; values are passed on as typed so the API's schema judges them. */
function bodyOf(f: FormValues) {
  return {
    provider: textOf(f, 'provider'),
    model: textOf(f, 'model'),
    endpoint_url: textOf(f, 'endpoint_url') || null,
    api_key_secret: textOf(f, 'api_key_secret') || null,
    input_price_per_mtok: numberOf(f, 'input_price_per_mtok') ?? 0,
    output_price_per_mtok: numberOf(f, 'output_price_per_mtok') ?? 0,
    skills: listOf(f, 'skills'),
    tags: listOf(f, 'tags'),
    enabled: textOf(f, 'enabled') === 'on',
    capabilities: valuesOf(f, 'capabilities'),
    task: textOf(f, 'task') || 'chat',
    description: textOf(f, 'description'),
  };
}

function ExpertFormView(props: { mode: 'create' | 'edit'; values: ExpertForm; errors: FieldErrors; csrf: string }) {
  const { values: v, errors: e } = props;
  const action = props.mode === 'create' ? '/admin/experts' : `/admin/experts/${seg(v.id)}`;
  return (
    <form class="stack" method="post" action={action} novalidate>
      <Csrf token={props.csrf} />
      <FormErrors errors={e} summary="The expert was not saved: fix the fields marked below." />
      {props.mode === 'create' ? (
        <Field
          name="id"
          label="Expert id"
          hint="Letters, digits and . _ : / - ; clients send it as the request's model."
          error={e.id}
          render={(a) => <input {...a} type="text" value={v.id} autocomplete="off" />}
        />
      ) : null}
      <div class="row">
        <SelectField
          name="provider"
          label="Provider"
          error={e.provider}
          choices={PROVIDER_KINDS.map((p) => ({ value: p, label: `${p} — ${PROVIDERS[p].label}` }))}
          value={v.provider}
        />
        <TextField name="model" label="Model id" hint="At the provider; for replay, the recorded model's name." error={e.model} value={v.model} />
      </div>
      <Field
        name="endpoint_url"
        label="Endpoint URL"
        hint={PROVIDER_KINDS.map((p) => `${p}: ${PROVIDERS[p].endpointHint}`).join(' ')}
        error={e.endpoint_url}
        render={(a) => <input {...a} type="url" value={v.endpoint_url} placeholder="https://…" />}
      />
      <TextField
        name="api_key_secret"
        label="API key secret name"
        hint="Name of the Worker secret holding the endpoint's key: EXPERT_* (e.g. EXPERT_MY_ENDPOINT_KEY) or a provider's own (OPENAI_API_KEY, ANTHROPIC_API_KEY, HF_TOKEN)."
        error={e.api_key_secret}
        value={v.api_key_secret}
      />
      <div class="row">
        <TextField
          name="input_price_per_mtok"
          label="Input price (USD / M tokens)"
          error={e.input_price_per_mtok}
          inputmode="decimal"
          value={v.input_price_per_mtok}
        />
        <TextField
          name="output_price_per_mtok"
          label="Output price (USD / M tokens)"
          error={e.output_price_per_mtok}
          inputmode="decimal"
          value={v.output_price_per_mtok}
        />
      </div>
      <div class="row">
        <TextField name="skills" label="Skills" hint="Comma-separated." error={e.skills} value={v.skills} />
        <TextField name="tags" label="Tags" hint="Comma-separated; tag gpu-service marks the GPU service." error={e.tags} value={v.tags} />
      </div>
      <fieldset class="field">
        <legend>Capabilities (requests that need one are routed only to experts that have it)</legend>
        {CAPABILITIES.map((cap) => (
          <label>
            <input type="checkbox" name="capabilities" value={cap} checked={v.capabilities.includes(cap)} /> {cap}{' '}
            <span class="muted">({PROVIDER_KINDS.filter((p) => (PROVIDERS[p].capabilities as readonly string[]).includes(cap)).join(', ')})</span>
          </label>
        ))}
        {e.capabilities ? <span class="error">{e.capabilities}</span> : null}
      </fieldset>
      <SelectField
        name="task"
        label="Task"
        hint={`Embedding experts serve /v1/embeddings only (providers: ${PROVIDER_KINDS.filter((p) => PROVIDERS[p].embeddings).join(', ')}).`}
        error={e.task}
        choices={['chat', 'embedding']}
        value={v.task}
      />
      <Field
        name="description"
        label="Description"
        error={e.description}
        render={(a) => (
          <textarea {...a} rows={2}>
            {v.description}
          </textarea>
        )}
      />
      <div class="field">
        <label>
          <input type="checkbox" name="enabled" checked={v.enabled} /> Enabled (routing may choose it)
        </label>
      </div>
      <SubmitOrCancel submit={props.mode === 'create' ? 'Add expert' : 'Save changes'} cancel="/admin/experts" />
    </form>
  );
}

function ExpertRowView(props: { e: ExpertJson; h: ExpertHealth | undefined; csrf: string; gpu: boolean }) {
  const { e, h } = props;
  const id = seg(e.id);
  return (
    <tr id={rowId('expert', e.id)}>
      <th scope="row">
        {e.id}
        {e.description ? <div class="muted">{e.description}</div> : null}
      </th>
      <td>
        {e.provider}: {e.model}
        {e.endpoint_url ? <div class="muted">{e.endpoint_url}</div> : null}
      </td>
      <td>
        <span class={`pill ${e.enabled ? 'on' : 'off'}`}>{e.enabled ? 'enabled' : 'disabled'}</span>
      </td>
      <td class="num">
        {price(e.input_price_per_mtok)} / {price(e.output_price_per_mtok)}
      </td>
      <td>{e.skills.length ? e.skills.join(', ') : <span class="muted">–</span>}</td>
      <td class="num">{h?.calls ?? 0}</td>
      <td class="num">{pct(h?.error_rate)}</td>
      <td class="num">
        {ms(h?.p50_ms)} / {ms(h?.p95_ms)}
      </td>
      <td>
        <span class={`pill ${h?.circuit ?? 'closed'}`}>{h?.circuit ?? 'closed'}</span>
        {h?.not_callable ? (
          <div>
            <span class="pill off">not callable</span> <span class="muted">{h.not_callable}: routing leaves it out</span>
          </div>
        ) : null}
      </td>
      <td>
        <div class="actions">
          <a class="button" href={`/admin/experts/${id}/edit`} aria-label={`Edit ${e.id}`}>
            Edit
          </a>
          <a class="button" href={`/admin/experts/${id}/test`} aria-label={`Test ${e.id}`}>
            Test
          </a>
          <form method="post" action={`/admin/experts/${id}/enabled`}>
            <Csrf token={props.csrf} />
            <input type="hidden" name="enabled" value={e.enabled ? 'off' : 'on'} />
            <button type="submit" aria-label={`${e.enabled ? 'Disable' : 'Enable'} ${e.id}`}>
              {e.enabled ? 'Disable' : 'Enable'}
            </button>
          </form>
          <a class="button" href={`/admin/experts/${id}/delete`} aria-label={`Delete ${e.id}`}>
            Delete
          </a>
          {props.gpu ? (
            <a class="button" href={`/admin/experts/${id}/activation`} aria-label={`Expert activations of ${e.id}`}>
              Activations
            </a>
          ) : null}
        </div>
      </td>
    </tr>
  );
}

async function listPage(c: DashboardContext) {
  const api = c.get('api');
  const [experts, health, router] = await Promise.all([
    api.must<{ data: ExpertJson[] }>('/experts'),
    api.must<{ data: ExpertHealth[] }>('/experts/health'),
    routerState(createDb(c.env.DB), cacheTtlMs(c.env)),
  ]);
  const byId = new Map(health.data.map((h) => [h.expert, h]));
  return renderPage(c, {
    title: 'Experts',
    nav: 'experts',
    children: (
      <>
        <DoneNotice what="Expert" done={c.req.query('done')} who={c.req.query('id')} said={DONE} />
        <p class="actions">
          <a class="button primary" href="/admin/experts/new">
            Add expert
          </a>
          <span class="muted">{experts.data.length} experts · health over the last hour · circuit state as this Worker instance sees it</span>
        </p>
        <DataTable
          class="registry"
          caption="The expert registry"
          columns={[
            'Expert',
            'Provider: model',
            'State',
            num('Price in / out ($/Mtok)'),
            'Skills',
            num('Calls (1 h)'),
            num('Error rate'),
            num('p50 / p95'),
            'Circuit',
            'Actions',
          ]}
        >
          {experts.data.map((e) => (
            <ExpertRowView e={e} h={byId.get(e.id)} csrf={c.get('csrf')} gpu={isGpuExpert(e, c.env)} />
          ))}
        </DataTable>
        <h2>Skill profiles</h2>
        <SkillHeatMap matrix={skillMatrix(router.artifacts)} />
      </>
    ),
  });
}

function formPage(c: DashboardContext, mode: 'create' | 'edit', values: ExpertForm, errors: FieldErrors, status: 200 | 400 | 404 | 409 = 200) {
  return renderPage(c, {
    title: mode === 'create' ? 'Add expert' : `Edit expert ${values.id}`,
    nav: 'experts',
    status,
    children: <ExpertFormView mode={mode} values={values} errors={errors} csrf={c.get('csrf')} />,
  });
}

async function loadExpert(c: DashboardContext): Promise<ExpertJson | null> {
  const res = await c.get('api').get<ExpertJson>(`/experts/${seg(c.req.param('id')!)}`);
  return res.ok ? res.data : null;
}

export const expertPages = new Hono<DashboardEnv>();

expertPages.get('/', listPage);

expertPages.get('/new', (c) => formPage(c, 'create', EMPTY_FORM, {}));

expertPages.post('/', async (c) => {
  const form = await readForm(c);
  const values = formFromPost(form);
  const parsed = expertCreateSchema.safeParse({ id: textOf(form, 'id'), ...bodyOf(form) });
  if (!parsed.success) return formPage(c, 'create', values, fieldErrors(parsed.error), 400);
  const res = await c.get('api').post<ExpertJson>('/experts', parsed.data);
  if (!res.ok) return formPage(c, 'create', values, apiFieldErrors(res.error), res.status === 409 ? 409 : 400);
  return c.redirect(`/admin/experts?done=added&id=${seg(res.data.id)}${rowAnchor('expert', res.data.id)}`, 303);
});

expertPages.get('/:id/edit', async (c) => {
  const expert = await loadExpert(c);
  return expert ? formPage(c, 'edit', formOf(expert), {}) : notFoundPage(c, `Expert '${c.req.param('id')}'`, 'experts');
});

expertPages.post('/:id', async (c) => {
  const form = await readForm(c);
  const values = { ...formFromPost(form), id: c.req.param('id') };
  const parsed = expertPatchSchema.safeParse(bodyOf(form));
  if (!parsed.success) return formPage(c, 'edit', values, fieldErrors(parsed.error), 400);
  const res = await c.get('api').patch<ExpertJson>(`/experts/${seg(values.id)}`, parsed.data);
  if (!res.ok) return res.status === 404 ? notFoundPage(c, `Expert '${values.id}'`, 'experts') : formPage(c, 'edit', values, apiFieldErrors(res.error), 400);
  return c.redirect(`/admin/experts?done=saved&id=${seg(values.id)}${rowAnchor('expert', values.id)}`, 303);
});

expertPages.post('/:id/enabled', async (c) => {
  const enabled = textOf(await readForm(c), 'enabled') === 'on';
  const id = c.req.param('id');
  const res = await c.get('api').patch<ExpertJson>(`/experts/${seg(id)}`, { enabled });
  if (!res.ok) return notFoundPage(c, `Expert '${id}'`, 'experts');
  return c.redirect(`/admin/experts?done=${enabled ? 'enabled' : 'disabled'}&id=${seg(id)}${rowAnchor('expert', id)}`, 303);
});

expertPages.get('/:id/delete', async (c) => {
  const expert = await loadExpert(c);
  if (!expert) return notFoundPage(c, `Expert '${c.req.param('id')}'`, 'experts');
  return renderPage(c, {
    title: `Delete expert ${expert.id}?`,
    nav: 'experts',
    children: (
      <ConfirmForm action={`/admin/experts/${seg(expert.id)}/delete`} csrf={c.get('csrf')} confirm={`Delete ${expert.id}`} cancel="/admin/experts">
        <p>
          Routing stops choosing <strong>{expert.id}</strong> at once and clients naming it as <code>model</code> get 404. Its past calls stay in the routing
          history. To stop routing to it but keep it, disable it instead.
        </p>
      </ConfirmForm>
    ),
  });
});

expertPages.post('/:id/delete', async (c) => {
  const id = c.req.param('id');
  const res = await c.get('api').delete(`/experts/${seg(id)}`);
  if (!res.ok) return notFoundPage(c, `Expert '${id}'`, 'experts');
  return c.redirect(`/admin/experts?done=deleted&id=${seg(id)}`, 303);
});
