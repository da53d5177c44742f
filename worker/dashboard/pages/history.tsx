import { Hono } from 'hono';
import type { CallJson, CandidateJson, FeedbackJson, RouteDetailJson, RouteJson } from '../../admin/route-view';
import { seg } from '../api-client';
import { ms, usd, utc } from '../format';
import type { DashboardContext, DashboardEnv } from '../guard';
import { Field, notFoundPage, renderPage } from '../layout';

export const HISTORY_PAGE_SIZE = 25;

const FILTERS = ['policy', 'expert', 'key', 'status', 'since', 'until'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** datetime-local gives minutes without a zone; the page says times are UTC, so it is read as UTC. */
function utcMillis(local: string): string | undefined {
  if (!local) return undefined;
  const t = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(local) ? local : `${local}Z`);
  return Number.isFinite(t) ? String(t) : local;
}

function FilterForm(props: { f: Filters }) {
  const { f } = props;
  return (
    <form class="filters" method="get" action="/admin/routes" role="search" aria-label="Filter routes">
      <Field name="policy" label="Policy" render={(a) => <input {...a} type="text" value={f.policy} />} />
      <Field name="expert" label="Expert" render={(a) => <input {...a} type="text" value={f.expert} />} />
      <Field name="key" label="API key id" render={(a) => <input {...a} type="text" value={f.key} />} />
      <Field
        name="status"
        label="Status"
        render={(a) => (
          <select {...a}>
            {['', 'ok', 'error'].map((s) => (
              <option value={s} selected={f.status === s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        )}
      />
      <Field name="since" label="From (UTC)" render={(a) => <input {...a} type="datetime-local" value={f.since} />} />
      <Field name="until" label="To (UTC)" render={(a) => <input {...a} type="datetime-local" value={f.until} />} />
      <div class="actions">
        <button class="primary" type="submit">
          Filter
        </button>
        <a class="button" href="/admin/routes">
          Clear
        </a>
      </div>
    </form>
  );
}

function RouteTable(props: { routes: RouteJson[] }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="muted">Routed requests, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Key</th>
            <th scope="col">Policy</th>
            <th scope="col">Experts</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Latency
            </th>
            <th scope="col" class="num">
              Cost
            </th>
          </tr>
        </thead>
        <tbody>
          {props.routes.map((r) => (
            <tr>
              <th scope="row">
                <a href={`/admin/routes/${seg(r.id)}`} aria-label={`Route ${r.id} at ${utc(r.created_at)}`}>
                  {utc(r.created_at)}
                </a>
              </th>
              <td>{r.api_key_id ?? <span class="muted">dev key</span>}</td>
              <td>
                {r.policy}
                <div class="muted">
                  {r.strategy} → {r.aggregation}
                </div>
              </td>
              <td>{(r.decision?.stages ?? []).flat().map((c) => c.expert).join(', ') || <span class="muted">none</span>}</td>
              <td>
                <span class={`pill ${r.status}`}>{r.status === 'ok' ? 'ok' : `${r.http_status} ${r.error?.code ?? 'error'}`}</span>
              </td>
              <td class="num">{ms(r.latency_ms)}</td>
              <td class="num">{usd(r.cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

async function listPage(c: DashboardContext) {
  const f = Object.fromEntries(FILTERS.map((k) => [k, (c.req.query(k) ?? '').trim()])) as Filters;
  const cursor = c.req.query('cursor');
  const res = await c.get('api').get<{ data: RouteJson[]; next_cursor: string | null }>('/routes', {
    policy: f.policy,
    expert: f.expert,
    key: f.key,
    status: f.status,
    since: utcMillis(f.since),
    until: utcMillis(f.until),
    cursor,
    limit: String(HISTORY_PAGE_SIZE),
  });
  const filterQs = new URLSearchParams(Object.entries(f).filter(([, v]) => v !== ''));
  const older = res.ok && res.data.next_cursor ? `/admin/routes?${new URLSearchParams([...filterQs, ['cursor', res.data.next_cursor]])}` : null;
  return renderPage(c, {
    title: 'Routing history',
    nav: 'routes',
    ...(res.ok ? {} : { status: 400 as const }),
    children: (
      <>
        <FilterForm f={f} />
        {!res.ok ? (
          <p class="notice bad" role="alert">
            {res.error.message}
          </p>
        ) : res.data.data.length === 0 ? (
          <p class="notice" role="status">
            No routes match.
          </p>
        ) : (
          <RouteTable routes={res.data.data} />
        )}
        <nav class="pager" aria-label="Pages">
          {cursor ? <a href={`/admin/routes${filterQs.size ? `?${filterQs}` : ''}`}>Newest</a> : null}
          {older ? <a href={older}>Older routes</a> : null}
        </nav>
      </>
    ),
  });
}

function Facts(props: { r: RouteJson }) {
  const r = props.r;
  return (
    <dl class="facts">
      <dt>Route id</dt>
      <dd>{r.id}</dd>
      <dt>Time (UTC)</dt>
      <dd>{utc(r.created_at)}</dd>
      <dt>API key</dt>
      <dd>{r.api_key_id ?? 'dev key'}</dd>
      <dt>Model asked for</dt>
      <dd>{r.model}</dd>
      <dt>Policy</dt>
      <dd>
        {r.policy} ({r.strategy} → {r.aggregation})
      </dd>
      <dt>Status</dt>
      <dd>
        <span class={`pill ${r.status}`}>{r.status}</span> HTTP {r.http_status}
        {r.error ? ` · ${r.error.source ?? ''} error ${r.error.code ?? ''}: ${r.error.message}` : ''}
      </dd>
      <dt>Latency</dt>
      <dd>
        {ms(r.latency_ms)}
        {r.ttft_ms !== null ? ` (first token after ${ms(r.ttft_ms)})` : ''}
        {r.stream ? ' · streamed' : ''}
      </dd>
      <dt>Tokens</dt>
      <dd>
        {r.usage.prompt_tokens} in / {r.usage.completion_tokens} out
      </dd>
      <dt>Cost</dt>
      <dd>{usd(r.cost_usd)}</dd>
    </dl>
  );
}

function Decision(props: { decision: RouteJson['decision'] }) {
  const ranked: CandidateJson[] = props.decision?.ranked ?? [];
  const chosen = new Set((props.decision?.stages ?? []).flat().map((c) => c.expert));
  if (ranked.length === 0) return <p class="muted">No routing decision was made (the request failed before routing).</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="muted">Every eligible expert as the strategy scored it; chosen ones are marked</caption>
        <thead>
          <tr>
            <th scope="col">Expert</th>
            <th scope="col">Chosen</th>
            <th scope="col" class="num">
              Score
            </th>
            <th scope="col">Why (score parts)</th>
          </tr>
        </thead>
        <tbody>
          {ranked.map((c) => (
            <tr>
              <th scope="row">{c.expert}</th>
              <td>{chosen.has(c.expert) ? 'yes' : ''}</td>
              <td class="num">{Number(c.score.toFixed(6))}</td>
              <td>{c.detail ? Object.entries(c.detail).map(([k, v]) => `${k} ${v}`).join(' · ') : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Calls(props: { calls: CallJson[] }) {
  if (props.calls.length === 0) return <p class="muted">No expert was called.</p>;
  return (
    <>
      <div class="table-wrap">
        <table>
          <caption class="muted">Every call made for this route</caption>
          <thead>
            <tr>
              <th scope="col">Expert</th>
              <th scope="col">Role</th>
              <th scope="col" class="num">
                Stage
              </th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Attempts
              </th>
              <th scope="col" class="num">
                Latency
              </th>
              <th scope="col" class="num">
                Tokens in / out
              </th>
              <th scope="col" class="num">
                Cost
              </th>
            </tr>
          </thead>
          <tbody>
            {props.calls.map((call) => (
              <tr>
                <th scope="row">
                  <a href={`#call-${call.id}`}>{call.expert}</a>
                </th>
                <td>{call.role}</td>
                <td class="num">{call.stage}</td>
                <td>
                  <span class={`pill ${call.status}`}>{call.status}</span>
                </td>
                <td class="num">{call.attempts}</td>
                <td class="num">{ms(call.latency_ms)}</td>
                <td class="num">
                  {call.usage.prompt_tokens} / {call.usage.completion_tokens}
                </td>
                <td class="num">{usd(call.cost_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.calls.map((call) => (
        <section id={`call-${call.id}`} aria-labelledby={`call-${call.id}-h`}>
          <h3 id={`call-${call.id}-h`}>
            {call.expert} <span class="muted">({call.role}, stage {call.stage})</span>
          </h3>
          {call.response !== null ? <pre class="text">{call.response}</pre> : <p class="error">{call.error?.message ?? call.status}</p>}
        </section>
      ))}
    </>
  );
}

function Aggregation(props: { detail: Record<string, unknown> | null; aggregation: string }) {
  const d = props.detail;
  if (!d) return <p class="muted">No aggregation result (the request failed).</p>;
  const { winner, tally, ...rest } = d;
  const votes = tally && typeof tally === 'object' ? Object.entries(tally as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number') : [];
  return (
    <>
      <p>
        Aggregation <strong>{props.aggregation}</strong>
        {typeof winner === 'string' ? (
          <>
            ; answer taken from <strong>{winner}</strong>
          </>
        ) : null}
        .
      </p>
      {votes.length ? (
        <div class="table-wrap">
          <table>
            <caption class="muted">Votes per normalised answer</caption>
            <thead>
              <tr>
                <th scope="col">Answer</th>
                <th scope="col" class="num">
                  Votes
                </th>
              </tr>
            </thead>
            <tbody>
              {votes
                .sort((a, b) => b[1] - a[1])
                .map(([answer, n]) => (
                  <tr>
                    <th scope="row">{answer}</th>
                    <td class="num">{Number(n.toFixed(4))}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {Object.keys(rest).length ? (
        <details>
          <summary>Aggregation details</summary>
          <pre class="text">{JSON.stringify(rest, null, 2)}</pre>
        </details>
      ) : null}
    </>
  );
}

function Feedback(props: { feedback: FeedbackJson[] }) {
  if (props.feedback.length === 0) return <p class="muted">No feedback given.</p>;
  return (
    <ul>
      {props.feedback.map((f) => (
        <li>
          {utc(f.created_at)}: score <strong>{f.score}</strong> {f.score >= 0.5 ? '(right / good)' : '(wrong / bad)'}
          {f.answer ? ` · right answer: ${f.answer}` : ''}
          {f.comment ? ` · “${f.comment}”` : ''}
          {f.api_key_id ? <span class="muted"> · key {f.api_key_id}</span> : null}
        </li>
      ))}
    </ul>
  );
}

async function routePage(c: DashboardContext) {
  const id = c.req.param('id')!;
  const res = await c.get('api').get<RouteDetailJson>(`/routes/${seg(id)}`);
  if (!res.ok) return notFoundPage(c, `Route '${id}'`, 'routes');
  const { route: r, calls, feedback } = res.data;
  return renderPage(c, {
    title: `Route ${r.id}`,
    nav: 'routes',
    children: (
      <>
        <p>
          <a href="/admin/routes">← Routing history</a>
        </p>
        <Facts r={r} />
        <h2>Prompt</h2>
        <pre class="text">{r.prompt}</pre>
        <h2>Answer returned</h2>
        {r.response !== null ? <pre class="text">{r.response}</pre> : <p class="error">{r.error?.message ?? 'No answer.'}</p>}
        <h2>Routing decision</h2>
        <Decision decision={r.decision} />
        <h2>Votes or synthesis</h2>
        <Aggregation detail={r.aggregation_detail} aggregation={r.aggregation} />
        <h2>Calls and answers</h2>
        <Calls calls={calls} />
        <h2>Feedback</h2>
        <Feedback feedback={feedback} />
      </>
    ),
  });
}

export const historyPages = new Hono<DashboardEnv>();

historyPages.get('/', listPage);
historyPages.get('/:id', routePage);
