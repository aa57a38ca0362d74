// `roboledger id ...` end to end: the real binary (bin/roboledger.js over dist/, which the test
// run's global setup rebuilds when src/ changed), its stdout JSON lines, stderr and exit codes
// (docs/api.md "Command line").
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, it } from 'vitest';
import {
  expectExit,
  PROCESS_TEST_TIMEOUT_MS,
  type Run,
  roboledger as runRoboledger,
  spawnRoboledger,
} from '../support/process.js';

const VALID = [
  'CNB7K2B0A3T511000000000123455',
  'CNH4W9W1C2TCA30000000000A7Z96',
  'UST5N8B020V1210000F03K2A7Q81O',
];
const CHECK_TYPO = 'CNB7K2B0A3T511000000000123450';
const O_FOR_ZERO = 'CNB7K2BOA3T511000000000123455';

/** Runs the binary to completion. Async, so that the tests below can run concurrently. */
function roboledger(args: string[], input = ''): Promise<Run> {
  return runRoboledger(args, { input });
}

function jsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe.concurrent('roboledger id validate', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  it('prints one JSON line per argument and exits 0 when all are valid', async ({ expect }) => {
    const run = await roboledger(['id', 'validate', ...VALID]);
    expectExit(run, 0);
    expect(jsonLines(run.stdout)).toEqual(VALID.map((id) => ({ id, valid: true })));
  });

  it('exits 1 and reports code, position, expected and suggestion for invalid ones', async ({ expect }) => {
    const run = await roboledger(['id', 'validate', VALID[0]!, CHECK_TYPO, O_FOR_ZERO, 'CN123']);
    expectExit(run, 1);
    expect(jsonLines(run.stdout)).toEqual([
      { id: VALID[0], valid: true },
      { id: CHECK_TYPO, valid: false, error: { code: 'ID_CHECK_MISMATCH', position: 29, expected: '5' } },
      {
        id: O_FOR_ZERO,
        valid: false,
        error: { code: 'ID_ALPHABET', position: 8, expected: '0-9A-HJ-NP-Z' },
        suggestion: VALID[0],
      },
      { id: 'CN123', valid: false, error: { code: 'ID_LENGTH', expected: '29' } },
    ]);
  });

  it('answers with the canonical form of a grouped, lower-case ID', async ({ expect }) => {
    const run = await roboledger(['id', 'validate', 'cn-b7k2-b0a3t5-11000000000123455']);
    expectExit(run, 0);
    expect(jsonLines(run.stdout)).toEqual([{ id: VALID[0], valid: true }]);
  });

  it('reads one ID a line from stdin with -, skipping blank lines', async ({ expect }) => {
    const input = `${VALID[0]}\n\n   \r\n${CHECK_TYPO}\r\nCN B7K2 B0A3T5 11000000000123455\n${VALID[2]}`;
    const run = await roboledger(['id', 'validate', '-'], input);
    expectExit(run, 1);
    expect(jsonLines(run.stdout)).toEqual([
      { id: VALID[0], valid: true },
      { id: CHECK_TYPO, valid: false, error: { code: 'ID_CHECK_MISMATCH', position: 29, expected: '5' } },
      { id: VALID[0], valid: true },
      { id: VALID[2], valid: true },
    ]);
  });

  it('exits 0 for stdin of valid IDs only, however many', async ({ expect }) => {
    const ids = Array.from({ length: 20_000 }, (_, index) => VALID[index % 3]!);
    const run = await roboledger(['id', 'validate', '-'], ids.join('\n'));
    expectExit(run, 0);
    expect(run.stdout.split('\n').filter((line) => line !== '')).toHaveLength(20_000);
  });

  it('streams: answers a line before stdin is closed', async ({ expect }) => {
    const { child, output } = spawnRoboledger(['id', 'validate', '-']);
    const lines = createInterface({ input: child.stdout });
    const closed = once(child, 'close') as Promise<[number | null]>;
    child.stdin.write(`${VALID[1]}\n`);
    const first = await Promise.race([
      (once(lines, 'line') as Promise<[string]>).then(([line]) => line),
      closed.then(([status]) => ({ exitedFirst: status })),
    ]);
    if (typeof first !== 'string') {
      throw new Error(`exited ${first.exitedFirst} before answering a line; stderr:\n${output.stderr}`);
    }
    expect(JSON.parse(first)).toEqual({ id: VALID[1], valid: true });
    child.stdin.end(`${CHECK_TYPO}\n`);
    const [status] = await closed;
    expect(status, output.stderr).toBe(1);
  });
});

describe.concurrent('roboledger id decode', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  it('--json prints the decoded segments as one JSON object', async ({ expect }) => {
    const run = await roboledger(['id', 'decode', VALID[2]!, '--json']);
    expectExit(run, 0);
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({
        scheme: 'RID-1',
        id: VALID[2],
        country: 'US',
        enterprise: 'T5N8',
        category: 'B',
        categoryName: 'biped',
        model: '02',
        level: 0,
        levelLabel: 'not graded',
        productionYear: 2027,
        productionMonth: 1,
        hardwareRevision: '2',
        site: '1',
        unitSequence: 'F03K2A7Q81',
        check: 'O',
        modelCode: 'B020V1',
        serial: '210000F03K2A7Q81O',
      }),
    ]);
  });

  it('without --json prints a table for people', async ({ expect }) => {
    const run = await roboledger(['id', 'decode', VALID[0]!]);
    expectExit(run, 0);
    expect(run.stdout).toContain('CN B7K2 B0A3T5 11000000000123455');
    expect(run.stdout).toMatch(/Category\s+B\s+biped/);
    expect(run.stdout).toMatch(/Production\s+2026-05/);
  });

  it('--reference-year places the year code in a later cycle', async ({ expect }) => {
    const run = await roboledger(['id', 'decode', VALID[0]!, '--json', '--reference-year', '2060']);
    expect(jsonLines(run.stdout)).toEqual([expect.objectContaining({ productionYear: 2056 })]);
  });

  it('an invalid ID prints its error on stderr and exits 1', async ({ expect }) => {
    const json = await roboledger(['id', 'decode', CHECK_TYPO, '--json']);
    expectExit(json, 1);
    expect(json.stdout).toBe('');
    expect(jsonLines(json.stderr)).toEqual([
      { id: CHECK_TYPO, valid: false, error: { code: 'ID_CHECK_MISMATCH', position: 29, expected: '5' } },
    ]);
    const text = await roboledger(['id', 'decode', O_FOR_ZERO]);
    expectExit(text, 1);
    expect(text.stderr).toContain('ID_ALPHABET');
    expect(text.stderr).toContain(VALID[0]);
  });
});

describe.concurrent('roboledger id encode', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  const segments = [
    ...['--country', 'CN', '--enterprise', 'B7K2', '--category', 'B', '--model', '0A', '--level', '3'],
    ...['--year', '2026', '--month', '5', '--hardware-revision', '1', '--site', '1', '--unit', '12345'],
  ];

  it('prints the canonical ID', async ({ expect }) => {
    const run = await roboledger(['id', 'encode', ...segments]);
    expectExit(run, 0);
    expect(run.stdout).toBe(`${VALID[0]}\n`);
  });

  it('--display prints the grouped form', async ({ expect }) => {
    expect((await roboledger(['id', 'encode', ...segments, '--display'])).stdout).toBe(
      'CN B7K2 B0A3T5 11000000000123455\n',
    );
  });

  it('a bad segment is a coded error on stderr and exit 1', async ({ expect }) => {
    const run = await roboledger(['id', 'encode', ...segments, '--level', 'three']);
    expectExit(run, 1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('ID_LEVEL_INVALID');
  });

  it('a missing segment is a usage error, exit 2', async ({ expect }) => {
    const run = await roboledger(['id', 'encode', '--country', 'CN']);
    expectExit(run, 2);
    expect(run.stderr).toContain('--enterprise');
  });
});

describe.concurrent('help', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  it('roboledger --help lists the id command and what it does', async ({ expect }) => {
    const run = await roboledger(['--help']);
    expectExit(run, 0);
    expect(run.stdout).toMatch(/\bid\b.*validate, decode and encode/);
  });

  it('roboledger id --help mentions every id subcommand', async ({ expect }) => {
    const run = await roboledger(['id', '--help']);
    expectExit(run, 0);
    for (const subcommand of ['validate <ids...>', 'decode [options] <id>', 'encode [options]']) {
      expect(run.stdout).toContain(subcommand);
    }
  });

  it.for(['validate', 'decode', 'encode'])(
    'roboledger id %s --help explains it with an example',
    async (name, { expect }) => {
      const run = await roboledger(['id', name, '--help']);
      expectExit(run, 0);
      expect(run.stdout).toContain(`roboledger id ${name}`);
      expect(run.stdout).toContain('Example');
    },
  );
});
