import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { keyCreateSchema, keyPatchSchema, type KeyJson } from '../../admin/keys';
import type { SpendLine } from '../../admin/spend';
import { seg } from '../api-client';
import { apiFieldErrors, fieldErrors, numberOf, readForm, textOf, valuesOf, type FieldErrors, type FormValues } from '../forms';
import { counted, usd, utc } from '../format';
import type { DashboardContext, DashboardEnv } from '../guard';
import { Checks, ConfirmForm, Csrf, FormErrors, SubmitOrCancel, TextField } from '../controls';
import { DoneNotice, notFoundPage, renderPage } from '../layout';
import { ColumnChart } from '../svg';
import { DataTable, num } from '../table';

// API keys: create one (its secret shown once), set its scope and limits, see what it spent against
// its budgets, revoke it. Everything through the admin API's /keys and /spend.

interface Choices {
  policies: string[];
  experts: string[];
}

/** Spent against a budget: the figure, and a bar when there is a budget to fill. */
function Budget(props: { spent: number; budget: number | null; label: string }) {
  if (props.budget === null) return <span>{usd(props.spent)}</span>;
  const share = props.budget > 0 ? Math.min(1, props.spent / props.budget) : 1;
  return (
    <span class="budget">
      {usd(props.spent)} <span class="muted">of {usd(props.budget)}</span>
      <meter min="0" max="1" low={0.7} high={0.9} optimum={0} value={share} aria-label={`${props.label}: ${Math.round(share * 100)}% of the budget used`} />
    </span>
  );
}

function scope(list: string[] | null): string {
  return list ? list.join(', ') : 'all';
}

function KeyTable(props: { keys: KeyJson[]; csrf: string }) {
  return (
    <DataTable
      class="keys"
      caption="API keys; a key is shown only when it is created (its SHA-256 is stored)"
      columns={['Key', 'May use', num('Requests / min'), 'Spent today', 'Spent this month', 'Status', 'Actions']}
    >
      {props.keys.map((k) => (
        <tr>
          <th scope="row">
            <a href={`/admin/keys/${seg(k.id)}`}>{k.name}</a>
            <div class="muted">
              {k.prefix}… · {k.id}
            </div>
          </th>
          <td>
            policies: {scope(k.allowed_policies)}
            <div class="muted">experts: {scope(k.allowed_experts)}</div>
          </td>
          <td class="num">{k.rpm_limit ?? <span class="muted">no limit</span>}</td>
          <td>
            <Budget spent={k.spend.today_usd} budget={k.daily_budget_usd} label={`${k.name} today`} />
          </td>
          <td>
            <Budget spent={k.spend.month_usd} budget={k.monthly_budget_usd} label={`${k.name} this month`} />
          </td>
          <td>{k.revoked_at ? <span class="pill error">revoked</span> : <span class="pill ok">active</span>}</td>
          <td>
            <div class="actions">
              <a class="button" href={`/admin/keys/${seg(k.id)}`} aria-label={`Edit ${k.name}`}>
                Edit
              </a>
              {k.revoked_at ? null : (
                <a class="button" href={`/admin/keys/${seg(k.id)}/revoke`} aria-label={`Revoke ${k.name}`}>
                  Revoke
                </a>
              )}
            </div>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

interface KeyForm {
  name: string;
  allowed_policies: string[];
  allowed_experts: string[];
  daily_budget_usd: string;
  monthly_budget_usd: string;
  rpm_limit: string;
}

const str = (n: number | null) => (n === null ? '' : String(n));

function formOf(k: KeyJson | null): KeyForm {
  return {
    name: k?.name ?? '',
    allowed_policies: k?.allowed_policies ?? [],
    allowed_experts: k?.allowed_experts ?? [],
    daily_budget_usd: str(k?.daily_budget_usd ?? null),
    monthly_budget_usd: str(k?.monthly_budget_usd ?? null),
    rpm_limit: str(k?.rpm_limit ?? null),
  };
}

function formFromPost(f: FormValues): KeyForm {
  return {
    name: textOf(f, 'name'),
    allowed_policies: valuesOf(f, 'allowed_policies'),
    allowed_experts: valuesOf(f, 'allowed_experts'),
    daily_budget_usd: textOf(f, 'daily_budget_usd'),
    monthly_budget_usd: textOf(f, 'monthly_budget_usd'),
    rpm_limit: textOf(f, 'rpm_limit'),
  };
}

/** The API body: an empty limit is no limit (null), no box ticked is no restriction (null). */
function bodyOf(f: FormValues) {
  const limit = (name: string) => numberOf(f, name) ?? null;
  const list = (name: string) => (valuesOf(f, name).length ? valuesOf(f, name) : null);
  return {
    name: textOf(f, 'name'),
    allowed_policies: list('allowed_policies'),
    allowed_experts: list('allowed_experts'),
    daily_budget_usd: limit('daily_budget_usd'),
    monthly_budget_usd: limit('monthly_budget_usd'),
    rpm_limit: limit('rpm_limit'),
  };
}

function KeyFormView(props: { action: string; v: KeyForm; e: FieldErrors; choices: Choices; csrf: string; submit: string }) {
  const { v, e } = props;
  return (
    <form class="stack" method="post" action={props.action}>
      <Csrf token={props.csrf} />
      <FormErrors errors={e} />
      <TextField name="name" label="Name" hint="Who or what uses it (a team, an app)." error={e.name} value={v.name} />
      <div class="row">
        <TextField
          name="daily_budget_usd"
          label="Daily budget (USD)"
          hint="Empty: none. UTC days."
          error={e.daily_budget_usd}
          inputmode="decimal"
          value={v.daily_budget_usd}
        />
        <TextField
          name="monthly_budget_usd"
          label="Monthly budget (USD)"
          hint="Empty: none."
          error={e.monthly_budget_usd}
          inputmode="decimal"
          value={v.monthly_budget_usd}
        />
        <TextField name="rpm_limit" label="Requests per minute" hint="Empty: no limit." error={e.rpm_limit} inputmode="numeric" value={v.rpm_limit} />
      </div>
      <div class="row">
        <Checks
          name="allowed_policies"
          legend="Policies and models it may name, as they are: requests may only narrow them (none ticked: all)"
          choices={props.choices.policies}
          ticked={v.allowed_policies}
          error={e.allowed_policies}
        />
        <Checks
          name="allowed_experts"
          legend="Experts it may reach (none ticked: all)"
          choices={props.choices.experts}
          ticked={v.allowed_experts}
          error={e.allowed_experts}
        />
      </div>
      <SubmitOrCancel submit={props.submit} cancel="/admin/keys" />
    </form>
  );
}

async function choices(c: DashboardContext): Promise<Choices> {
  const api = c.get('api');
  const [policies, experts] = await Promise.all([api.must<{ data: { name: string }[] }>('/policies'), api.must<{ data: { id: string }[] }>('/experts')]);
  // A key may also name an expert directly as its model.
  const names = [...policies.data.map((p) => p.name), ...experts.data.map((x) => x.id)];
  return { policies: names, experts: experts.data.map((x) => x.id) };
}

async function listPage(c: DashboardContext, created?: { key: KeyJson & { key: string } }) {
  const keys = await c.get('api').must<{ data: KeyJson[] }>('/keys');
  return renderPage(c, {
    title: 'API keys',
    nav: 'keys',
    ...(created ? { status: 200 as const } : {}),
    children: (
      <>
        {created ? (
          <section class="notice good" role="status" aria-labelledby="created-h">
            <h2 id="created-h">Key {created.key.name} created</h2>
            <p>Copy it now: it is shown only this once.</p>
            <pre class="text secret">{created.key.key}</pre>
          </section>
        ) : (
          <DoneNotice what="Key" done={c.req.query('done')} who={c.req.query('name')} said={['saved', 'revoked']} />
        )}
        <p>
          <a class="button primary" href="/admin/keys/new">
            New key
          </a>
        </p>
        {keys.data.length ? (
          <KeyTable keys={keys.data} csrf={c.get('csrf')} />
        ) : (
          <p class="notice">No keys yet: the gateway accepts only DEV_API_KEY (local) until you create one.</p>
        )}
      </>
    ),
  });
}

function formPage(
  c: DashboardContext,
  opts: { title: string; action: string; v: KeyForm; e: FieldErrors; choices: Choices; submit: string; status?: 200 | 400; extra?: Child },
) {
  return renderPage(c, {
    title: opts.title,
    nav: 'keys',
    status: opts.status ?? 200,
    children: (
      <>
        <p>
          <a href="/admin/keys">← API keys</a>
        </p>
        <KeyFormView action={opts.action} v={opts.v} e={opts.e} choices={opts.choices} csrf={c.get('csrf')} submit={opts.submit} />
        {opts.extra}
      </>
    ),
  });
}

/** What the key spent per day over the last 30 days. */
async function SpendChart(props: { c: DashboardContext; apiKey: KeyJson }) {
  const res = await props.c.get('api').get<{ since: string; until: string; data: SpendLine[] }>('/spend', { by: 'key', period: 'day', key: props.apiKey.id });
  if (!res.ok) return null;
  const days: string[] = [];
  for (let t = Date.parse(`${res.data.since}T00:00:00Z`); t <= Date.parse(`${res.data.until}T00:00:00Z`); t += 86_400_000)
    days.push(new Date(t).toISOString().slice(0, 10));
  const byDay = new Map(res.data.data.map((r) => [r.period!, r.cost_usd]));
  const total = res.data.data.reduce((s, r) => s + r.cost_usd, 0);
  const requests = res.data.data.reduce((s, r) => s + r.requests, 0);
  return (
    <figure>
      <figcaption>
        Spend per day, last 30 days (UTC): {usd(total)} in {counted(requests, 'request')}
      </figcaption>
      <ColumnChart
        id="key-spend"
        title={`${props.apiKey.name}: spend per day`}
        desc={`Total ${usd(total)} from ${res.data.since} to ${res.data.until}`}
        labels={days.map((d) => d.slice(5))}
        values={days.map((d) => byDay.get(d) ?? 0)}
        yFormat={(n) => usd(n)}
      />
    </figure>
  );
}

async function editPage(c: DashboardContext, id: string, v?: KeyForm, e: FieldErrors = {}) {
  const res = await c.get('api').get<KeyJson>(`/keys/${seg(id)}`);
  if (!res.ok) return notFoundPage(c, `Key '${id}'`, 'keys');
  const k = res.data;
  return formPage(c, {
    title: `Key ${k.name}`,
    action: `/admin/keys/${seg(id)}`,
    v: v ?? formOf(k),
    e,
    choices: await choices(c),
    submit: 'Save limits',
    status: Object.keys(e).length ? 400 : 200,
    extra: (
      <>
        <h2>Spend against budget</h2>
        <dl class="facts">
          <dt>Today (UTC)</dt>
          <dd>
            <Budget spent={k.spend.today_usd} budget={k.daily_budget_usd} label="Today" />
          </dd>
          <dt>This month</dt>
          <dd>
            <Budget spent={k.spend.month_usd} budget={k.monthly_budget_usd} label="This month" />
          </dd>
          <dt>Created</dt>
          <dd>{utc(k.created_at)}</dd>
          <dt>Status</dt>
          <dd>{k.revoked_at ? `revoked ${utc(k.revoked_at)}` : 'active'}</dd>
        </dl>
        <SpendChart c={c} apiKey={k} />
        {k.revoked_at ? null : (
          <p>
            <a class="button" href={`/admin/keys/${seg(id)}/revoke`}>
              Revoke this key
            </a>
          </p>
        )}
      </>
    ),
  });
}

export const keyPages = new Hono<DashboardEnv>();

keyPages.get('/', (c) => listPage(c));

keyPages.get('/new', async (c) =>
  formPage(c, { title: 'New API key', action: '/admin/keys', v: formOf(null), e: {}, choices: await choices(c), submit: 'Create key' }),
);

/** Created: the list, with the secret shown this once (never in a URL, so never in a log). */
keyPages.post('/', async (c) => {
  const form = await readForm(c);
  const refused = async (e: FieldErrors) =>
    formPage(c, { title: 'New API key', action: '/admin/keys', v: formFromPost(form), e, choices: await choices(c), submit: 'Create key', status: 400 });
  // Checked here first, as the expert form is, so every field's message is shown at once in the form's words.
  const parsed = keyCreateSchema.safeParse(bodyOf(form));
  if (!parsed.success) return refused(fieldErrors(parsed.error));
  const res = await c.get('api').post<KeyJson & { key: string }>('/keys', parsed.data);
  if (!res.ok) return refused(apiFieldErrors(res.error));
  return listPage(c, { key: res.data });
});

keyPages.get('/:id', (c) => editPage(c, c.req.param('id')));

keyPages.post('/:id', async (c) => {
  const id = c.req.param('id');
  const form = await readForm(c);
  const parsed = keyPatchSchema.safeParse(bodyOf(form));
  if (!parsed.success) return editPage(c, id, formFromPost(form), fieldErrors(parsed.error));
  const res = await c.get('api').patch<KeyJson>(`/keys/${seg(id)}`, parsed.data);
  if (!res.ok) return res.status === 404 ? notFoundPage(c, `Key '${id}'`, 'keys') : editPage(c, id, formFromPost(form), apiFieldErrors(res.error));
  return c.redirect(`/admin/keys?done=saved&name=${encodeURIComponent(res.data.name)}`, 303);
});

/** Revoking cannot be undone: Revoke opens this page, whose button does it. */
keyPages.get('/:id/revoke', async (c) => {
  const id = c.req.param('id');
  const res = await c.get('api').get<KeyJson>(`/keys/${seg(id)}`);
  if (!res.ok) return notFoundPage(c, `Key '${id}'`, 'keys');
  const k = res.data;
  return renderPage(c, {
    title: `Revoke key ${k.name}?`,
    nav: 'keys',
    children: k.revoked_at ? (
      <p class="notice">
        Key <strong>{k.name}</strong> was revoked on {utc(k.revoked_at)}. <a href="/admin/keys">Back to the API keys</a>
      </p>
    ) : (
      <ConfirmForm action={`/admin/keys/${seg(id)}/revoke`} csrf={c.get('csrf')} confirm={`Revoke ${k.name}`} cancel="/admin/keys">
        <p>
          Requests with <strong>{k.name}</strong> ({k.prefix}…) are refused with 401 from now on, and it cannot be made to work again: its users need a new key.
          It stays listed, and its routes and spend stay in the history.
        </p>
      </ConfirmForm>
    ),
  });
});

keyPages.post('/:id/revoke', async (c) => {
  const id = c.req.param('id');
  const res = await c.get('api').delete(`/keys/${seg(id)}`);
  if (!res.ok) return notFoundPage(c, `Key '${id}'`, 'keys');
  const key = await c.get('api').get<KeyJson>(`/keys/${seg(id)}`);
  return c.redirect(`/admin/keys?done=revoked&name=${encodeURIComponent(key.ok ? key.data.name : id)}`, 303);
});
