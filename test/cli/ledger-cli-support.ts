// The ledger tool tests run the real binary (test/support/process.ts) without the test run's
// database and token: each test names the database and key it means.
import { type Run, roboledger as run } from '../support/process.js';

export { describeRun, expectExit, PROCESS_TEST_TIMEOUT_MS, type Run } from '../support/process.js';

export function roboledger(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return run(args, { env: { DATABASE_URL: undefined, ROBOLEDGER_TOKEN: undefined, ...env } });
}
