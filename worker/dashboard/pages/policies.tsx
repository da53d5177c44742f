import { Hono } from 'hono';
import type { RoutePreview } from '../../admin/preview';
import { BUILTIN_POLICIES, savedPolicyConfigSchema } from '../../gateway/policies';
import { seg, type ApiResult } from '../api-client';
import { apiFieldErrors, fieldErrors, readForm, textOf, type FieldErrors, type FormValues } from '../forms';
import { counted, score, scoreParts, usd } from '../format';
import type { DashboardContext, DashboardEnv } from '../guard';
import { Checks, ConfirmForm, Csrf, Field, FormErrors, Options, SubmitOrCancel, TextField } from '../controls';
import { DoneNotice, notFoundPage, renderPage } from '../layout';
import { configFromPost, KNOBS, knobValuesFromPost, knobValuesOf, type Knob, type KnobGroup, type KnobValues } from '../policy-knobs';
import { DataTable, num, rowAnchor, rowId } from '../table';
import type { ExpertJson } from './experts';

interface PolicyJson {
  name: string;
  description: string;
  config: Record<string, unknown>;
  builtin: boolean;
  updated_at: string | null;
}

interface PolicyForm {
  /** The policy being edited; empty for a new one. */
  editing: string;
  name: string;
  description: string;
  knobs: KnobValues;
  prompt: string;
}

function formOf(p: PolicyJson | null): PolicyForm {
  return {
    editing: p?.name ?? '',
    name: p?.name ?? '',
    description: p?.description ?? '',
    knobs: knobValuesOf({ strategy: 'all', aggregate: 'first', ...p?.config }),
    prompt: '',
  };
}

function formFromPost(f: FormValues): PolicyForm {
  return {
    editing: textOf(f, 'editing'),
    name: textOf(f, 'name'),
    description: textOf(f, 'description'),
    knobs: knobValuesFromPost(f),
    prompt: textOf(f, 'prompt'),
  };
}

/** strategy and aggregate: a saved policy always names them, so their lists offer no "default". */
const REQUIRED = new Set(
  Object.entries(savedPolicyConfigSchema.shape)
    .filter(([, f]) => !f.safeParse(undefined).success)
    .map(([k]) => k),
);

const GROUPS: { id: KnobGroup; legend: string }[] = [
  { id: 'choose', legend: 'Which experts to call' },
  { id: 'combine', legend: 'How to combine their answers' },
  { id: 'limits', legend: 'Limits' },
];

/** One knob's control, as its type calls for. */
function KnobField(props: { knob: Knob; value: string | string[] | undefined; error: string | undefined; experts: ExpertJson[] }) {
  const { knob: k, error } = props;
  const text = typeof props.value === 'string' ? props.value : '';
  const c = k.control;
  if (c.kind === 'experts' && !c.ordered) {
    const ticked = Array.isArray(props.value) ? props.value : [];
    const experts = props.experts.map((x) => ({ value: x.id, label: `${x.id}${x.enabled ? '' : ' (disabled)'}` }));
    return <Checks name={k.name} legend={k.label} choices={experts} ticked={ticked} error={error} />;
  }
  return (
    <Field
      name={k.name}
      label={k.label}
      hint={k.hint}
      error={error}
      render={(a) =>
        c.kind === 'select' ? (
          <select {...a}>
            <Options choices={c.options} value={text} {...(REQUIRED.has(k.name) ? {} : { empty: '— default —' })} />
          </select>
        ) : c.kind === 'boolean' ? (
          <select {...a}>
            <option value="">— default (no) —</option>
            <option value="true" selected={text === 'true'}>
              yes
            </option>
            <option value="false" selected={text === 'false'}>
              no
            </option>
          </select>
        ) : c.kind === 'expert' ? (
          <select {...a}>
            <Options choices={props.experts.map((x) => x.id)} value={text} empty={k.name === 'aggregator' ? '— chosen automatically —' : '— none —'} />
          </select>
        ) : (
          <input {...a} type="text" {...(c.kind === 'number' ? { inputmode: c.integer ? 'numeric' : 'decimal' } : {})} value={text} />
        )
      }
    />
  );
}

function PolicyFormView(props: { v: PolicyForm; e: FieldErrors; experts: ExpertJson[]; csrf: string; builtin: boolean }) {
  const { v, e } = props;
  const saveAction = v.editing ? `/admin/policies/${seg(v.editing)}` : '/admin/policies';
  const shown: readonly string[] = [...KNOBS.map((k) => k.name), 'description', 'prompt', ...(v.editing ? [] : ['name'])];
  // Errors the form has no field for still need their message shown somewhere.
  const unshown = Object.entries(e).filter(([k]) => k !== '' && !shown.includes(k));
  return (
    <form class="stack" method="post" action={saveAction}>
      <Csrf token={props.csrf} />
      <input type="hidden" name="editing" value={v.editing} />
      <FormErrors
        errors={e}
        summary={
          <>
            {unshown.map(([k, m]) => `${k}: ${m}. `).join('')}
            {unshown.length < Object.keys(e).length ? 'Fix the fields marked below.' : ''}
          </>
        }
      />
      {props.builtin ? <p class="notice">This is a built-in policy: saving it stores your version, which then replaces the built-in one.</p> : null}
      {v.editing ? null : (
        <TextField
          name="name"
          label="Name"
          hint="Lower-case letters, digits and . _ - ; clients send it as the request's model."
          error={e.name}
          value={v.name}
        />
      )}
      <TextField name="description" label="Description" error={e.description} value={v.description} />
      {GROUPS.map((g) => {
        const knobs = KNOBS.filter((k) => k.group === g.id);
        const plain = knobs.filter((k) => !(k.control.kind === 'experts' && !k.control.ordered));
        const sets = knobs.filter((k) => !plain.includes(k));
        return (
          <fieldset class="knobs">
            <legend>{g.legend}</legend>
            <div class="row">
              {plain.map((k) => (
                <KnobField knob={k} value={v.knobs[k.name]} error={e[k.name]} experts={props.experts} />
              ))}
            </div>
            {sets.length ? (
              <div class="row">
                {sets.map((k) => (
                  <KnobField knob={k} value={v.knobs[k.name]} error={e[k.name]} experts={props.experts} />
                ))}
              </div>
            ) : null}
          </fieldset>
        );
      })}
      <SubmitOrCancel submit="Save policy" cancel="/admin/policies" />
      <h2>Preview</h2>
      <Field
        name="prompt"
        label="Prompt to preview"
        hint="Shows which experts this form's policy would choose for it, and why, without calling any."
        error={e.prompt}
        render={(a) => <textarea {...a}>{v.prompt}</textarea>}
      />
      <div>
        <button type="submit" formaction="/admin/policies/preview#preview">
          Preview routing
        </button>
      </div>
    </form>
  );
}

/** The preview, where the form's "Preview routing" lands (#preview), so the answer is in view. */
function PreviewView(props: { result: ApiResult<RoutePreview> }) {
  const r = props.result;
  return (
    <section id="preview" aria-labelledby="preview-h">
      <h2 id="preview-h">Routing preview</h2>
      {r.ok ? (
        <PreviewResult p={r.data} />
      ) : (
        <p class="notice bad" role="alert">
          No routing: {r.error.message}
        </p>
      )}
    </section>
  );
}

function PreviewResult(props: { p: RoutePreview }) {
  const { p } = props;
  const chosen = new Map(p.stages.flatMap((stage, s) => stage.map((c) => [c.expert, { stage: s, over: c.over_budget }] as const)));
  const skills = Array.isArray(p.info?.skills) ? p.info.skills.map(String) : [];
  const excluded = new Map<string, string[]>();
  for (const x of p.excluded) excluded.set(x.reason, [...(excluded.get(x.reason) ?? []), x.expert]);
  return (
    <>
      <p role="status">
        Strategy <strong>{p.strategy}</strong> would call{' '}
        <strong>
          {p.stages[0]
            ?.filter((c) => !c.over_budget)
            .map((c) => c.expert)
            .join(', ') || 'nobody'}
        </strong>
        {p.stages.length > 1 ? ` first, escalating through ${p.stages.length - 1} more stage(s) when unsure` : ''}; {counted(p.eligible.length, 'expert')}{' '}
        eligible, prompt ≈ {p.prompt_tokens} tokens.
        {skills.length ? ` Skills read from the prompt: ${skills.join(', ')}.` : ''}
      </p>
      <DataTable
        caption="Every eligible expert as the strategy ranked it"
        plainCaption
        columns={[num('Rank'), 'Expert', num('Score'), 'Why (score parts)', num('Est. cost'), 'Chosen']}
      >
        {p.ranked.map((c, i) => {
          const pick = chosen.get(c.expert);
          return (
            <tr>
              <td class="num">{i + 1}</td>
              <th scope="row">{c.expert}</th>
              <td class="num">{score(c.score)}</td>
              <td>{scoreParts(c.detail)}</td>
              <td class="num">{usd(c.estimated_cost_usd)}</td>
              <td>{pick ? (pick.over ? `stage ${pick.stage}: over the cost cap, skipped` : `stage ${pick.stage}`) : ''}</td>
            </tr>
          );
        })}
      </DataTable>
      <PreviewCost p={p} />
      {[...excluded].map(([reason, xs]) =>
        reason.startsWith(NOT_CALLABLE) ? (
          <p class="muted">
            <span class="pill off">not callable</span> {xs.join(', ')}: {reason.slice(NOT_CALLABLE.length)}. Routing leaves such experts out unless a request
            names them.
          </p>
        ) : (
          <p class="muted">
            Not eligible ({reason}): {xs.join(', ')}.
          </p>
        ),
      )}
    </>
  );
}

/** How the preview names an expert whose key is not set (or that may not reach its endpoint). */
const NOT_CALLABLE = 'not callable: ';

/** What the route is expected to cost, and the calls it pays for beside the answers: the aggregator's and the LLM skill extractor's. */
function PreviewCost(props: { p: RoutePreview }) {
  const { aggregation: a, extractor: x } = props.p;
  return (
    <>
      <p>
        Estimated cost: <strong>{usd(props.p.estimated_cost_usd)}</strong> at most, within the cost cap (what a key's budget reserves for the route)
        {a
          ? `; the ${a.kind} aggregation's own calls ${a.over_budget ? 'do not fit the cost cap: skipped, the answers are voted on' : `≈ ${usd(a.estimated_cost_usd)}`}`
          : ''}
        {x ? `; the skill extractor's ≈ ${usd(x.estimated_cost_usd)}` : ''}.
      </p>
      {x ? (
        <p class="muted">
          Skill extractor <strong>{x.expert}</strong>:{' '}
          {x.calls
            ? `the route asks it for the prompt's keywords (${counted(x.calls, 'call')}) before it chooses. A preview does not call it: the ranking above reads the local keywords.`
            : 'the cost cap leaves no room for its calls: the route ranks on the local keywords, as above.'}
        </p>
      ) : null}
    </>
  );
}

async function formPage(
  c: DashboardContext,
  v: PolicyForm,
  e: FieldErrors,
  opts: { status?: 200 | 400 | 409; preview?: ApiResult<RoutePreview>; builtin?: boolean } = {},
) {
  const experts = await c.get('api').must<{ data: ExpertJson[] }>('/experts');
  return renderPage(c, {
    title: v.editing ? `Policy ${v.editing}` : 'New policy',
    nav: 'policies',
    status: opts.status ?? 200,
    children: (
      <>
        <PolicyFormView v={v} e={e} experts={experts.data} csrf={c.get('csrf')} builtin={opts.builtin ?? false} />
        {opts.preview ? <PreviewView result={opts.preview} /> : null}
      </>
    ),
  });
}

async function loadPolicy(c: DashboardContext, name: string): Promise<PolicyJson | null> {
  const res = await c.get('api').get<PolicyJson>(`/policies/${seg(name)}`);
  return res.ok ? res.data : null;
}

/** The list's own columns; a policy's other knobs (lambda, quorum, hedge_ms …) go in one cell. */
const LISTED_KEYS: readonly string[] = ['name', 'strategy', 'k', 'aggregate', 'aggregator', 'max_cost_usd', 'allow'];

function otherSettings(config: Record<string, unknown>): string {
  return Object.entries(config)
    .filter(([k]) => !LISTED_KEYS.includes(k))
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join(' · ');
}

async function listPage(c: DashboardContext) {
  const policies = await c.get('api').must<{ data: PolicyJson[] }>('/policies');
  const cell = (v: unknown) => (v === undefined ? <span class="muted">–</span> : Array.isArray(v) ? v.join(', ') : String(v));
  return renderPage(c, {
    title: 'Policies',
    nav: 'policies',
    children: (
      <>
        <DoneNotice what="Policy" done={c.req.query('done')} who={c.req.query('name')} said={['saved', 'deleted']} />
        <p>
          <a class="button primary" href="/admin/policies/new">
            New policy
          </a>
        </p>
        <DataTable
          caption={
            <>
              Named routing policies; clients pick one with the request's <code>model</code>
            </>
          }
          columns={['Name', 'Strategy', num('k'), 'Aggregation', 'Aggregator', num('Cost cap'), 'Allowed experts', 'Other settings', 'Actions']}
        >
          {policies.data.map((p) => (
            <tr id={rowId('policy', p.name)}>
              <th scope="row">
                {p.name}
                <div class="muted">{p.builtin ? 'built-in' : p.description}</div>
              </th>
              <td>{cell(p.config.strategy)}</td>
              <td class="num">{cell(p.config.k)}</td>
              <td>{cell(p.config.aggregate)}</td>
              <td>{cell(p.config.aggregator)}</td>
              <td class="num">{typeof p.config.max_cost_usd === 'number' ? usd(p.config.max_cost_usd) : cell(undefined)}</td>
              <td>{Array.isArray(p.config.allow) ? p.config.allow.join(', ') : <span class="muted">all</span>}</td>
              <td>{otherSettings(p.config) || <span class="muted">–</span>}</td>
              <td>
                <div class="actions">
                  <a class="button" href={`/admin/policies/${seg(p.name)}`} aria-label={`Edit or preview ${p.name}`}>
                    Edit / preview
                  </a>
                  {p.builtin ? null : (
                    <a class="button" href={`/admin/policies/${seg(p.name)}/delete`} aria-label={`Delete ${p.name}`}>
                      Delete
                    </a>
                  )}
                </div>
              </td>
            </tr>
          ))}
        </DataTable>
      </>
    ),
  });
}

export const policyPages = new Hono<DashboardEnv>();

policyPages.get('/', listPage);
policyPages.get('/new', (c) => formPage(c, formOf(null), {}));

policyPages.get('/:name', async (c) => {
  const p = await loadPolicy(c, c.req.param('name'));
  return p ? formPage(c, formOf(p), {}, { builtin: p.builtin }) : notFoundPage(c, `Policy '${c.req.param('name')}'`, 'policies');
});

/** Validates the posted config with the API's own schema: every knob is on the form, so it is the whole config. */
function postedConfig(form: FormValues) {
  return savedPolicyConfigSchema.safeParse(configFromPost(form));
}

policyPages.post('/preview', async (c) => {
  const form = await readForm(c);
  const v = formFromPost(form);
  const parsed = postedConfig(form);
  if (!parsed.success) return formPage(c, v, fieldErrors(parsed.error), { status: 400 });
  if (!v.prompt) return formPage(c, v, { prompt: 'enter a prompt to preview' }, { status: 400 });
  const preview = await c
    .get('api')
    .post<RoutePreview>('/policies/preview', { prompt: v.prompt, config: parsed.data, name: v.editing || v.name || '(unsaved)' });
  return formPage(c, v, {}, { preview });
});

policyPages.post('/', async (c) => {
  const form = await readForm(c);
  const v = formFromPost(form);
  const parsed = postedConfig(form);
  if (!parsed.success) return formPage(c, v, fieldErrors(parsed.error), { status: 400 });
  const res = await c.get('api').post<PolicyJson>('/policies', { name: v.name, description: v.description, config: parsed.data });
  if (!res.ok) return formPage(c, v, apiFieldErrors(res.error, 'config.'), { status: res.status === 409 ? 409 : 400 });
  return c.redirect(`/admin/policies?done=saved&name=${seg(res.data.name)}${rowAnchor('policy', res.data.name)}`, 303);
});

policyPages.post('/:name', async (c) => {
  const form = await readForm(c);
  const v = { ...formFromPost(form), editing: c.req.param('name') };
  const parsed = postedConfig(form);
  if (!parsed.success) return formPage(c, v, fieldErrors(parsed.error), { status: 400 });
  const res = await c.get('api').put<PolicyJson>(`/policies/${seg(v.editing)}`, { description: v.description, config: parsed.data });
  if (!res.ok) return formPage(c, v, apiFieldErrors(res.error, 'config.'), { status: 400 });
  return c.redirect(`/admin/policies?done=saved&name=${seg(v.editing)}${rowAnchor('policy', v.editing)}`, 303);
});

/** What deleting does to requests naming the policy: refused, or routed by the built-in it replaced. */
function DeleteConsequence(props: { name: string }) {
  const builtin = BUILTIN_POLICIES.get(props.name);
  return builtin ? (
    <p>
      The built-in <strong>{props.name}</strong> comes back: requests naming it as <code>model</code> are routed by its built-in settings (strategy{' '}
      {builtin.strategy}, aggregation {builtin.aggregate}) from now on, not by yours, which are lost. Past routes stay in the routing history.
    </p>
  ) : (
    <p>
      Requests naming <strong>{props.name}</strong> as <code>model</code> get 404 (model not found) from now on, and its settings are lost. Past routes stay in
      the routing history.
    </p>
  );
}

/** A built-in is never deleted (the API refuses it with 409): say how to change it instead. */
function BuiltinKept(props: { name: string }) {
  return (
    <p class="notice">
      <strong>{props.name}</strong> is built in and cannot be deleted. Saving it stores your version, which replaces it; deleting that version brings the
      built-in back. <a href="/admin/policies">Back to the policies</a>
    </p>
  );
}

/** Deleting cannot be undone: Delete opens this page, whose button does it. */
policyPages.get('/:name/delete', async (c) => {
  const p = await loadPolicy(c, c.req.param('name'));
  if (!p) return notFoundPage(c, `Policy '${c.req.param('name')}'`, 'policies');
  return renderPage(c, {
    title: `Delete policy ${p.name}?`,
    nav: 'policies',
    children: p.builtin ? (
      <BuiltinKept name={p.name} />
    ) : (
      <ConfirmForm action={`/admin/policies/${seg(p.name)}/delete`} csrf={c.get('csrf')} confirm={`Delete ${p.name}`} cancel="/admin/policies">
        <DeleteConsequence name={p.name} />
      </ConfirmForm>
    ),
  });
});

policyPages.post('/:name/delete', async (c) => {
  const name = c.req.param('name');
  const res = await c.get('api').delete(`/policies/${seg(name)}`);
  if (res.status === 409) return renderPage(c, { title: `Delete policy ${name}?`, nav: 'policies', status: 409, children: <BuiltinKept name={name} /> });
  if (!res.ok) return notFoundPage(c, `Policy '${name}'`, 'policies');
  return c.redirect(`/admin/policies?done=deleted&name=${seg(name)}`, 303);
});
