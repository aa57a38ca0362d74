// The ledger's record kinds are one explicit list (features/ledgered-records.ts), handed to the
// writer and to audit: every kind defined in the source is in it, and the platform's writer
// refuses to log any kind outside it, so audit knows every kind the platform writes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformError } from '../../../src/core/errors.js';
import { LEDGERED_RECORD_KINDS } from '../../../src/server/features/ledgered-records.js';
import { startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';

const src = fileURLToPath(new URL('../../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The `kind` of every defineRecordKind({...}) in the source. */
function definedKinds(): string[] {
  const kinds: string[] = [];
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/defineRecordKind<[^>]+>\(\{\s*kind:\s*'([a-z_]+)'/g)) kinds.push(m[1]!);
  }
  return kinds.sort();
}

describe(`ledger record kinds (${backend})`, () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
  });
  afterAll(async () => {
    await p?.close();
  });

  it('the list holds every kind defined in the source, once', () => {
    const defined = definedKinds();
    expect(defined.length).toBeGreaterThanOrEqual(15);
    expect(LEDGERED_RECORD_KINDS.map((k) => k.kind).sort()).toEqual(defined);
    expect(p.ctx.recordKinds.names()).toEqual(defined);
  });

  it("the platform's writer refuses a kind audit does not know, and logs nothing of it", async () => {
    const before = await p.ctx.ledger.head();
    const entry = new TextEncoder().encode('{}');
    const refusal = await p.ctx.ledger
      .appendEntries([{ record: { kind: 'unlisted_kind', id: '1' }, entry }])
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(PlatformError);
    expect((refusal as PlatformError).code).toBe('INTERNAL_INVARIANT');
    const inUnit = await p.ctx.ledger
      .run(async (_tx, ledger) => ledger.append({ kind: 'unlisted_kind', id: '2' }, entry))
      .catch((error: unknown) => error);
    expect((inUnit as PlatformError).code).toBe('INTERNAL_INVARIANT');
    expect((await p.ctx.ledger.head()).size).toBe(before.size);
  });

  it('every kind the platform has written so far is one audit rebuilds', async () => {
    const { rows } = await p.ctx.db.query<{ record_kind: string }>(
      'SELECT DISTINCT record_kind FROM ledger_entries',
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const { record_kind } of rows) expect(p.ctx.recordKinds.has(record_kind)).toBe(true);
  });
});
