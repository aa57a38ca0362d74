// `roboledger report` and `roboledger verify report` on a real report (docs/history-report.md):
// every record deleted, reordered or edited is named with exit 1, a changed summary too; a
// refusal to fetch is exit 3, never 1.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchReport } from '../../src/cli/report-command.js';
import { checkReportFile } from '../../src/cli/verify-report-command.js';
import { startTestPlatform, type TestPlatform } from '../support/app.js';
import { backend } from '../support/database.js';
import { buildReportScene, type ReportScene } from '../support/report-scene.js';
import { expectExit, PROCESS_TEST_TIMEOUT_MS, roboledger } from './ledger-cli-support.js';

type Report = {
  summary: Record<string, unknown>;
  proof: { records: { opening: { index: number; record: string; salt: string } }[] };
  [k: string]: unknown;
};

describe(`roboledger report / verify report (${backend})`, { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  let p: TestPlatform;
  let s: ReportScene;
  let dir: string;
  let url: string;
  let key: string;
  let report: Report;

  beforeAll(async () => {
    p = await startTestPlatform();
    s = await buildReportScene(p);
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    const address = p.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    key = p.ctx.checkpointer.key.verifierKey;
    dir = await mkdtemp(join(tmpdir(), 'rl-verify-report-'));
    const out = join(dir, 'report.json');
    const fetched = await fetchReport(s.robot.robotId, { url, apiKey: s.owner.apiKey, out });
    expect(fetched.exitCode, fetched.stderr.join('\n')).toBe(0);
    report = JSON.parse(await readFile(out, 'utf8'));
  });
  afterAll(async () => {
    await p?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function check(altered: unknown) {
    const file = join(dir, `r-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, JSON.stringify(altered));
    return checkReportFile(file, key);
  }

  it('holds as fetched, with the summary recomputed from the records', async () => {
    expect(report.summary).toMatchObject({
      owners: 2,
      incidents: 1,
      seriousIncidents: 0,
      brands: ['structural_damage'],
      status: 'in_service',
    });
    const ok = await check(report);
    expect(ok.exitCode, ok.stderr.join('\n')).toBe(0);
    expect(ok.stdout[0]).toMatch(/^OK history report of .* \(owner tier/);
    expect(ok.stdout.join('\n')).toContain('owners, incidents, seriousIncidents, brands');
  });

  it('names a deleted record by its seq and ledger index', async () => {
    for (const seq of [0, 3, report.proof.records.length - 1]) {
      const altered = structuredClone(report);
      altered.proof.records.splice(seq, 1);
      const r = await check(altered);
      expect(r.exitCode).toBe(1);
      expect(r.stderr[0]).toMatch(/^FAIL REPORT_CHAIN_BROKEN: record seq \d+/);
    }
  });

  it('names reordered records', async () => {
    const altered = structuredClone(report);
    const [a, b] = [altered.proof.records[2]!, altered.proof.records[3]!];
    altered.proof.records[2] = b;
    altered.proof.records[3] = a;
    const r = await check(altered);
    expect(r.exitCode).toBe(1);
    expect(r.stderr[0]).toMatch(/^FAIL REPORT_CHAIN_BROKEN: record seq 2 \(ledger index \d+\)/);
  });

  it('names an edited record: its opening no longer matches its leaf', async () => {
    for (const seq of [1, 4]) {
      const altered = structuredClone(report);
      const opening = altered.proof.records[seq]!.opening;
      const record = JSON.parse(Buffer.from(opening.record, 'base64').toString('utf8'));
      record.occurredAt = '2020-01-01T00:00:00.000Z';
      record.recordedAt = '2020-01-01T00:00:00.000Z';
      opening.record = Buffer.from(JSON.stringify(record)).toString('base64');
      const r = await check(altered);
      expect(r.exitCode).toBe(1);
      expect(r.stderr[0]).toContain(
        `FAIL REPORT_RECORD_INVALID: record seq ${seq} (ledger index ${opening.index})`,
      );
    }
  });

  it('names a summary the records do not support, and a changed member outside the records', async () => {
    const fewer = structuredClone(report);
    fewer.summary.owners = 1;
    const r = await check(fewer);
    expect(r.exitCode).toBe(1);
    expect(r.stderr[0]).toMatch(/^FAIL REPORT_SUMMARY_MISMATCH: summary.owners: /);
    const unbranded = structuredClone(report);
    unbranded.summary.brands = [];
    expect((await check(unbranded)).stderr[0]).toMatch(/^FAIL REPORT_SUMMARY_MISMATCH: summary.brands/);
    const hours = structuredClone(report);
    hours.summary.operatingHours = 1;
    const h = await check(hours);
    expect(h.exitCode).toBe(1);
    expect(h.stderr[0]).toMatch(/^FAIL REPORT_SIGNATURE_INVALID: signature/);
  });

  it('exit 3 when the platform refuses or cannot be reached, never 1', async () => {
    const out = join(dir, 'refused.json');
    const stranger = await fetchReport(s.robot.robotId, { url, apiKey: 'rk_not_a_key', out });
    expect(stranger.exitCode).toBe(3);
    expect(stranger.stderr[0]).toContain('401');
    const badShare = await fetchReport(s.robot.robotId, { url, token: 'A'.repeat(43), out });
    expect(badShare.exitCode).toBe(3);
    const down = await fetchReport(s.robot.robotId, { url: 'http://127.0.0.1:9', apiKey: 'x', out });
    expect(down.exitCode).toBe(3);
  });

  it('as processes: report saves it, verify report exits 0, 1 naming the record, 2 without a key', async () => {
    const out = join(dir, 'proc.json');
    expectExit(
      await roboledger(['report', s.robot.robotId, '--url', url, '--api-key', s.owner.apiKey, '--out', out]),
      0,
    );
    expectExit(await roboledger(['verify', 'report', out, '--key', key]), 0);
    const altered = structuredClone(report);
    altered.proof.records.splice(1, 1);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify(altered));
    const failed = await roboledger(['verify', 'report', bad, '--key', key]);
    expectExit(failed, 1);
    expect(failed.stderr).toMatch(/^FAIL REPORT_CHAIN_BROKEN: record seq 1/);
    expectExit(await roboledger(['verify', 'report', out]), 2);
    const refused = await roboledger([
      'report',
      s.robot.robotId,
      '--url',
      url,
      '--api-key',
      'nope',
      '--out',
      out,
    ]);
    expectExit(refused, 3);
  });
});
