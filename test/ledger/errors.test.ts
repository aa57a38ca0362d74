import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isLedgerError, LEDGER_ERROR_CODES, LedgerError } from '../../src/ledger/errors.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const ledgerDir = `${repoRoot}src/ledger/`;

describe('ledger errors', () => {
  it('carry a code and keep the cause', () => {
    const cause = new Error('inner');
    const error = new LedgerError('NOTE_MALFORMED', 'outer', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(isLedgerError(error)).toBe(true);
    expect(error.name).toBe('LedgerError');
    expect(error.code).toBe('NOTE_MALFORMED');
    expect(error.cause).toBe(cause);
  });

  it('are every one documented in docs/ledger-formats.md', () => {
    const doc = readFileSync(`${repoRoot}docs/ledger-formats.md`, 'utf8');
    for (const code of Object.keys(LEDGER_ERROR_CODES)) expect(doc, code).toContain(`\`${code}\``);
  });
});

describe('src/ledger dependencies', () => {
  // A browser build swaps crypto.ts alone: nothing else may reach outside src/ledger or use Buffer.
  const files = readdirSync(ledgerDir).filter((name) => name.endsWith('.ts'));

  it.each(files)('%s imports only local modules (and node:crypto only in crypto.ts)', (file) => {
    const source = readFileSync(ledgerDir + file, 'utf8');
    const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
    for (const specifier of specifiers) {
      if (file === 'crypto.ts' && specifier === 'node:crypto') continue;
      expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\/[a-z-]+\.js$/);
    }
    if (file !== 'crypto.ts') {
      const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(code).not.toMatch(/\bBuffer\b/);
      expect(code).not.toMatch(/\brequire\(/);
    }
  });
});
