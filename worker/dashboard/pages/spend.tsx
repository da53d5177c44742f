import type { SpendLine } from '../../admin/spend';
import { seg } from '../api-client';
import { choicesOf, FilterForm, SelectField } from '../controls';
import { choiceOf } from '../forms';
import { pct, usd } from '../format';
import type { DashboardContext } from '../guard';
import { renderPage } from '../layout';
import { BarList, ColumnChart } from '../svg';
import { DataTable, num } from '../table';
import { Card } from './overview';

// What the gateway spent, per key, policy or expert, per UTC day or month (GET /admin/api/spend).

const BY = { key: 'API key', policy: 'Policy', expert: 'Expert' } as const;
/** How a grouping reads in a caption ("Spend per API key") and on a card ("Policies with spend"). */
const NOUN: Record<By, { per: string; withSpend: string }> = {
  key: { per: 'API key', withSpend: 'API keys with spend' },
  policy: { per: 'policy', withSpend: 'Policies with spend' },
  expert: { per: 'expert', withSpend: 'Experts with spend' },
};
const PERIOD = { day: 'Day (last 30 days)', month: 'Month (last 12 months)' } as const;
type By = keyof typeof BY;
type Period = keyof typeof PERIOD;

interface SpendBody {
  by: By;
  period: Period;
  since: string;
  until: string;
  total_cost_usd: number;
  totals: SpendLine[];
  data: SpendLine[];
}

function groupName(line: SpendLine, by: By): string {
  return by === 'key' ? (line.name ?? 'dev key') : ((by === 'policy' ? line.policy : line.expert) ?? '');
}

/** Every day or month of the window, so a quiet one shows as a gap rather than disappearing. */
function periodsOf(since: string, until: string, period: Period): string[] {
  const out: string[] = [];
  const last = period === 'day' ? until : until.slice(0, 7);
  for (let t = Date.parse(`${since}T00:00:00Z`); ; ) {
    const d = new Date(t);
    const label = period === 'day' ? d.toISOString().slice(0, 10) : d.toISOString().slice(0, 7);
    if (label > last) break;
    if (out.at(-1) !== label) out.push(label);
    t = period === 'day' ? t + 86_400_000 : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return out;
}

function Totals(props: { s: SpendBody }) {
  const { s } = props;
  const noun = s.by === 'expert' ? 'Calls' : 'Requests';
  return (
    <DataTable
      caption={`Totals from ${s.since} to ${s.until} (UTC), most spent first`}
      columns={[BY[s.by], num(noun), num('Failed'), num('Tokens in / out'), num('Spent'), num('Share')]}
    >
      {s.totals.map((t) => (
        <tr>
          <th scope="row">{s.by === 'key' && t.key ? <a href={`/admin/keys/${seg(t.key)}`}>{groupName(t, s.by)}</a> : groupName(t, s.by)}</th>
          <td class="num">{t.requests}</td>
          <td class="num">{t.errors}</td>
          <td class="num">
            {t.prompt_tokens} / {t.completion_tokens}
          </td>
          <td class="num">{usd(t.cost_usd)}</td>
          <td class="num">{pct(s.total_cost_usd ? t.cost_usd / s.total_cost_usd : null)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

export async function spendPage(c: DashboardContext) {
  const by = choiceOf(c.req.query('by'), BY, 'key');
  const period = choiceOf(c.req.query('period'), PERIOD, 'day');
  const s = await c.get('api').must<SpendBody>('/spend', { by, period });
  const periods = periodsOf(s.since, s.until, period);
  const perPeriod = new Map<string, number>();
  for (const line of s.data) perPeriod.set(line.period!, (perPeriod.get(line.period!) ?? 0) + line.cost_usd);
  return renderPage(c, {
    title: 'Spend',
    nav: 'spend',
    children: (
      <>
        <FilterForm action="/admin/spend">
          <SelectField name="by" label="Per" choices={choicesOf(BY)} value={by} />
          <SelectField name="period" label="Over" choices={choicesOf(PERIOD)} value={period} />
        </FilterForm>
        <div class="cards">
          <Card label="Spent" value={usd(s.total_cost_usd)} />
          <Card label={s.by === 'expert' ? 'Calls' : 'Requests'} value={String(s.totals.reduce((n, t) => n + t.requests, 0))} />
          <Card label={NOUN[by].withSpend} value={String(s.totals.length)} />
        </div>
        <div class="charts">
          <figure>
            <figcaption>Spend per {period} (UTC)</figcaption>
            <ColumnChart
              id="spend-periods"
              title={`Spend per ${period}`}
              desc={`${usd(s.total_cost_usd)} from ${s.since} to ${s.until}`}
              labels={periods.map((p) => (period === 'day' ? p.slice(5) : p))}
              values={periods.map((p) => perPeriod.get(p) ?? 0)}
              yFormat={(n) => usd(n)}
            />
          </figure>
          <figure>
            <figcaption>Spend per {NOUN[by].per}</figcaption>
            <BarList
              id="spend-groups"
              title={`Spend per ${NOUN[by].per}`}
              desc={s.totals.map((t) => `${groupName(t, by)} ${usd(t.cost_usd)}`).join(', ') || 'no spend'}
              items={s.totals.slice(0, 12).map((t) => ({ label: groupName(t, by), value: t.cost_usd, text: usd(t.cost_usd) }))}
            />
          </figure>
        </div>
        {s.totals.length ? <Totals s={s} /> : <p class="notice">Nothing was spent in this window.</p>}
      </>
    ),
  });
}
