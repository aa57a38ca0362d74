// `roboledger report <robotId> --out report.json`: fetches a robot's history report
// (docs/history-report.md) with an API key (--api-key, default $ROBOLEDGER_TOKEN) or a share
// token (--token, sent as X-Report-Token), and saves it byte for byte, so that
// `roboledger verify report` checks exactly what the platform signed. Exit 0 saved, 1 the answer
// is not a report, 2 usage, 3 the platform could not be reached or refused (401, 403, 404).
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { REPORT_FORMAT } from '../core/report/report-format.js';
import { describeError } from './ledger-client.js';

export interface ReportFetch {
  exitCode: 0 | 1 | 2 | 3;
  stdout: string[];
  stderr: string[];
}

export interface ReportFetchOptions {
  url?: string | undefined;
  apiKey?: string | undefined;
  token?: string | undefined;
  out?: string | undefined;
  timeoutMs?: number;
}

const fail = (exitCode: 1 | 2 | 3, message: string): ReportFetch => ({
  exitCode,
  stdout: [],
  stderr: [`roboledger report: ${message}`],
});

/** Fetches the report of `robotId` and writes it to `--out`. */
export async function fetchReport(robotId: string, options: ReportFetchOptions): Promise<ReportFetch> {
  if (!options.out) return fail(2, 'usage: --out <file> is required');
  const base = options.url ?? process.env.ROBOLEDGER_URL ?? 'http://127.0.0.1:8080';
  let url: URL;
  try {
    url = new URL(`/v1/robots/${encodeURIComponent(robotId)}/report`, base);
  } catch {
    return fail(2, `usage: --url ${base} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return fail(2, 'usage: --url must be http:// or https://');
  const apiKey = options.apiKey ?? process.env.ROBOLEDGER_TOKEN;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers['x-report-token'] = options.token;
  else if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  else return fail(2, 'usage: give --api-key (or $ROBOLEDGER_TOKEN) or --token (a share token)');
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
  } catch (error) {
    return fail(3, `cannot reach ${url.origin}: ${describeError(error)}`);
  }
  const text = await res.text();
  if (!res.ok) {
    let coded = '';
    try {
      const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
      if (body.error?.code) coded = ` ${body.error.code}: ${body.error.message ?? ''}`;
    } catch {}
    // A refusal or an outage is no verdict on the robot's history: exit 3, never 1.
    if ([401, 403, 404, 429].includes(res.status) || res.status >= 500) {
      return fail(3, `${url.pathname} answered ${res.status}${coded}`.trim());
    }
    return fail(1, `${url.pathname} answered ${res.status}${coded}`.trim());
  }
  let format: unknown;
  try {
    format = (JSON.parse(text) as { format?: unknown }).format;
  } catch {
    return fail(1, `${url.pathname} did not answer JSON`);
  }
  if (format !== REPORT_FORMAT) return fail(1, `${url.pathname} did not answer a ${REPORT_FORMAT} document`);
  try {
    await writeFile(options.out, text);
  } catch (error) {
    return fail(2, `usage: cannot write ${options.out}: ${describeError(error)}`);
  }
  return { exitCode: 0, stdout: [`saved the history report of ${robotId} to ${options.out}`], stderr: [] };
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("fetch a robot's signed history report (check it with `roboledger verify report`)")
    .argument('<robotId>', 'the robot ID')
    .option('--url <url>', 'the platform (default: $ROBOLEDGER_URL or http://127.0.0.1:8080)')
    .option('--api-key <key>', 'an API key (default: $ROBOLEDGER_TOKEN)')
    .option('--token <token>', 'a report share token from the owner (no API key needed)')
    .option('--out <file>', 'where to save the report (required)')
    .addHelpText(
      'after',
      '\nExit status: 0 saved, 1 the answer is not a report, 2 usage error, 3 the platform could not be reached or refused (401, 403, 404).',
    )
    .action(
      async (robotId: string, options: { url?: string; apiKey?: string; token?: string; out?: string }) => {
        const result = await fetchReport(robotId, options);
        for (const line of result.stdout) process.stdout.write(`${line}\n`);
        for (const line of result.stderr) process.stderr.write(`${line}\n`);
        process.exitCode = result.exitCode;
      },
    );
}
