// Running the real `roboledger` binary (bin/roboledger.js over dist/, which `npm test` builds
// first) from the ledger tool tests.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BIN = 'bin/roboledger.js';

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export async function roboledger(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  if (!existsSync(`${root}dist/cli/main.js`)) throw new Error('dist/ is missing: run `npm run build` first');
  const merged: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: undefined,
    ROBOLEDGER_TOKEN: undefined,
    ...env,
  };
  const childEnv = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env: childEnv });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end();
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}
