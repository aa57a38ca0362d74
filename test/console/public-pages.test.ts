// The console's public pages in a real browser: the robot check (malformed and registered IDs),
// signing in and out, each page free of console errors and of serious accessibility violations.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg } from '../support/app.js';
import { type FiledRobot, fileRobot } from '../support/fleet.js';
import {
  type ConsolePlatform,
  launchChromium,
  openPage,
  seriousAxeViolations,
  startConsolePlatform,
} from './browser.js';

/** The page's globals, typed here because the tests compile without the DOM library. */
interface BrowserGlobals {
  sessionStorage: { getItem(key: string): string | null };
}

describe('console: public check and sign-in', () => {
  let server: ConsolePlatform;
  let browser: Browser;
  let robot: FiledRobot;
  let maker: { id: string; apiKey: string };

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startConsolePlatform();
    maker = await createOrg(server.platform, 'manufacturer', { name: 'Wuhan Walkers' });
    robot = await fileRobot(server.platform, maker);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the console at / with a link to the public check', async () => {
    const { context, page, errors } = await openPage(browser);
    await page.goto(server.url);
    await page.getByRole('link', { name: 'Check a robot' }).first().click();
    await page.getByLabel('Robot ID').waitFor();
    expect(new URL(page.url()).pathname).toBe('/check');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('explains a malformed ID with the position of its error', async () => {
    const { context, page, errors } = await openPage(browser);
    await page.goto(`${server.url}/check`);
    // The registered ID with its check character (position 29) changed.
    const last = robot.robotId.at(-1) === '0' ? '1' : '0';
    await page.getByLabel('Robot ID').fill(robot.robotId.slice(0, 28) + last);
    await page.getByRole('button', { name: 'Check' }).click();
    const result = page.getByRole('region', { name: 'Result' });
    await expect.poll(() => result.textContent()).toContain('Position 29');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows a registered robot's status, manufacturer and model, decoding the ID while it is typed", async () => {
    const { context, page, errors } = await openPage(browser);
    await page.goto(`${server.url}/check`);
    await page.getByLabel('Robot ID').fill(robot.robotId);
    await expect.poll(() => page.getByText('Decoded in your browser').count()).toBe(1);
    await page.getByRole('button', { name: 'Check' }).click();
    const result = page.getByRole('region', { name: 'Result' });
    await expect.poll(() => result.textContent()).toContain('Wuhan Walkers');
    const text = await result.textContent();
    expect(text).toContain('Filed');
    expect(text).toContain('Walker A');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('signs in with an API key kept for the tab only, shows the navigation, and signs out', async () => {
    const { context, page, errors } = await openPage(browser);
    await page.goto(`${server.url}/sign-in`);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByLabel('API key').fill(maker.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const nav = page.getByRole('navigation');
    await nav.getByRole('link', { name: 'Fleet' }).waitFor();
    for (const name of ['Fleet', 'Alerts', 'Incidents', 'Transfers', 'Recalls', 'Ledger']) {
      expect(await nav.getByRole('link', { name, exact: true }).count(), name).toBe(1);
    }
    // The key is in sessionStorage, not in a cookie nor in the address.
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as BrowserGlobals).sessionStorage.getItem('roboledger.apiKey'),
      ),
    ).toBe(maker.apiKey);
    expect(await context.cookies()).toEqual([]);
    expect(page.url()).not.toContain(maker.apiKey);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as BrowserGlobals).sessionStorage.getItem('roboledger.apiKey'),
      ),
    ).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });
});
