import { Hono } from 'hono';
import { adminArtifacts } from './admin/artifacts';
import { adminExport } from './admin/export';
import { adminExpertTest } from './admin/expert-test';
import { adminExperts } from './admin/experts';
import { adminHealth } from './admin/health';
import { adminHistory } from './admin/history';
import { adminKeys } from './admin/keys';
import { adminMetrics } from './admin/metrics';
import { adminPolicies } from './admin/policies';
import { adminPreview } from './admin/preview';
import { adminSpend } from './admin/spend';
import { adminStats } from './admin/stats';
import { dashboard } from './dashboard';
import type { AppEnv } from './env';
import { openApiDocument } from './gateway/openapi';
import { requireAdmin } from './http/auth';
import { errorResponse, onError } from './http/errors';
import { chatRoutes } from './routes/chat';
import { embeddingRoutes } from './routes/embeddings';
import { modelRoutes } from './routes/models';
import { feedbackRoutes } from './routes/feedback';
import { NotFoundError } from '../router/errors';

export function createApp() {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound((c) => errorResponse(c, new NotFoundError('path', `${c.req.method} ${c.req.path}`)));
  app.get('/health', (c) => c.json({ status: 'ok', service: 'conclave' }));
  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  app.route('/', chatRoutes);
  app.route('/', embeddingRoutes);
  app.route('/', modelRoutes);
  app.route('/', feedbackRoutes);
  const admin = new Hono<AppEnv>();
  // The dashboard calls this API in-process (admin.request), outside the app's own error handler.
  admin.onError(onError);
  admin.use('*', requireAdmin);
  // Before /experts/:id, which would take `health` for an expert id.
  admin.route('/experts/health', adminHealth);
  admin.route('/experts', adminExperts);
  admin.route('/experts', adminExpertTest);
  admin.route('/policies/preview', adminPreview);
  admin.route('/policies', adminPolicies);
  admin.route('/routes', adminHistory);
  admin.route('/keys', adminKeys);
  admin.route('/stats', adminStats);
  admin.route('/spend', adminSpend);
  admin.route('/metrics', adminMetrics);
  admin.route('/artifacts', adminArtifacts);
  admin.route('/export', adminExport);
  app.route('/admin/api', admin);
  app.route('/admin', dashboard(admin));
  return app;
}
