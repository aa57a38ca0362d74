// `roboledger verify report <file> --key <log key>`: a robot's history report
// (roboledger-history-report/1) checked offline with the log's verifier key alone, by the pure
// verifier of src/core/report/report-verify.ts, as docs/history-report.md says in
// "Verifying a report offline". Exit 0 everything holds (a summary on stdout); 1 a check failed
// (`FAIL <code>: <record seq / ledger index or member>: <message>` on stderr); 2 usage: no or
// a malformed key, a file that cannot be read.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { isReportError, type ReportVerification, verifyHistoryReport } from '../core/report/report-verify.js';
import { noteVerifier } from '../ledger/index.js';
import { describeError, keyArgument, LedgerToolError, readTextFile, usage } from './ledger-client.js';

export interface ReportCheck {
  exitCode: 0 | 1 | 2;
  stdout: string[];
  stderr: string[];
}

function reportKey(value: string | undefined): string {
  if (!value)
    throw usage("--key is required: the log's verifier key (name+hash+base64) or a file holding it");
  const path = value.startsWith('@') && existsSync(value.slice(1)) ? value.slice(1) : value;
  const key = keyArgument(path, '--key');
  try {
    noteVerifier(key);
  } catch (error) {
    throw usage(`--key is not a note verifier key: ${describeError(error)}`);
  }
  return key;
}

/** What a report that holds shows, for people. */
export function describeReport(v: ReportVerification): string[] {
  return [
    `OK history report of ${v.robotId} (${v.tier} tier, generated ${v.generatedAt}): every check holds`,
    `  checkpoint     ${v.origin} size ${v.treeSize}, signed by the log key; the robot head too`,
    v.tier === 'public'
      ? '  records        none in the public tier: the summary is vouched for by the signature only'
      : `  records        ${v.records} opened and proven, seq 0 … ${v.records - 1}, the chain complete at the head`,
    `  approvals      ${v.approvals} opened and proven`,
    `  recomputed     ${v.recomputed.join(', ') || 'nothing'}`,
    `  as signed      ${v.signedOnly.join(', ') || 'nothing'}`,
  ];
}

/** Reads and verifies a report file; what to print and the exit status. */
export async function checkReportFile(file: string, keyOption: string | undefined): Promise<ReportCheck> {
  let key: string;
  let text: string;
  try {
    key = reportKey(keyOption);
    text = await readTextFile(file, 'the report');
  } catch (error) {
    if (error instanceof LedgerToolError) {
      return { exitCode: 2, stdout: [], stderr: [`roboledger verify report: usage: ${error.message}`] };
    }
    throw error;
  }
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    return { exitCode: 1, stdout: [], stderr: [`FAIL REPORT_MALFORMED: report: ${file} is not JSON`] };
  }
  try {
    return { exitCode: 0, stdout: describeReport(verifyHistoryReport(report, key)), stderr: [] };
  } catch (error) {
    if (!isReportError(error)) throw error;
    const exitCode = error.code === 'REPORT_KEY_INVALID' ? 2 : 1;
    return { exitCode, stdout: [], stderr: [`FAIL ${error.code}: ${error.subject}: ${error.message}`] };
  }
}

export function registerVerifyReportCommand(verify: Command): void {
  verify
    .command('report')
    .description(
      "check a robot's history report offline with the log's verifier key alone: checkpoint, robot head, every record's opening and inclusion, the chain complete from seq 0, the summary and certificate recomputed, the signature",
    )
    .argument('<file>', 'the report (GET /v1/robots/{robotId}/report or `roboledger report`)')
    .option('--key <key|file>', "the log's verifier key, or a file holding it (also @file) (required)")
    .addHelpText(
      'after',
      '\nExit status: 0 every check holds, 1 a check failed (FAIL <code>: <where>: <message>), 2 usage error or unreadable file.',
    )
    .action(async (file: string, options: { key?: string }) => {
      const result = await checkReportFile(file, options.key);
      for (const line of result.stdout) process.stdout.write(`${line}\n`);
      for (const line of result.stderr) process.stderr.write(`${line}\n`);
      process.exitCode = result.exitCode;
    });
}
