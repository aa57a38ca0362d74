// console-load: the JavaScript the console's first page transfers, gzipped (docs/console.md
// "Benchmarks"; target at most 300 KB): every script index.html loads or preloads, as built in
// dist/console (`npm run build` first). Baseline: React and ReactDOM's production builds alone,
// gzipped, the floor of any React console.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { isMain, printBench } from './support.js';

const CONSOLE = fileURLToPath(new URL('../dist/console/', import.meta.url));
const require = createRequire(import.meta.url);
/** A package's own file, past its "exports" (which do not list the cjs builds). */
const packageFile = (name: string, path: string) =>
  readFileSync(join(dirname(require.resolve(`${name}/package.json`)), path));

const gzippedKb = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length / 1024;

export async function run() {
  const index = readFileSync(`${CONSOLE}index.html`, 'utf8');
  const scripts = [
    ...index.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g),
  ].map((m) => m[1]!);
  if (scripts.length === 0) throw new Error('index.html loads no script: is dist/console built?');
  const value = scripts.reduce((kb, path) => kb + gzippedKb(readFileSync(`${CONSOLE}${path}`)), 0);
  const baseline =
    gzippedKb(packageFile('react', 'cjs/react.production.js')) +
    gzippedKb(packageFile('react-dom', 'cjs/react-dom-client.production.js'));
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    name: 'console-load',
    value: round(value),
    unit: 'KB',
    baseline: round(baseline),
    ratio: round(value / baseline),
  };
}

if (isMain(import.meta.url)) printBench(await run());
