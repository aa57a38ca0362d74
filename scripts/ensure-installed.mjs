#!/usr/bin/env node
// Runs before `npm start` and `npm test`: on a fresh clone (or after the lock file changed)
// it installs exactly the locked dependencies, so the README's two commands are all a
// newcomer types. Plain JavaScript with no imports beyond Node, because nothing is installed yet.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const lock = new URL('../package-lock.json', import.meta.url);
const installed = new URL('../node_modules/.package-lock.json', import.meta.url);
const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  process.stdout.write('Installing the locked dependencies (npm ci)...\n');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
