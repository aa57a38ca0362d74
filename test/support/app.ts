// An in-process platform over a fresh test database: the real app, driven with inject().
import type { LightMyRequestResponse } from 'fastify';
import { type App, buildApp } from '../../src/server/app.js';
import type { AppContext } from '../../src/server/app-context.js';
import { loadConfig } from '../../src/server/config.js';
import { type ContextOptions, closeAppContext, createAppContext } from '../../src/server/context.js';
import { openTestDatabase, type TestDatabase } from './database.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestPlatform {
  app: App;
  ctx: AppContext;
  database: TestDatabase;
  /** JSON request as the given bearer token (or none). */
  call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH',
    url: string,
    options?: { token?: string | undefined; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestPlatformOptions {
  clock?: () => Date;
  /** The checkpointer's timers: ManualTimers (manual-timers.ts) to move time on by hand. */
  checkpointTimers?: ContextOptions['checkpointTimers'];
  env?: Record<string, string>;
}

export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const database = await openTestDatabase();
  const config = loadConfig({
    ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    // A test drives thousands of requests from one address within a minute; the tests of the
    // limits themselves (load-shedding, public-route) set their own small ones.
    ROBOLEDGER_PUBLIC_RATE_LIMIT: '10000000',
    ROBOLEDGER_KEY_RATE_LIMIT: '10000000',
    ROBOLEDGER_TELEMETRY_RATE_LIMIT: '10000000',
    ...options.env,
  });
  const ctx = await createAppContext(database.db, config, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.checkpointTimers ? { checkpointTimers: options.checkpointTimers } : {}),
  });
  const app = await buildApp(ctx);
  await app.ready();
  return {
    app,
    ctx,
    database,
    call(method, url, { token, body, headers } = {}) {
      return app.inject({
        method,
        url,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        ...(body === undefined
          ? {}
          : typeof body === 'string'
            ? { payload: body }
            : { payload: body as object }),
      });
    },
    async close() {
      // The composition root's close order (platform.ts): requests, then the context's services.
      await app.close();
      await closeAppContext(ctx);
      await database.close();
    },
  };
}

/** Creates an organisation through the API as the registry; returns its id and key. */
export async function createOrg(
  p: TestPlatform,
  kind: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; apiKey: string; enterpriseCode?: string }> {
  const res = await p.call('POST', '/v1/orgs', {
    token: ADMIN_TOKEN,
    body: { name: `${kind} ${Math.random().toString(36).slice(2, 8)}`, kind, country: 'CN', ...extra },
  });
  if (res.statusCode !== 201) throw new Error(`createOrg ${kind}: ${res.statusCode} ${res.body}`);
  return res.json();
}
