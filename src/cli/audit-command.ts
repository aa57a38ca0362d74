// `roboledger audit`: opens the platform's own database (DATABASE_URL, or the embedded PGlite
// database in ROBOLEDGER_DATA_DIR, as `roboledger serve` does), recomputes every leaf from the
// stored records and the tree from the leaves, compares them with the stored tree and every
// signed checkpoint, and names each mismatch. Exit 0 when everything matches, 1 otherwise,
// 2 on a usage error. PGlite is one process's database: stop the server before auditing it.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { noteVerifier } from '../ledger/index.js';
import type { Database } from '../server/db/sql-client.js';
import type { AuditFinding } from '../server/ledger/ledger-audit.js';
import { describeError, keyArgument } from './ledger-client.js';

const HELP = `
Reads DATABASE_URL or ROBOLEDGER_DATA_DIR (default ./data) like \`roboledger serve\`.
With the embedded PGlite database, stop the server first: PGlite cannot be opened by two
processes at once. On PostgreSQL the audit runs beside the server, in one read-only snapshot.
The log's verifier key comes from --key, or from the signer key serve uses
(ROBOLEDGER_LEDGER_KEY, ROBOLEDGER_LEDGER_KEY_FILE, or <data dir>/ledger-signer.key).

Each mismatch is one line: MISMATCH <problem> index=<n> kind=<kind> id=<record id> ...: <what differs>
(--json: one JSON object a line, then a summary object).
Exit status: 0 everything matches, 1 a mismatch was found, 2 usage error or no database.`;

interface AuditOptions {
  key?: string;
  chunk: string;
  json?: boolean;
}

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('recompute the ledger from the stored records and name every record that no longer matches')
    .option('--key <key|file>', "the log's verifier key (default: from the signer key serve uses)")
    .option('--chunk <n>', 'entries read per query', '2000')
    .option('--json', 'JSON lines instead of text')
    .addHelpText('after', HELP)
    .action(async (options: AuditOptions) => {
      process.exitCode = await runAudit(options);
    });
}

function fail(message: string): number {
  process.stderr.write(`roboledger audit: ${message}\n`);
  return 2;
}

async function runAudit(options: AuditOptions): Promise<number> {
  // The server's modules load only for this command, not for every `roboledger` invocation.
  const [
    { ConfigError, loadConfig },
    { openDatabase },
    { auditLedger },
    { loadLedgerKey },
    { platformRecordKinds },
    { requireLedgerV2 },
  ] = await Promise.all([
    import('../server/config.js'),
    import('../server/db/open-database.js'),
    import('../server/ledger/ledger-audit.js'),
    import('../server/ledger/ledger-key.js'),
    import('../server/features/ledgered-records.js'),
    import('../server/ledger/ledger-format.js'),
  ]);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  const chunkSize = Number(options.chunk);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) return fail('--chunk must be a positive integer');
  if (
    !config.databaseUrl &&
    !(existsSync(config.dataDir) && existsSync(join(config.dataDir, 'PG_VERSION')))
  ) {
    const empty = existsSync(config.dataDir) && readdirSync(config.dataDir).length === 0;
    return fail(
      `no database in ${config.dataDir}${empty ? ' (empty directory)' : ''}: set DATABASE_URL or ROBOLEDGER_DATA_DIR`,
    );
  }
  let verifierKey: string | undefined;
  try {
    if (options.key) {
      verifierKey = keyArgument(options.key, '--key');
      noteVerifier(verifierKey);
    } else {
      verifierKey = (await loadLedgerKey(config, { create: false }))?.key.verifierKey;
    }
  } catch (error) {
    return fail(`the log key: ${describeError(error)}`);
  }
  let db: Database;
  try {
    db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, maxConnections: 2 });
  } catch (error) {
    return fail(`cannot open the database: ${describeError(error)}`);
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    if (!verifierKey && !options.json) {
      process.stderr.write(
        'roboledger audit: warning: no log key found (pass --key): checkpoint signatures are not checked\n',
      );
    }
    try {
      await requireLedgerV2(db, 'the store');
    } catch (error) {
      return fail(describeError(error));
    }
    const report = await auditLedger(db, {
      recordKinds: platformRecordKinds(),
      verifierKey,
      chunkSize,
      onFinding: (finding) => out(options.json ? JSON.stringify(finding) : formatFinding(finding)),
    });
    const mismatches = report.findings.length;
    if (options.json) {
      out(JSON.stringify({ summary: { ...report, findings: undefined, mismatches } }));
    } else {
      out(
        `audit: ${report.entries} entries (tree size ${report.treeSize}), ${report.recordRows} record rows, ` +
          `${report.checkpoints} checkpoints${report.signaturesChecked ? ' (signatures checked)' : ''}, ` +
          `${report.cosignatures} cosignatures: ` +
          (mismatches === 0 ? 'everything matches' : `${mismatches} mismatch(es)`),
      );
    }
    return mismatches === 0 ? 0 : 1;
  } catch (error) {
    return fail(`the audit could not run: ${describeError(error)}`);
  } finally {
    await db.close();
  }
}

export function formatFinding(f: AuditFinding): string {
  const fields = [
    f.index === undefined ? '' : ` index=${f.index}`,
    f.kind === undefined ? '' : ` kind=${f.kind}`,
    f.recordId === undefined ? '' : ` id=${f.recordId}`,
    f.table === undefined ? '' : ` table=${f.table}`,
  ].join('');
  return `MISMATCH ${f.problem}${fields}: ${f.detail}`;
}
