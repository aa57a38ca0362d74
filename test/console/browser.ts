// The browser tests' harness (docs/console.md "Browser tests"): the real platform on an
// in-memory database, listening on a free port and serving the built console (dist/console,
// built by test/global-setup.ts), driven by playwright-core with Debian's Chromium. Tools'
// own browser downloads cannot run here, so the tests use the system browser, and fail (never
// skip) when it is missing.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { startTestPlatform, type TestPlatform, type TestPlatformOptions } from '../support/app.js';

export const CHROMIUM = process.env.ROBOLEDGER_CHROMIUM || '/usr/bin/chromium';

/** Bounds on a hang on a busy machine, not measurements: no test asserts how long anything took. */
export const BROWSER_TIMEOUT_MS = 120_000;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The console's browser tests need Chromium at ${CHROMIUM} (Debian: \`apt-get install chromium\`; ` +
        'or set ROBOLEDGER_CHROMIUM to another Chromium binary). They fail rather than skip without it.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    timeout: BROWSER_TIMEOUT_MS,
  });
}

export interface ConsolePlatform {
  platform: TestPlatform;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/** The real app over a fresh test database, listening on a free port of this machine. */
export async function startConsolePlatform(options: TestPlatformOptions = {}): Promise<ConsolePlatform> {
  const platform = await startTestPlatform(options);
  const address = await platform.app.listen({ host: '127.0.0.1', port: 0 });
  return { platform, url: address, close: () => platform.close() };
}

/** A page that records every console error and uncaught exception, for `errorsOf`. */
export async function openPage(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(BROWSER_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(BROWSER_TIMEOUT_MS);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return { context, page, errors };
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core's WCAG 2.x A/AA rules on the page as it stands: the serious and critical violations. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe and document are the page's globals
    const page = globalThis as any;
    const result = await page.axe.run(page.document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
      },
    });
    // biome-ignore lint/suspicious/noExplicitAny: axe's result objects
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      // biome-ignore lint/suspicious/noExplicitAny: axe's node results
      nodes: v.nodes.map((n: any) => n.target.join(' ')),
    }));
  });
  return (violations as AxeViolation[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
