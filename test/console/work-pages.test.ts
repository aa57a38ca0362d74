// The console's work pages in a real browser: alerts acknowledged, a transfer accepted, an
// incident's findings recorded by a regulator, a recall campaign with its units; the navigation
// by role; each page keyboard-driven where it acts, free of console errors and of serious
// accessibility violations.
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createOrg } from '../support/app.js';
import { fileRobot, type OrgRef, recordEvent, transferRobot } from '../support/fleet.js';
import { fileTelemetryFleet, healthySample, postBatch, signBatch } from '../support/telemetry-fleet.js';
import {
  type ConsolePlatform,
  launchChromium,
  openPage,
  seriousAxeViolations,
  startConsolePlatform,
} from './browser.js';

/** The page's globals, typed here because the tests compile without the DOM library. */
interface BrowserGlobals {
  sessionStorage: { setItem(key: string, value: string): void };
}

/** Opens `path` signed in as `org`: the key put where the sign-in page keeps it (test/console/public-pages covers the form). */
async function openSignedIn(browser: Browser, server: ConsolePlatform, org: OrgRef, path: string) {
  const opened = await openPage(browser);
  await opened.page.addInitScript((key) => {
    (globalThis as unknown as BrowserGlobals).sessionStorage.setItem('roboledger.apiKey', key);
  }, org.apiKey);
  await opened.page.goto(`${server.url}${path}`);
  return opened;
}

/**
 * With ROBOLEDGER_SCREENSHOTS=1 the pages are photographed into docs/console/ for docs/console.md;
 * an ordinary run writes nothing.
 */
async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.ROBOLEDGER_SCREENSHOTS) return;
  await page.screenshot({ path: fileURLToPath(new URL(`../../docs/console/${name}.png`, import.meta.url)) });
}

async function navLinks(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Console' });
  await nav.getByRole('link', { name: 'Fleet' }).waitFor();
  return (await nav.getByRole('link').allTextContents()).map((text) => text.trim());
}

describe('console: alerts, transfers, incidents and recalls', () => {
  let server: ConsolePlatform;
  let browser: Browser;
  let maker: OrgRef;
  let operator: OrgRef;
  let regulator: OrgRef;

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startConsolePlatform();
    [maker, operator, regulator] = await Promise.all([
      createOrg(server.platform, 'manufacturer', { name: 'Wuhan Walkers' }),
      createOrg(server.platform, 'operator', { name: 'Harbour Logistics' }),
      createOrg(server.platform, 'regulator', { name: 'Robot Safety Office' }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists open alerts and acknowledges one from the keyboard; the list updates', async () => {
    const fleet = await fileTelemetryFleet(server.platform, ADMIN_TOKEN, { count: 1, jointCount: 4 });
    const robot = fleet.robots[0]!;
    const start = server.platform.ctx.clock().getTime() - 3_600_000;
    const lowSoh = Array.from({ length: 5 }, (_, k) =>
      healthySample(4, start + k * 1000, { battery: { socPct: 50, sohPct: 70, cycles: 900, tempC: 30 } }),
    );
    expect((await postBatch(server.platform, signBatch(robot, { seq: 1, samples: lowSoh }))).statusCode).toBe(
      202,
    );

    const { context, page, errors } = await openSignedIn(browser, server, fleet.manufacturer, '/alerts');
    const row = page.getByRole('row').filter({ hasText: 'battery_soh_low' });
    await row.waitFor();
    expect(await row.textContent()).toContain(robot.robotId);
    await screenshot(page, 'alerts');
    expect(await seriousAxeViolations(page)).toEqual([]);
    const button = row.getByRole('button', { name: /^Acknowledge/ });
    await button.focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('Acknowledged battery_soh_low');
    await page.getByText('No open alerts.').waitFor();
    const acknowledged = await server.platform.call(
      'GET',
      `/v1/alerts?robotId=${robot.robotId}&state=acknowledged`,
      {
        token: fleet.manufacturer.apiKey,
      },
    );
    expect(acknowledged.json().items).toHaveLength(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("accepts an incoming transfer; the sender's outgoing list says Accepted", async () => {
    const robot = await fileRobot(server.platform, maker);
    const offer = await server.platform.call('POST', `/v1/robots/${robot.robotId}/transfers`, {
      token: maker.apiKey,
      body: { toOrgId: operator.id },
    });
    expect(offer.statusCode).toBe(201);

    const { context, page, errors } = await openSignedIn(browser, server, operator, '/transfers');
    const incoming = page.getByRole('region', { name: 'Incoming' });
    const row = incoming.getByRole('row').filter({ hasText: robot.robotId });
    await row.waitFor();
    await expect.poll(() => row.textContent()).toContain('Wuhan Walkers');
    await screenshot(page, 'transfers');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await row.getByRole('button', { name: /^Accept/ }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Accepted');
    await incoming.getByText('No transfer is waiting for your decision.').waitFor();
    const owned = await server.platform.call('GET', `/v1/robots/${robot.robotId}`, {
      token: operator.apiKey,
    });
    expect(owned.json().ownerOrgId ?? owned.json().owner?.id).toBe(operator.id);
    expect(errors).toEqual([]);
    await context.close();

    const sender = await openSignedIn(browser, server, maker, '/transfers');
    const outgoing = sender.page.getByRole('region', { name: 'Outgoing' });
    const sent = outgoing.getByRole('row').filter({ hasText: robot.robotId });
    await sent.waitFor();
    expect(await sent.textContent()).toContain('Accepted');
    expect(await seriousAxeViolations(sender.page)).toEqual([]);
    expect(sender.errors).toEqual([]);
    await sender.context.close();
  });

  it("lets a regulator start an investigation and record findings on the incident's page", async () => {
    const robot = await fileRobot(server.platform, maker);
    await transferRobot(server.platform, robot.robotId, maker, operator);
    await recordEvent(server.platform, robot.robotId, operator, 'deployment', { siteName: 'Hall 3' });
    const now = server.platform.ctx.clock().getTime();
    const reported = await server.platform.call('POST', '/v1/incidents', {
      token: operator.apiKey,
      body: {
        robotId: robot.robotId,
        kind: 'collision',
        severity: 'moderate',
        description: 'The robot bumped into a shelf.',
        occurredAt: new Date(now - 60_000).toISOString(),
      },
    });
    expect(reported.statusCode).toBe(201);
    const incidentId = reported.json().incidentId as string;
    // The operator at the time of the incident, as the platform named it.
    const operatorParty = (reported.json().parties as { role: string; orgId: string }[]).find(
      (party) => party.role === 'operator',
    )!;

    const { context, page, errors } = await openSignedIn(browser, server, regulator, '/incidents');
    await page.getByRole('link', { name: /UTC/ }).first().click();
    await page.getByRole('heading', { level: 1, name: /Collision/ }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/incidents/${incidentId}`);
    await page.getByRole('heading', { name: 'Evidence', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Analysis', exact: true }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Start the investigation' }).click();
    const form = page.getByRole('form', { name: 'Findings' });
    await form.waitFor();
    const operatorFields = form.getByRole('group', { name: /Operator/ });
    await operatorFields.getByLabel('Responsibility').selectOption('primary');
    await operatorFields.getByLabel('Note').fill('Shelf placed in the robot’s lane.');
    await form.getByLabel('Conclusion').fill('The operator left an obstacle in the mapped lane.');
    await screenshot(page, 'incident');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await form.getByRole('button', { name: 'Record findings' }).click();
    await expect.poll(() => page.getByRole('status').last().textContent()).toContain('Findings recorded.');
    const findings = page.getByRole('region', { name: 'Findings', exact: true });
    await expect.poll(() => findings.textContent()).toContain('The operator left an obstacle');
    const stored = await server.platform.call('GET', `/v1/incidents/${incidentId}`, {
      token: regulator.apiKey,
    });
    expect(stored.json().findings[0].parties).toMatchObject([
      { role: 'operator', orgId: operatorParty.orgId, responsibility: 'primary' },
    ]);
    expect(errors).toEqual([]);
    await context.close();

    // The reporter sees the incident but not the form: findings are the authorities'.
    const reporter = await openSignedIn(browser, server, operator, `/incidents/${incidentId}`);
    await reporter.page.getByRole('heading', { level: 1, name: /Collision/ }).waitFor();
    await reporter.page.getByRole('heading', { name: 'Findings', exact: true }).waitFor();
    expect(await reporter.page.getByRole('heading', { name: 'Record findings' }).count()).toBe(0);
    expect(reporter.errors).toEqual([]);
    await reporter.context.close();
  });

  it('opens a recall campaign by its ID with its progress and units', async () => {
    const robot = await fileRobot(server.platform, maker);
    const opened = await server.platform.call('POST', '/v1/recalls', {
      token: maker.apiKey,
      body: {
        campaignId: 'R-2026-CONSOLE',
        modelIds: [robot.modelId],
        component: 'knee actuator',
        summary: 'Knee actuators of the first batch may wear early.',
        consequence: 'The robot may stumble.',
        remedy: { type: 'inspection' },
      },
    });
    expect(opened.statusCode).toBe(201);

    const { context, page, errors } = await openSignedIn(browser, server, maker, '/recalls');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByLabel('Campaign ID').fill('R-2026-CONSOLE');
    await page.getByLabel('Campaign ID').press('Enter');
    await page.getByRole('heading', { name: 'Campaign R-2026-CONSOLE' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/recalls/R-2026-CONSOLE');
    await page.getByRole('row').filter({ hasText: robot.robotId }).waitFor();
    await screenshot(page, 'recalls');
    expect(await page.getByRole('region', { name: 'Campaign R-2026-CONSOLE' }).textContent()).toContain(
      'Knee actuators of the first batch',
    );
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('links only the sections a role may use', async () => {
    const maintainer = await createOrg(server.platform, 'maintainer');
    const { context, page, errors } = await openSignedIn(browser, server, maintainer, '/fleet');
    const links = await navLinks(page);
    expect(links).toContain('Alerts');
    expect(links).not.toContain('Transfers');
    expect(errors).toEqual([]);
    await context.close();
  });
});
