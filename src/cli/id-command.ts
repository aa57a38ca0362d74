import type { Command } from 'commander';

/** `roboledger id ...` (placeholder until the robot-id codec lands). */
export function registerIdCommands(program: Command): void {
  program.command('id').description('validate, decode and encode 29-character robot IDs');
}
