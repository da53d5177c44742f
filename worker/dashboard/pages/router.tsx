import { Hono } from 'hono';
import type { LearningReport } from '../../learning/learn';
import type { ApiResult } from '../api-client';
import { bytes, counted, utc } from '../format';
import type { DashboardContext, DashboardEnv } from '../guard';
import { PostButton } from '../controls';
import { renderPage } from '../layout';
import { DataTable, num } from '../table';

/** One row of GET /admin/api/artifacts. */
interface ArtifactJson {
  name: string;
  version: number;
  created_at: string;
  bytes: number;
  chunks: number;
  feedback_through: number;
  learns_online: boolean;
}

function ArtifactTable(props: { artifacts: ArtifactJson[] }) {
  if (props.artifacts.length === 0) {
    return (
      <p class="notice">
        No router artifacts are stored: seed the trained ones (<code>npm start</code> and <code>npm run deploy</code> do) before the routers can learn.
      </p>
    );
  }
  return (
    <DataTable
      caption="The live (newest) version of every trained router artifact"
      columns={['Artifact', num('Version'), num('Size'), 'Learned through feedback', 'Learns from feedback', 'Created (UTC)']}
    >
      {props.artifacts.map((a) => (
        <tr>
          <th scope="row">{a.name}</th>
          <td class="num">{a.version}</td>
          <td class="num">
            {bytes(a.bytes)}
            <div class="muted">{counted(a.chunks, 'chunk')}</div>
          </td>
          <td>{a.feedback_through ? `#${a.feedback_through}` : <span class="muted">none yet</span>}</td>
          <td>{a.learns_online ? 'yes' : <span class="muted">no, trained offline</span>}</td>
          <td>{utc(Date.parse(a.created_at))}</td>
        </tr>
      ))}
    </DataTable>
  );
}

function ReportView(props: { result: ApiResult<LearningReport> }) {
  const r = props.result;
  if (!r.ok) {
    return (
      <p class="notice bad" role="alert">
        Learning failed: {r.error.message}
      </p>
    );
  }
  const { feedback, examples, saved, skipped } = r.data;
  return (
    <section class={`notice ${saved.length ? 'good' : ''}`} role="status" aria-labelledby="report-h">
      <h2 id="report-h">Learning report</h2>
      <p>
        Read {counted(feedback, 'new rating')}, {examples} of them with per-expert outcomes.{' '}
        {saved.length ? `Saved ${saved.join(', ')}.` : `Nothing saved: ${skipped ?? 'no change'}.`}
      </p>
    </section>
  );
}

async function page(c: DashboardContext, report: ApiResult<LearningReport> | null) {
  const artifacts = await c.get('api').must<{ data: ArtifactJson[] }>('/artifacts');
  return renderPage(c, {
    title: 'Router',
    nav: 'router',
    children: (
      <>
        {report ? <ReportView result={report} /> : null}
        <ArtifactTable artifacts={artifacts.data} />
        <h2>Learn from feedback</h2>
        <p class="muted">
          The bandit learns within seconds of a rating and the cron job teaches the other routers every 15 minutes. This runs that learning now, over the
          ratings each artifact has not seen yet; a rating is never learned twice.
        </p>
        <PostButton action="/admin/router/learn" csrf={c.get('csrf')} class="primary">
          Learn from feedback now
        </PostButton>
      </>
    ),
  });
}

export const routerPages = new Hono<DashboardEnv>();

routerPages.get('/', (c) => page(c, null));
routerPages.post('/learn', async (c) => page(c, await c.get('api').post<LearningReport>('/artifacts/learn', {})));
