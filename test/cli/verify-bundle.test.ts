// `roboledger verify bundle` on real bundle files (test/support/incident-bundle.ts): as a
// process for the exit statuses 0, 1 and 2, and through checkBundleFile for what it prints.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBundleFile } from '../../src/cli/verify-bundle-command.js';
import { generateSignerKey } from '../../src/ledger/index.js';
import {
  BUNDLE_ORIGIN,
  buildIncidentBundle,
  DEFAULT_BATCHES,
  INCIDENT_ID,
  OCCURRED_MS,
} from '../support/incident-bundle.js';
import { expectExit, PROCESS_TEST_TIMEOUT_MS, roboledger } from './ledger-cli-support.js';

describe('roboledger verify bundle', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  const fixture = buildIncidentBundle({
    batches: [...DEFAULT_BATCHES, { startMs: OCCURRED_MS + 60_000, samples: 5, late: true }],
  });
  let dir: string;
  let good: string;
  let tampered: string;
  let keyFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rl-verify-bundle-'));
    good = join(dir, 'bundle.json');
    await writeFile(good, JSON.stringify(fixture.bundle, null, 2));
    const altered = structuredClone(fixture.bundle);
    altered.items = altered.items.filter((i: { itemId: string }) => i.itemId !== 'it-batch-3');
    altered.incident.evidence.items = altered.incident.evidence.items.filter(
      (i: { itemId: string }) => i.itemId !== 'it-batch-3',
    );
    tampered = join(dir, 'tampered.json');
    await writeFile(tampered, JSON.stringify(altered));
    keyFile = join(dir, 'key.txt');
    await writeFile(keyFile, `${fixture.verifierKey}\n`);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('as a process: exit 0 when everything holds, 1 naming the first problem, 2 on usage errors', async () => {
    const ok = await roboledger(['verify', 'bundle', good, '--key', fixture.verifierKey]);
    expectExit(ok, 0);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(new RegExp(`^OK incident bundle ${INCIDENT_ID}: every check holds\n`));

    const withFile = await roboledger(['verify', 'bundle', good, '--key', `@${keyFile}`]);
    expectExit(withFile, 0);

    const dropped = await roboledger(['verify', 'bundle', tampered, '--key', keyFile]);
    expectExit(dropped, 1);
    expect(dropped.stdout).toBe('');
    expect(dropped.stderr).toMatch(
      /^FAIL BUNDLE_ITEM_MISSING: item it-batch-3: the record at ledger index \d+ commits/,
    );

    const wrongKey = await roboledger([
      'verify',
      'bundle',
      good,
      '--key',
      generateSignerKey(BUNDLE_ORIGIN).verifierKey,
    ]);
    expectExit(wrongKey, 1);
    expect(wrongKey.stderr).toMatch(/^FAIL BUNDLE_CHECKPOINT_INVALID: checkpoint: /);

    expectExit(await roboledger(['verify', 'bundle', good]), 2);
    expectExit(await roboledger(['verify', 'bundle', join(dir, 'missing.json'), '--key', keyFile]), 2);
  });

  it('prints the incident, the checkpoint, the records, the items by kind, the coverage with its gaps, holds and findings', async () => {
    const result = await checkBundleFile(good, keyFile);
    expect(result.exitCode).toBe(0);
    const text = result.stdout.join('\n');
    expect(text).toContain(
      `fall, serious, occurred 2026-11-03T14:00:00.000Z (ledger index ${fixture.incidentIndex})`,
    );
    expect(text).toContain(`checkpoint     ${BUNDLE_ORIGIN} size ${fixture.log.size} root `);
    expect(text).toContain(
      'records        12 opened and proven: robot_event 2, telemetry_batch 4, incident 1',
    );
    expect(text).toContain('telemetry 4, attachment 1');
    expect(text).toContain('65 sample(s) in the window, 2026-11-03T13:59:30.000Z … 2026-11-03T14:01:04.000Z');
    expect(text).toContain('gaps           4 longer than 5 s:');
    expect(text).toContain('2026-11-03T14:00:09.000Z … 2026-11-03T14:00:20.000Z (11s)');
    expect(text).toContain('2026-11-03T13:30:00.000Z … 2026-11-03T13:59:30.000Z (29m30s)');
    expect(text).toMatch(/holds {10}ledger index \d+: action=placed/);
    expect(text).toMatch(/findings {7}ledger index \d+: at=.* findings=\{"rootCause":"software"/);
  });

  it('a file that is not JSON fails as a malformed bundle (1); a malformed key is a usage error (2)', async () => {
    const notJson = join(dir, 'not.json');
    await writeFile(notJson, '{"format": ');
    const broken = await checkBundleFile(notJson, keyFile);
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr[0]).toMatch(/^FAIL BUNDLE_MALFORMED: bundle: /);
    expect((await checkBundleFile(good, 'name+0000000z+AAAA')).exitCode).toBe(2);
  });

  it('without telemetry it still holds (exit 0) and says telemetry is missing', async () => {
    const bare = buildIncidentBundle({ batches: [] });
    const file = join(dir, 'bare.json');
    await writeFile(file, JSON.stringify(bare.bundle));
    const result = await checkBundleFile(file, bare.verifierKey);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.join('\n')).toContain('MISSING TELEMETRY');
  });
});
