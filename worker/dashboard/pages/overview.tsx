import type { Stats, StatsWindow } from '../../admin/stats';
import { STATS_WINDOWS } from '../../admin/stats';
import { axisNumber, counted, ms, pct, usd } from '../format';
import type { DashboardContext } from '../guard';
import { choicesOf, FilterForm, SelectField } from '../controls';
import { choiceOf } from '../forms';
import { renderPage } from '../layout';
import { BarList, ColumnChart, LineChart } from '../svg';

const WINDOW_LABELS: Record<StatsWindow, string> = { '1h': 'last hour', '6h': 'last 6 hours', '24h': 'last 24 hours', '7d': 'last 7 days' };

/** Bucket start as a short UTC tick: clock time for a day or less, day and hour for a week. */
function tick(at: number, window: StatsWindow): string {
  const iso = new Date(at).toISOString();
  return window === '7d' ? `${iso.slice(5, 10)} ${iso.slice(11, 13)}h` : iso.slice(11, 16);
}

export function Card(props: { label: string; value: string }) {
  return (
    <div class="card">
      <div class="muted">{props.label}</div>
      <div class="value">{props.value}</div>
    </div>
  );
}

function Charts(props: { s: Stats }) {
  const { s } = props;
  const labels = s.buckets.map((b) => tick(b.start, s.window));
  const when = WINDOW_LABELS[s.window];
  const peak = (xs: number[]) => Math.max(0, ...xs);
  const rpm = s.buckets.map((b) => b.requests_per_minute);
  const cph = s.buckets.map((b) => b.cost_per_hour_usd);
  const bucketMin = s.bucket_ms / 60_000;
  return (
    <div class="charts">
      <figure>
        <figcaption>Requests per minute</figcaption>
        <LineChart
          id="rpm"
          title="Requests per minute"
          desc={`Requests per minute in ${bucketMin}-minute buckets over the ${when} (UTC); peak ${peak(rpm).toFixed(2)}, total ${s.totals.requests}.`}
          labels={labels}
          series={[{ name: 'requests / min', values: rpm }]}
          yFormat={axisNumber}
        />
      </figure>
      <figure>
        <figcaption>Cost per hour</figcaption>
        <ColumnChart
          id="cost"
          title="Cost per hour (USD)"
          desc={`Spend as USD per hour in ${bucketMin}-minute buckets over the ${when}; peak ${usd(peak(cph))} per hour, total ${usd(s.totals.cost_usd)}.`}
          labels={labels}
          values={cph}
          yFormat={(n) => `$${axisNumber(n)}`}
        />
      </figure>
      <figure>
        <figcaption>Latency percentiles</figcaption>
        <LineChart
          id="latency"
          title="Request latency p50, p95 and p99"
          desc={`Request latency percentiles per bucket over the ${when}; whole window p50 ${ms(s.totals.latency_ms.p50)}, p95 ${ms(s.totals.latency_ms.p95)}, p99 ${ms(s.totals.latency_ms.p99)}. Gaps are buckets without requests.`}
          labels={labels}
          series={[
            { name: 'p50', values: s.buckets.map((b) => b.latency_ms.p50) },
            { name: 'p95', values: s.buckets.map((b) => b.latency_ms.p95) },
            { name: 'p99', values: s.buckets.map((b) => b.latency_ms.p99) },
          ]}
          yFormat={(n) => (n >= 10_000 ? ms(n) : `${axisNumber(n)} ms`)}
        />
      </figure>
      <figure>
        <figcaption>Accuracy from feedback</figcaption>
        <LineChart
          id="accuracy"
          title="Accuracy from client feedback"
          desc={`Mean feedback score (1 right, 0 wrong) per bucket over the ${when}: ${counted(s.totals.feedback, 'rating')}, overall ${pct(s.totals.accuracy)}. Gaps are buckets without feedback.`}
          labels={labels}
          series={[{ name: 'accuracy', values: s.buckets.map((b) => b.accuracy), color: '#2b8a3e' }]}
          yFormat={(n) => pct(n)}
        />
      </figure>
      <figure>
        <figcaption>Share of traffic per expert</figcaption>
        {s.experts.length ? (
          <BarList
            id="share"
            title="Share of answering calls per expert"
            desc={`Answering calls per expert over the ${when}: ${s.experts.map((e) => `${e.expert} ${pct(e.share)}`).join(', ')}.`}
            items={s.experts.map((e) => ({ label: e.expert, value: e.calls, text: `${pct(e.share)} · ${counted(e.calls, 'call')} · ${usd(e.cost_usd)}` }))}
          />
        ) : (
          <p class="muted">No expert was called in this window.</p>
        )}
      </figure>
    </div>
  );
}

export async function overviewPage(c: DashboardContext) {
  const window = choiceOf<StatsWindow>(c.req.query('window'), STATS_WINDOWS, '1h');
  const s = await c.get('api').must<Stats>('/stats', { window });
  return renderPage(c, {
    title: 'Overview',
    nav: 'overview',
    children: (
      <>
        <FilterForm action="/admin">
          <SelectField name="window" label="Time window" choices={choicesOf(WINDOW_LABELS)} value={window} />
        </FilterForm>
        {s.truncated ? <p class="notice">More routes than the dashboard reads at once: figures cover the newest of them.</p> : null}
        <div class="cards">
          <Card label="Requests" value={String(s.totals.requests)} />
          <Card label="Errors" value={`${s.totals.errors} (${pct(s.totals.requests ? s.totals.errors / s.totals.requests : null)})`} />
          <Card label="Cost" value={usd(s.totals.cost_usd)} />
          <Card label="Latency p50 / p95" value={`${ms(s.totals.latency_ms.p50)} / ${ms(s.totals.latency_ms.p95)}`} />
          <Card label="Latency p99" value={ms(s.totals.latency_ms.p99)} />
          <Card label={`Accuracy (${counted(s.totals.feedback, 'rating')})`} value={pct(s.totals.accuracy)} />
        </div>
        <Charts s={s} />
      </>
    ),
  });
}
