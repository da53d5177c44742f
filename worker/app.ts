import { Hono } from 'hono';
import { adminExperts } from './admin/experts';
import { adminHistory } from './admin/history';
import { adminKeys } from './admin/keys';
import { adminPolicies } from './admin/policies';
import type { AppEnv } from './env';
import { requireAdmin } from './http/auth';
import { errorResponse, onError } from './http/errors';
import { chatRoutes } from './routes/chat';
import { modelRoutes } from './routes/models';
import { feedbackRoutes } from './routes/feedback';
import { NotFoundError } from '../router/errors';

export function createApp() {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound((c) => errorResponse(c, new NotFoundError('path', `${c.req.method} ${c.req.path}`)));
  app.get('/health', (c) => c.json({ status: 'ok', service: 'conclave' }));
  app.route('/', chatRoutes);
  app.route('/', modelRoutes);
  app.route('/', feedbackRoutes);
  const admin = new Hono<AppEnv>();
  admin.use('*', requireAdmin);
  admin.route('/experts', adminExperts);
  admin.route('/policies', adminPolicies);
  admin.route('/routes', adminHistory);
  admin.route('/keys', adminKeys);
  app.route('/admin/api', admin);
  return app;
}
