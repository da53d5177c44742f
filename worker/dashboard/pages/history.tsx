import { Hono } from 'hono';
import type { ListedRouteJson } from '../../admin/route-view';
import { seg } from '../api-client';
import { ms, usd, utc } from '../format';
import type { DashboardContext, DashboardEnv } from '../guard';
import { Field, SelectField } from '../controls';
import { renderPage } from '../layout';
import { DataTable, num } from '../table';
import { routePage } from './route';

export const HISTORY_PAGE_SIZE = 25;

const FILTERS = ['q', 'policy', 'expert', 'key', 'status', 'since', 'until'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

interface Choices {
  policies: string[];
  keys: { id: string; name: string }[];
}

/** datetime-local gives minutes without a zone; the page says times are UTC, so it is read as UTC. */
function utcMillis(local: string): string | undefined {
  if (!local) return undefined;
  const t = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(local) ? local : `${local}Z`);
  return Number.isFinite(t) ? String(t) : local;
}

function FilterForm(props: { f: Filters; choices: Choices }) {
  const { f, choices } = props;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a form with role=search is the landmark every browser knows; <search> is recent
    <form class="filters" method="get" action="/admin/routes" role="search" aria-label="Search and filter routes">
      <Field
        name="q"
        label="Search prompts and answers"
        hint='All words must appear; "a phrase", prefix*'
        render={(a) => <input {...a} type="search" value={f.q} />}
      />
      <SelectField name="policy" label="Policy" empty="any" choices={choices.policies} value={f.policy} />
      <SelectField name="key" label="API key" empty="any" choices={choices.keys.map((k) => ({ value: k.id, label: `${k.name} (${k.id})` }))} value={f.key} />
      <Field name="expert" label="Expert called" render={(a) => <input {...a} type="text" value={f.expert} />} />
      <SelectField name="status" label="Status" empty="any" choices={['ok', 'error']} value={f.status} />
      <Field name="since" label="From (UTC)" render={(a) => <input {...a} type="datetime-local" value={f.since} />} />
      <Field name="until" label="To (UTC)" render={(a) => <input {...a} type="datetime-local" value={f.until} />} />
      <div class="actions">
        <button class="primary" type="submit">
          Search
        </button>
        <a class="button" href="/admin/routes">
          Clear
        </a>
      </div>
    </form>
  );
}

/** The experts a route really called, failures marked; aggregators and judges named by role. */
function Called(props: { called: ListedRouteJson['called'] }) {
  if (props.called.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="called">
      {props.called.map((c) => (
        <li>
          {c.expert}
          {c.role !== 'expert' ? <span class="muted"> ({c.role})</span> : null}
          {c.status !== 'ok' ? <span class={`pill ${c.status}`}>{c.status}</span> : null}
        </li>
      ))}
    </ul>
  );
}

function excerpt(text: string, max = 90): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function RouteTable(props: { routes: ListedRouteJson[]; keyNames: Map<string, string> }) {
  return (
    <DataTable
      class="history"
      caption="Routed requests, newest first"
      columns={['Time (UTC)', 'Prompt', 'Key', 'Policy', 'Experts called', 'Status', num('Latency'), num('Cost')]}
    >
      {props.routes.map((r) => (
        <tr>
          <th scope="row">
            <a href={`/admin/routes/${seg(r.id)}`} aria-label={`Route ${r.id} at ${utc(r.created_at)}`}>
              {utc(r.created_at)}
            </a>
          </th>
          <td class="prompt">
            {excerpt(r.prompt)}
            {r.response !== null ? <div class="muted">→ {excerpt(r.response, 60)}</div> : null}
          </td>
          <td>{r.api_key_id ? (props.keyNames.get(r.api_key_id) ?? r.api_key_id) : <span class="muted">dev key</span>}</td>
          <td>
            {r.policy}
            <div class="muted">
              {r.strategy} → {r.aggregation}
            </div>
          </td>
          <td>
            <Called called={r.called} />
          </td>
          <td>
            <span class={`pill ${r.status}`}>{r.status === 'ok' ? 'ok' : `${r.http_status} ${r.error?.code ?? 'error'}`}</span>
          </td>
          <td class="num">{ms(r.latency_ms)}</td>
          <td class="num">{usd(r.cost_usd)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

async function choices(c: DashboardContext): Promise<Choices> {
  const api = c.get('api');
  const [policies, keys] = await Promise.all([api.get<{ data: { name: string }[] }>('/policies'), api.get<{ data: { id: string; name: string }[] }>('/keys')]);
  return { policies: policies.ok ? policies.data.data.map((p) => p.name) : [], keys: keys.ok ? keys.data.data : [] };
}

async function listPage(c: DashboardContext) {
  const f = Object.fromEntries(FILTERS.map((k) => [k, (c.req.query(k) ?? '').trim()])) as Filters;
  const cursor = c.req.query('cursor');
  const [res, options] = await Promise.all([
    c.get('api').get<{ data: ListedRouteJson[]; next_cursor: string | null }>('/routes', {
      q: f.q,
      policy: f.policy,
      expert: f.expert,
      key: f.key,
      status: f.status,
      since: utcMillis(f.since),
      until: utcMillis(f.until),
      cursor,
      limit: String(HISTORY_PAGE_SIZE),
    }),
    choices(c),
  ]);
  const filterQs = new URLSearchParams(Object.entries(f).filter(([, v]) => v !== ''));
  const older = res.ok && res.data.next_cursor ? `/admin/routes?${new URLSearchParams([...filterQs, ['cursor', res.data.next_cursor]])}` : null;
  return renderPage(c, {
    title: 'Routing history',
    nav: 'routes',
    ...(res.ok ? {} : { status: 400 as const }),
    children: (
      <>
        <FilterForm f={f} choices={options} />
        {!res.ok ? (
          <p class="notice bad" role="alert">
            {res.error.message}
          </p>
        ) : res.data.data.length === 0 ? (
          <p class="notice" role="status">
            No routes match.
          </p>
        ) : (
          <RouteTable routes={res.data.data} keyNames={new Map(options.keys.map((k) => [k.id, k.name]))} />
        )}
        <nav class="pager" aria-label="Pages">
          {cursor ? <a href={`/admin/routes${filterQs.size ? `?${filterQs}` : ''}`}>Newest</a> : null}
          {older ? <a href={older}>Older routes</a> : null}
        </nav>
      </>
    ),
  });
}

export const historyPages = new Hono<DashboardEnv>();

historyPages.get('/', listPage);
historyPages.get('/:id', routePage);
