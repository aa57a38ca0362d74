// The history report page in a real browser: `Verified` only once the browser has checked the
// report itself (signatures, openings, inclusion proofs, with WebCrypto); a report changed by one
// byte of one record on its way says `Not verified` and names the record; a share link opens it
// with the token and no API key.
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportScene, type ReportScene } from '../support/report-scene.js';
import {
  type ConsolePlatform,
  launchChromium,
  openPage,
  seriousAxeViolations,
  startConsolePlatform,
} from './browser.js';

interface BrowserGlobals {
  sessionStorage: { setItem(key: string, value: string): void };
}

describe('console: the verified history report page', () => {
  let server: ConsolePlatform;
  let browser: Browser;
  let scene: ReportScene;

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startConsolePlatform();
    scene = await buildReportScene(server.platform);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function openAsOwner(path: string) {
    const opened = await openPage(browser);
    await opened.page.addInitScript((key) => {
      (globalThis as unknown as BrowserGlobals).sessionStorage.setItem('roboledger.apiKey', key);
    }, scene.owner.apiKey);
    await opened.page.goto(`${server.url}${path}`);
    return opened;
  }

  it('says Verified for the real report, with the summary first', async () => {
    const { context, page, errors } = await openAsOwner(`/robots/${scene.robot.robotId}/report`);
    const status = page.getByRole('status');
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^Verified|^Not verified/);
    expect(await status.textContent()).toBe('Verified');
    const summary = page.getByRole('region', { name: 'Summary' });
    const text = await summary.textContent();
    expect(text).toContain('Owners');
    expect(text).toContain('Incidents1 (0 serious)');
    expect(text).toContain('Structural damage recorded.');
    await page.getByRole('heading', { name: 'Ownership' }).waitFor();
    // ROBOLEDGER_SCREENSHOTS=1 photographs the page for docs/console.md; an ordinary run writes nothing.
    if (process.env.ROBOLEDGER_SCREENSHOTS) {
      await page.screenshot({
        path: fileURLToPath(new URL('../../docs/console/report.png', import.meta.url)),
      });
    }
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says Not verified, naming the record, when one byte of a record was changed on the way', async () => {
    const { context, page, errors } = await openPage(browser);
    await page.addInitScript((key) => {
      (globalThis as unknown as BrowserGlobals).sessionStorage.setItem('roboledger.apiKey', key);
    }, scene.owner.apiKey);
    await page.route('**/v1/robots/*/report', async (route) => {
      const response = await route.fetch();
      const report = await response.json();
      const opening = report.proof.records[1].opening;
      const record = Buffer.from(opening.record, 'base64');
      // One digit of the record changed: still canonical JSON, no longer what the leaf commits to.
      const at = record.findIndex((byte) => byte >= 0x30 && byte <= 0x38);
      record[at] = record[at]! + 1;
      opening.record = record.toString('base64');
      await route.fulfill({ response, body: JSON.stringify(report) });
    });
    await page.goto(`${server.url}/robots/${scene.robot.robotId}/report`);
    const status = page.getByRole('status');
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^Verified|^Not verified/);
    const text = await status.textContent();
    expect(text).toMatch(/^Not verified: record seq 1 \(ledger index \d+\)/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('opens a share link with the token and no API key, and verifies it', async () => {
    const expiresAt = new Date(server.platform.ctx.clock().getTime() + 24 * 3_600_000).toISOString();
    const share = await server.platform.call('POST', `/v1/robots/${scene.robot.robotId}/report-shares`, {
      token: scene.owner.apiKey,
      body: { expiresAt },
    });
    expect(share.statusCode, share.body).toBe(201);
    const { context, page, errors } = await openPage(browser);
    const requests: { authorization?: string; token?: string }[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/report')) {
        const headers = request.headers();
        requests.push({ authorization: headers.authorization, token: headers['x-report-token'] });
      }
    });
    await page.goto(`${server.url}/report/${share.json().token}`);
    const status = page.getByRole('status');
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^Verified|^Not verified/);
    expect(await status.textContent()).toBe('Verified');
    const api = requests.filter((r) => r.token !== undefined);
    expect(api.length).toBeGreaterThan(0);
    expect(api.every((r) => r.authorization === undefined && r.token === share.json().token)).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
