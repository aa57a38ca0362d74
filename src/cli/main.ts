// The `roboledger` command line: one program, subcommands registered from their own files.
import { Command, CommanderError } from 'commander';
import { registerAuditCommand } from './audit-command.js';
import { registerIdCommands } from './id-command.js';
import { registerKeygenCommand } from './keygen-command.js';
import { registerReportCommand } from './report-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerSimCommand } from './sim-command.js';
import { registerVerifyCommands } from './verify-command.js';
import { registerWitnessCommand } from './witness-command.js';

export function buildProgram(): Command {
  const program = new Command('roboledger')
    .description('RoboLedger: humanoid robot IDs, registry, tamper-evident ledger and telemetry.')
    .showHelpAfterError()
    .exitOverride();
  registerIdCommands(program);
  registerServeCommand(program);
  registerVerifyCommands(program);
  registerAuditCommand(program);
  registerWitnessCommand(program);
  registerSimCommand(program);
  registerKeygenCommand(program);
  registerReportCommand(program);
  return program;
}

/** Runs the command line and resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0; usage errors with 1 (commander printed them).
      return error.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`roboledger: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
