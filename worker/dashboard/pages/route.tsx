import type { CallJson, CandidateJson, FeedbackJson, RouteDetailJson, RouteJson } from '../../admin/route-view';
import { seg } from '../api-client';
import { ms, score, scoreParts, usd, utc } from '../format';
import type { DashboardContext } from '../guard';
import { notFoundPage, renderPage } from '../layout';
import { DataTable, num } from '../table';
import { Timeline, type TimelineCall } from '../timeline';

// One route: what was asked and answered, the calls really made on a time line, how the answers
// were combined, the plan the strategy made, and the feedback given.

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
  const stageOf = new Map((props.decision?.stages ?? []).flatMap((stage, i) => stage.map((c) => [c.expert, i] as const)));
  if (ranked.length === 0) return <p class="muted">No routing decision was made (the request failed before routing).</p>;
  return (
    <DataTable
      caption="The plan: every eligible expert as the strategy scored it, and the stage it was planned for (a cascade calls a later stage only when it escalates)"
      columns={['Expert', 'Planned', num('Score'), 'Why (score parts)']}
    >
      {ranked.map((c) => (
        <tr>
          <th scope="row">{c.expert}</th>
          <td>{stageOf.has(c.expert) ? `stage ${stageOf.get(c.expert)}` : ''}</td>
          <td class="num">{score(c.score)}</td>
          <td>{scoreParts(c.detail)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

function Calls(props: { calls: CallJson[]; start: string }) {
  if (props.calls.length === 0) return <p class="muted">No expert was called.</p>;
  const t0 = Date.parse(props.start);
  const timeline: TimelineCall[] = props.calls.map((c) => ({
    label: `${c.expert}${c.role === 'expert' ? '' : ` (${c.role})`}`,
    status: c.status,
    startMs: Math.max(0, Date.parse(c.started_at) - t0),
    durationMs: c.latency_ms,
  }));
  return (
    <>
      <figure>
        <figcaption>When each call started and how long it took</figcaption>
        <Timeline id="calls-timeline" calls={timeline} totalMs={0} />
      </figure>
      <DataTable
        caption="Every call made for this route, in the order they started"
        columns={['Expert', 'Role', num('Stage'), 'Status', num('Started'), num('Attempts'), num('Latency'), num('Tokens in / out'), num('Cost')]}
      >
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
            <td class="num">+{ms(Math.max(0, Date.parse(call.started_at) - t0))}</td>
            <td class="num">{call.attempts}</td>
            <td class="num">{ms(call.latency_ms)}</td>
            <td class="num">
              {call.usage.prompt_tokens} / {call.usage.completion_tokens}
            </td>
            <td class="num">{usd(call.cost_usd)}</td>
          </tr>
        ))}
      </DataTable>
      {props.calls.map((call) => (
        <section id={`call-${call.id}`} aria-labelledby={`call-${call.id}-h`}>
          <h3 id={`call-${call.id}-h`}>
            {call.expert}{' '}
            <span class="muted">
              ({call.role}, stage {call.stage})
            </span>
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
  const votes =
    tally && typeof tally === 'object' ? Object.entries(tally as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number') : [];
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
        <DataTable caption="Votes per normalised answer" columns={['Answer', num('Votes')]}>
          {votes
            .sort((a, b) => b[1] - a[1])
            .map(([answer, n]) => (
              <tr>
                <th scope="row">{answer}</th>
                <td class="num">{Number(n.toFixed(4))}</td>
              </tr>
            ))}
        </DataTable>
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

export async function routePage(c: DashboardContext) {
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
        <h2>Calls made and answers</h2>
        <Calls calls={calls} start={r.created_at} />
        <h2>Votes or synthesis</h2>
        <Aggregation detail={r.aggregation_detail} aggregation={r.aggregation} />
        <h2>Routing plan</h2>
        <Decision decision={r.decision} />
        <h2>Feedback</h2>
        <Feedback feedback={feedback} />
      </>
    ),
  });
}
