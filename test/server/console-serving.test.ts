// How the platform serves the web console (docs/console.md "Serving"): index.html at `/` and at
// every console path (the router draws the page), hashed assets with long caching, and no
// fallback for the API's or operations' paths, whose unknown URLs keep their JSON 404.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONSOLE_DIR, isConsolePath } from '../../src/server/http/console.js';
import { startTestPlatform, type TestPlatform } from '../support/app.js';

describe('console serving', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
  });
  afterAll(async () => {
    await p?.close();
  });

  it('answers index.html at / and at console paths, never cached, with a content security policy', async () => {
    for (const url of [
      '/',
      '/check',
      '/sign-in',
      '/fleet?status=in_service',
      '/robots/CNB7K2B0A3T511000000000123455',
    ]) {
      const res = await p.call('GET', url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/^text\/html/);
      expect(res.body, url).toContain('<div id="root">');
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.headers['content-security-policy'], url).toContain("script-src 'self'");
    }
  });

  it('serves the built assets with a year of caching', async () => {
    const assets = readdirSync(join(DEFAULT_CONSOLE_DIR, 'assets'));
    const script = assets.find((name) => name.endsWith('.js'));
    expect(script).toBeDefined();
    const res = await p.call('GET', `/assets/${script}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('keeps JSON 404s for unknown API, operational and asset paths', async () => {
    for (const url of [
      '/v1/nothing',
      '/v1',
      '/docs/nothing',
      '/metrics/x',
      '/healthz/x',
      '/openapi.json/x',
      '/assets/missing.js',
      '/favicon.ico',
      '/assets/../package.json',
    ]) {
      const res = await p.call('GET', url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe('NOT_FOUND');
    }
    const post = await p.call('POST', '/check', { body: {} });
    expect(post.statusCode).toBe(404);
  });

  it('tells console paths from the API and operations', () => {
    expect(isConsolePath('/')).toBe(true);
    expect(isConsolePath('/ledger')).toBe(true);
    expect(isConsolePath('/robots/X/report')).toBe(true);
    for (const path of [
      '/v1/robots',
      '/docs',
      '/openapi.json',
      '/metrics',
      '/healthz',
      '/readyz',
      '/checkpoint',
      '/tile/0/000',
      '/assets/a.js',
      '/robots.txt',
    ]) {
      expect(isConsolePath(path), path).toBe(false);
    }
  });
});
