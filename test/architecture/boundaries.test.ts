// The architecture's boundaries (docs/architecture.md "Import rules"), checked on every run: a single
// package keeps them only if a test refuses the imports that would break them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  const pattern =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(pattern)) found.push((m[1] ?? m[2] ?? m[3])!);
  return found;
}

function violations(folder: string, allowed: (specifier: string, file: string) => boolean): string[] {
  return sourceFiles(join(root, 'src', folder)).flatMap((file) =>
    importsOf(file)
      .filter((s) => !allowed(s, file))
      .map((s) => `${relative(root, file)} imports ${s}`),
  );
}

const staysInside = (folder: string) => (specifier: string, file: string) => {
  if (!specifier.startsWith('.')) return false;
  const target = join(file, '..', specifier);
  return target.startsWith(join(root, 'src', folder));
};

describe('architecture boundaries', () => {
  it('sees the imports it checks (so the checks below can fail)', () => {
    expect(importsOf(join(root, 'src/core/access-policy.ts'))).toContain('./lifecycle.js');
    expect(importsOf(join(root, 'src/server/app.ts'))).toContain('fastify');
  });

  it('the robot-ID codec is pure: it imports nothing outside src/robot-id, not even node:', () => {
    expect(violations('robot-id', staysInside('robot-id'))).toEqual([]);
  });

  it('the ledger math imports nothing outside src/ledger but node:crypto, and that from crypto.ts only', () => {
    expect(
      violations(
        'ledger',
        (s, file) => staysInside('ledger')(s, file) || (s === 'node:crypto' && file.endsWith('crypto.ts')),
      ),
    ).toEqual([]);
  });

  it('domain rules (src/core) import neither the web framework nor a database driver nor the server', () => {
    const forbidden = /^(fastify|@fastify\/|pg$|pg-|@electric-sql\/|mqtt|aedes|piscina)/;
    expect(
      violations('core', (s, file) => {
        if (forbidden.test(s)) return false;
        if (s.startsWith('.')) return !join(file, '..', s).startsWith(join(root, 'src', 'server'));
        return true;
      }),
    ).toEqual([]);
  });

  it('only src/server talks to the database and the broker', () => {
    const ioPackages = /^(pg$|@electric-sql\/pglite|mqtt$|aedes)/;
    const offenders = ['robot-id', 'ledger', 'core'].flatMap((folder) =>
      violations(folder, (s) => !ioPackages.test(s)),
    );
    expect(offenders).toEqual([]);
  });

  /** Whether `specifier`, imported by `file`, resolves inside src/<folder>. */
  const into = (folder: string) => (specifier: string, file: string) =>
    specifier.startsWith('.') && join(file, '..', specifier).startsWith(join(root, 'src', folder));

  it('nothing in src/server imports the command line (src/cli)', () => {
    expect(violations('server', (s, file) => !into('cli')(s, file))).toEqual([]);
  });

  it('the MQTT side imports no feature: telemetry reaches it through the TelemetrySink interface', () => {
    expect(violations('server/mqtt', (s, file) => !into('server/features')(s, file))).toEqual([]);
  });

  it('the ledger folder imports no feature: features use the ledger, never the other way round', () => {
    expect(violations('server/ledger', (s, file) => !into('server/features')(s, file))).toEqual([]);
  });

  it('the rules above see a violation when there is one', () => {
    const demo = join(root, 'src/server/demo/demo-setup.ts');
    expect(into('cli')('../../cli/sim-command.js', demo)).toBe(true);
    expect(
      into('server/features')('../features/robots/robot-access.js', join(root, 'src/server/ledger/x.ts')),
    ).toBe(true);
    expect(into('server/features')('./checkpointer.js', join(root, 'src/server/ledger/x.ts'))).toBe(false);
  });
});
