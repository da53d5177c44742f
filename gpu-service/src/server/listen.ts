// Binds the app to a port and provides graceful shutdown: stop accepting, let running and queued
// generations finish streaming, then close the sockets.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { ServedModel } from '../service.js';
import { createApp, type AppOptions } from './app.js';

export interface RunningServer {
  url: string;
  port: number;
  /** Drains in-flight generations, then closes the listener and idle connections. */
  shutdown(): Promise<void>;
}

export function startServer(model: ServedModel, port: number, hostname = '127.0.0.1', opts: AppOptions = {}): Promise<RunningServer> {
  const app = createApp(model, opts);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info: AddressInfo) => {
      const url = `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${info.port}`;
      resolve({
        url,
        port: info.port,
        shutdown: async () => {
          // New requests are answered 503 by the scheduler while it drains.
          await model.scheduler.drain();
          await new Promise<void>((done) => {
            (server as Server).close(() => done());
            (server as Server).closeIdleConnections();
          });
        },
      });
    }) as Server;
    server.once('error', reject);
  });
}
