// `npx tsx scripts/console-screenshots.ts` takes the screenshots of docs/console/ with the
// browser tests' harness: the real platform on an in-memory database with a small seeded fleet.

import { launchChromium, openPage, startConsolePlatform } from '../test/console/browser.js';
import { ADMIN_TOKEN } from '../test/support/app.js';
import { fileTelemetryFleet, healthySample, postBatch, signBatch } from '../test/support/telemetry-fleet.js';

const OUT = new URL('../docs/console/', import.meta.url);
const server = await startConsolePlatform();
const browser = await launchChromium();
try {
  const fleet = await fileTelemetryFleet(server.platform, ADMIN_TOKEN, { count: 3, deploy: true });
  const robot = fleet.robots[0]!;
  const end = Date.now() - 60_000;
  const samples = Array.from({ length: 120 }, (_, i) =>
    healthySample(robot.jointCount, end - (119 - i) * 60_000, {
      accuracy: { positionErrorMm: 3 + Math.sin(i / 9) * 2.5, taskSuccessRate: 0.99 },
      battery: { socPct: 90 - i / 4, sohPct: 96.2 - i / 200, cycles: 152, tempC: 31 },
      operatingHours: 1500 + i / 60,
    }),
  );
  await postBatch(server.platform, signBatch(robot, { seq: 1, samples }));
  await server.platform.ctx.checkpointer.checkpointNow();
  const { page } = await openPage(browser);
  await page.setViewportSize({ width: 1100, height: 760 });
  const shot = (name: string) => page.screenshot({ path: new URL(`${name}.png`, OUT).pathname });

  await page.goto(`${server.url}/check`);
  await page.getByLabel('Robot ID').fill(robot.robotId);
  await page.getByRole('button', { name: 'Check' }).click();
  await page.getByText('Walker').first().waitFor();
  await shot('check');
  await page.goto(`${server.url}/sign-in`);
  await shot('sign-in');
  await page.getByLabel('API key').fill(fleet.manufacturer.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: robot.robotId }).waitFor();
  await page.getByRole('list', { name: 'Fleet overview' }).waitFor();
  await shot('fleet');
  await page.getByRole('link', { name: robot.robotId }).click();
  await page.getByRole('region', { name: 'Battery' }).waitFor();
  await page.getByRole('region', { name: 'Accuracy' }).waitFor();
  await shot('robot');
  await page.goto(`${server.url}/ledger`);
  await page.getByLabel('Entry index').fill('5');
  await page.getByRole('button', { name: 'Check inclusion' }).click();
  await page.getByText('Verified in your browser').waitFor();
  await shot('ledger');
} finally {
  await browser.close();
  await server.close();
}
