// Vitest globalSetup: the process tests (CLI commands, `serve` crash recovery) run the real
// binary, bin/roboledger.js over dist/. dist/ is rebuilt here, once per run and before any test
// file starts, whenever a source or compiler setting is newer than the last build — otherwise a
// `vitest run` after an edit would test yesterday's code. The build is tsc's incremental one
// (tsconfig.build.json keeps its state in dist/.tsbuildinfo); when nothing changed, tsc is not
// even started, so a run that needs no build pays one directory walk.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Written by every build (tsconfig.build.json "tsBuildInfoFile"); its time is the build's. */
const buildStamp = (root: string) => join(root, 'dist', '.tsbuildinfo');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newestMtimeMs(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted or renamed file changes its directory's time
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, name)));
  return newest;
}

/** Why dist/ must be rebuilt, or undefined when it is current. */
export function staleBuild(root = ROOT): string | undefined {
  const stamp = buildStamp(root);
  if (!existsSync(stamp) || !existsSync(join(root, 'dist', 'cli', 'main.js'))) return 'no build yet';
  const built = statSync(stamp).mtimeMs;
  const changed = INPUTS.find(
    (input) => existsSync(join(root, input)) && newestMtimeMs(join(root, input)) > built,
  );
  return changed && `${changed} changed since the last build`;
}

/** What the console's build (dist/console) is made of: its own sources and the pure code it imports. */
const CONSOLE_INPUTS = ['console', 'src/robot-id', 'src/ledger', 'package-lock.json'];

/** Why dist/console must be rebuilt, or undefined when it is current. */
export function staleConsoleBuild(root = ROOT): string | undefined {
  const index = join(root, 'dist', 'console', 'index.html');
  if (!existsSync(index)) return 'no console build yet';
  const built = statSync(index).mtimeMs;
  const changed = CONSOLE_INPUTS.find(
    (input) => existsSync(join(root, input)) && newestMtimeMs(join(root, input)) > built,
  );
  return changed && `${changed} changed since the last console build`;
}

/**
 * The web console is served from dist/console (src/server/http/console.ts): the browser tests
 * and the authorization matrix's `/` need the build of the sources under test.
 */
function buildConsoleOnce(): void {
  const reason = staleConsoleBuild();
  if (!reason) return;
  process.stderr.write(`test setup: building dist/console for the console tests (${reason})\n`);
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--config', 'console/vite.config.ts', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) {
    throw new Error(
      `test setup: \`vite build\` of the console failed (exit ${result.status}):\n${result.stdout}${result.stderr}${result.error ?? ''}`,
    );
  }
}

export default function buildDistOnce(): void {
  buildConsoleOnce();
  const reason = staleBuild();
  if (!reason) return;
  process.stderr.write(`test setup: building dist/ for the process tests (${reason})\n`);
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(
      `test setup: \`tsc -p tsconfig.build.json\` failed (exit ${result.status}), so the process tests ` +
        `would run stale code:\n${result.stdout}${result.stderr}${result.error ?? ''}`,
    );
  }
  // tsc leaves its state file alone when nothing needed emitting (an input touched, not changed):
  // mark the build current anyway, or every run would start tsc again.
  const now = new Date();
  utimesSync(buildStamp(ROOT), now, now);
}
