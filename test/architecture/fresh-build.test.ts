// The process tests run dist/; the Vitest global setup rebuilds it when an input is newer than
// the last build (test/global-setup.ts). Here on a scratch tree: which changes count.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { staleBuild } from '../global-setup.js';

describe('the build the process tests run', () => {
  const root = mkdtempSync(join(tmpdir(), 'rl-build-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const at = (path: string, seconds: number) => utimesSync(join(root, path), seconds, seconds);

  it('is rebuilt when missing, or when a source, a tsconfig or the lock file is newer', () => {
    expect(staleBuild(root)).toBe('no build yet');
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    for (const file of ['src/cli/main.ts', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) {
      writeFileSync(join(root, file), '');
      at(file, 1_000);
    }
    for (const dir of ['src/cli', 'src']) at(dir, 1_000);
    writeFileSync(join(root, 'dist/cli/main.js'), '');
    expect(staleBuild(root)).toBe('no build yet'); // no build state: tsc never finished here
    writeFileSync(join(root, 'dist/.tsbuildinfo'), '{}');
    at('dist/.tsbuildinfo', 2_000);
    expect(staleBuild(root)).toBeUndefined();

    at('src/cli/main.ts', 3_000); // an edit
    expect(staleBuild(root)).toBe('src changed since the last build');
    at('src/cli/main.ts', 1_000);
    writeFileSync(join(root, 'src/cli/new.ts'), ''); // a new file (its directory's time moves too)
    expect(staleBuild(root)).toBe('src changed since the last build');
    rmSync(join(root, 'src/cli/new.ts'));
    expect(staleBuild(root)).toBe('src changed since the last build'); // a deleted file, too
    at('src/cli', 1_000);
    expect(staleBuild(root)).toBeUndefined();
    at('tsconfig.build.json', 3_000);
    expect(staleBuild(root)).toBe('tsconfig.build.json changed since the last build');
  });
});
