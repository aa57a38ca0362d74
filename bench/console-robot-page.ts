// console-robot-page: a robot page with 30 days of 1-minute rollups (43,200 buckets, drawn as
// three charts of 43,200 points from the rollups' metrics) interactive in headless Chromium
// (docs/console.md "Benchmarks"; target at most 1 s). Value: the median over several loads of
// the time from navigation start to the page's `roboledger:charts-ready` mark, set when uPlot
// has drawn every chart (the telemetry section then carries `data-ready`). Baseline, same
// browser and run: the median time the page's own API requests for that data take when made
// alone from the page (the same cursor pages, fetched and parsed as JSON).
//
// The platform runs on PostgreSQL and serves the built console (dist/console: `npm run build`
// first); one robot is filed through the API and its rollups are inserted directly into
// telemetry_rollup_1m, ending a few minutes after now so the page's window is full.
import type { Page } from 'playwright-core';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { closeAppContext, createAppContext } from '../src/server/context.js';
import { launchChromium } from '../test/console/browser.js';
import { fileTelemetryFleet, httpCaller } from '../test/support/telemetry-fleet.js';
import { freshPostgres, isMain, printBench } from './support.js';

const LOADS = Number(process.env.BENCH_SAMPLES ?? 7);
const DAYS = 30;
const MINUTE = 60_000;
const BUCKETS = DAYS * 24 * 60;
/** Buckets beyond now, so the page's window (which starts a little later) still holds 43,200. */
const AHEAD = 15;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
/** The page's own page size (console/src/pages/telemetry.ts TELEMETRY_PAGE). */
const PAGE_SIZE = 10_000;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** In the page: every cursor page of the range, fetched and parsed as the page does; ms taken. */
function fetchAsJson(page: Page, key: string, robotId: string, from: string, to: string, limit: number) {
  return page.evaluate(
    async ({ key, robotId, from, to, limit }) => {
      const started = performance.now();
      let cursor: string | null = null;
      let items = 0;
      let requests = 0;
      do {
        const query = new URLSearchParams({ from, to, resolution: '1m', limit: String(limit) });
        if (cursor) query.set('cursor', cursor);
        const res = await fetch(`/v1/robots/${robotId}/telemetry?${query}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        const body = (await res.json()) as { items: unknown[]; nextCursor: string | null };
        items += body.items.length;
        requests++;
        cursor = body.nextCursor;
      } while (cursor);
      return { ms: performance.now() - started, items, requests };
    },
    { key, robotId, from, to, limit },
  );
}

/** In the page: the given telemetry requests made at once, as the page makes them; ms taken. */
function fetchTogether(page: Page, key: string, urls: string[]) {
  return page.evaluate(
    async ({ key, urls }) => {
      const started = performance.now();
      const bodies = await Promise.all(
        urls.map(async (url) => {
          const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
          return (await res.json()) as { items: unknown[] };
        }),
      );
      return { ms: performance.now() - started, items: bodies.reduce((n, b) => n + b.items.length, 0) };
    },
    { key, urls },
  );
}

export async function run() {
  const bench = await freshPostgres(8);
  const config = loadConfig({
    ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ROBOLEDGER_KEY_RATE_LIMIT: '10000000',
  });
  const ctx = await createAppContext(bench.db, config);
  const app = await buildApp(ctx);
  const browser = await launchChromium();
  try {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const fleet = await fileTelemetryFleet(httpCaller(url), ADMIN_TOKEN, { count: 1, deploy: true });
    const robotId = fleet.robots[0]!.robotId;
    const last = Math.floor(Date.now() / MINUTE) * MINUTE + AHEAD * MINUTE;
    // Varying, plausible values: a slow battery fade, wear creeping up, a daily error cycle.
    await bench.db.query(
      `INSERT INTO telemetry_rollup_1m
       SELECT r.id, to_timestamp(($2::bigint - i::bigint * 60000) / 1000.0), 60,
              60 + s, 90 + s, 60 * (75 + s),
              95 - f, 95 - f, 60 * (95 - f),
              25, 35, 60 * 30,
              0.1 + f / 100, 0.2 + f / 100, 60 * (0.15 + f / 100),
              30, 45, 60 * 38,
              1 + s / 20, 2 + s / 20, 60 * (1.5 + s / 20),
              0.98, 1, 60 * 0.99,
              500, 1000 + (${BUCKETS + AHEAD} - i) / 60.0, 0
         FROM robots r,
              generate_series(0, ${BUCKETS + AHEAD - 1}) AS i,
              LATERAL (SELECT sin(i / 1440.0 * 2 * pi()) * 5 AS s, i / ${BUCKETS}.0 * 3 AS f) v
        WHERE r.robot_id = $1`,
      [robotId, last],
    );

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const key = fleet.manufacturer.apiKey;
    // Signed in as the console keeps it (session.ts), so the measured load is the robot page alone.
    await context.addInitScript({
      content: `sessionStorage.setItem('roboledger.apiKey', ${JSON.stringify(key)})`,
    });
    const pageUrl = `${url}/robots/${robotId}?hours=${DAYS * 24}&resolution=1m`;
    const interactive: number[] = [];
    const requestSpans: number[] = [];
    const baseline: number[] = [];
    let points = 0;
    let requests = 0;
    // One load first to warm the browser's cache and the database's, then the measured ones.
    for (let i = 0; i <= LOADS; i++) {
      const page = await context.newPage();
      await page.goto(pageUrl);
      await page.waitForSelector('section[data-ready]', { timeout: 120_000 });
      const measured = await page.evaluate(() => {
        const mark = performance.getEntriesByName('roboledger:charts-ready')[0]!;
        const telemetry = performance
          .getEntriesByType('resource')
          .filter((e) => e.name.includes('/telemetry?')) as unknown as {
          startTime: number;
          responseEnd: number;
        }[];
        return {
          ready: mark.startTime,
          requests: telemetry.length,
          fetchSpan:
            Math.max(...telemetry.map((e) => e.responseEnd)) - Math.min(...telemetry.map((e) => e.startTime)),
        };
      });
      const shown = await page.locator('.chart .hint').first().textContent();
      points = Number(/^(\d+) points/.exec(shown ?? '')?.[1] ?? 0);
      requests = measured.requests;
      const urls = await page.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .filter((e) => e.name.includes('/telemetry?'))
          .map((e) => e.name),
      );
      const json = await fetchTogether(page, key, urls);
      if (json.items !== points)
        throw new Error(`the page drew ${points} points, the API gave ${json.items}`);
      if (i > 0) {
        interactive.push(measured.ready);
        requestSpans.push(measured.fetchSpan);
        baseline.push(json.ms);
      }
      if (i === LOADS) {
        const whole = await page.evaluate((urls) => {
          const ranges = urls.map((u) => new URL(u).searchParams);
          return { from: ranges[0]!.get('from')!, to: ranges.at(-1)!.get('to')! };
        }, urls);
        const large = await fetchAsJson(page, key, robotId, whole.from, whole.to, PAGE_SIZE);
        const small = await fetchAsJson(page, key, robotId, whole.from, whole.to, 500);
        process.stderr.write(
          `console-robot-page: ${points} points a chart, ${requests} telemetry requests of up to ${PAGE_SIZE}; ` +
            `loads (ms) ${interactive.map(Math.round).join(', ')}; the page's telemetry requests ` +
            `span ${Math.round(median(requestSpans))} ms (median); alone as JSON ${Math.round(median(baseline))} ms ` +
            `(the same ${requests} requests at once); one after another: ${Math.round(large.ms)} ms in ` +
            `${large.requests} requests of ${PAGE_SIZE}, ${Math.round(small.ms)} ms in ${small.requests} of 500\n`,
        );
      }
      await page.close();
    }
    await context.close();
    const value = median(interactive);
    const base = median(baseline);
    return {
      name: 'console-robot-page',
      value: Math.round(value),
      unit: 'ms',
      baseline: Math.round(base),
      ratio: Math.round((value / base) * 100) / 100,
    };
  } finally {
    await browser.close();
    await app.close();
    await closeAppContext(ctx);
    await bench.drop();
  }
}

if (isMain(import.meta.url)) printBench(await run());
