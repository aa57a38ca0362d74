// `roboledger verify bundle <file> --key <key|file>`: an incident bundle
// (`GET /v1/incidents/{id}/bundle`, format roboledger-incident-bundle/1) checked offline with
// the log's verifier key alone, by the pure verifier of src/core/incidents/bundle.ts
// (docs/incidents.md "Verifying a bundle offline"). Exit 0 everything holds (a summary on
// stdout), 1 a check failed (`FAIL <code>: <item or record>: <message>` on stderr), 2 usage:
// no or a malformed key, a file that cannot be read.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import {
  type BundleVerification,
  isBundleError,
  type ProvenRecordSummary,
  verifyIncidentBundle,
} from '../core/incidents/bundle.js';
import { noteVerifier } from '../ledger/index.js';
import { describeError, keyArgument, LedgerToolError, readTextFile, usage } from './ledger-client.js';

export interface BundleCheck {
  exitCode: 0 | 1 | 2;
  stdout: string[];
  stderr: string[];
}

/** The log key of `--key`: the key itself, a file holding it, or `@file`. */
function bundleKey(value: string | undefined): string {
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

/** Reads and verifies a bundle file; what to print and the exit status. */
export async function checkBundleFile(file: string, keyOption: string | undefined): Promise<BundleCheck> {
  let key: string;
  let text: string;
  try {
    key = bundleKey(keyOption);
    text = await readTextFile(file, 'the bundle');
  } catch (error) {
    if (error instanceof LedgerToolError) {
      return { exitCode: 2, stdout: [], stderr: [`roboledger verify bundle: usage: ${error.message}`] };
    }
    throw error;
  }
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch {
    return { exitCode: 1, stdout: [], stderr: [`FAIL BUNDLE_MALFORMED: bundle: ${file} is not JSON`] };
  }
  try {
    return { exitCode: 0, stdout: describeBundle(verifyIncidentBundle(bundle, key)), stderr: [] };
  } catch (error) {
    if (!isBundleError(error)) throw error;
    const exitCode = error.code === 'BUNDLE_KEY_INVALID' ? 2 : 1;
    return { exitCode, stdout: [], stderr: [`FAIL ${error.code}: ${error.subject}: ${error.message}`] };
  }
}

function duration(fromIso: string, toIso: string): string {
  let s = Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''].join('');
}

/** A proven record in one line: its ledger index and its plain members (nested ones as JSON). */
function recordLine(summary: ProvenRecordSummary): string {
  const skip = new Set(['kind', 'incidentId', 'robot', 'robotId', 'robotChain']);
  const fields = Object.entries(summary.record)
    .filter(([name]) => !skip.has(name))
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `ledger index ${summary.ledgerIndex}: ${fields.join(' ')}`;
}

/** The summary of a bundle that holds, for people. */
export function describeBundle(v: BundleVerification): string[] {
  const counts = (o: Record<string, number>) =>
    Object.entries(o)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  const lines = [
    `OK incident bundle ${v.incidentId}: every check holds`,
    `  incident       ${v.incidentId} of robot ${v.robotId}: ${v.kind}, ${v.severity}, occurred ${v.occurredAt} (ledger index ${v.ledgerIndex})`,
    `  window         ${v.window.from} … ${v.window.to}${
      v.windowIsRule ? '' : ' (NOT the rule window, occurredAt − 30 min … + 10 min)'
    }`,
    `  checkpoint     ${v.origin} size ${v.treeSize} root ${v.rootHash}, signed by the log key${
      v.otherSignatures.length ? `; other signatures, not checked: ${v.otherSignatures.join(', ')}` : ''
    }`,
    `  records        ${v.records} opened and proven: ${counts(v.recordKinds)}`,
    `  items          ${total(v.items)}, each digest recomputed and committed: ${counts(v.items) || 'none'}`,
  ];
  const c = v.coverage;
  if (c.missingTelemetry) lines.push('  coverage       MISSING TELEMETRY: the bundle has no telemetry item');
  else {
    lines.push(
      `  coverage       ${c.samples} sample(s) in the window, ${c.from} … ${c.to}, each batch signed by the robot's device key`,
    );
  }
  lines.push(
    c.gaps.length === 0
      ? '  gaps           none longer than 5 s'
      : `  gaps           ${c.gaps.length} longer than 5 s:`,
  );
  for (const gap of c.gaps)
    lines.push(`                 ${gap.from} … ${gap.to} (${duration(gap.from, gap.to)})`);
  const section = (name: string, list: ProvenRecordSummary[]) => {
    if (list.length === 0) lines.push(`  ${name.padEnd(15)}none`);
    list.forEach((s, i) => {
      lines.push(`  ${(i === 0 ? name : '').padEnd(15)}${recordLine(s)}`);
    });
  };
  section('holds', v.holds);
  section('investigation', v.investigation);
  section('findings', v.findings);
  return lines;
}

export function registerVerifyBundleCommand(verify: Command): void {
  verify
    .command('bundle')
    .description(
      "check an incident bundle offline with the log's verifier key alone: checkpoint, every record's proof, the incident against its record, every item's digest and commitment, every telemetry batch's signature",
    )
    .argument('<file>', 'the bundle (GET /v1/incidents/{id}/bundle), roboledger-incident-bundle/1')
    .option('--key <key|file>', "the log's verifier key, or a file holding it (also @file) (required)")
    .addHelpText(
      'after',
      '\nExit status: 0 every check holds, 1 a check failed (FAIL <code>: <item or record>: <message>), 2 usage error or unreadable file.',
    )
    .action(async (file: string, options: { key?: string }) => {
      const result = await checkBundleFile(file, options.key);
      for (const line of result.stdout) process.stdout.write(`${line}\n`);
      for (const line of result.stderr) process.stderr.write(`${line}\n`);
      process.exitCode = result.exitCode;
    });
}
