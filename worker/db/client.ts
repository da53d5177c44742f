import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

// drizzle() walks the whole schema's relations each time it is called: one instance per binding
// for the isolate's life instead of one per request.
const instances = new WeakMap<D1Database, ReturnType<typeof create>>();

function create(d1: D1Database) {
  return drizzle(d1, { schema });
}

export function createDb(d1: D1Database): Db {
  let db = instances.get(d1);
  if (!db) instances.set(d1, (db = create(d1)));
  return db;
}

export type Db = ReturnType<typeof create>;
