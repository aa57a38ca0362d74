// Running the real `roboledger` binary (bin/roboledger.js over dist/, which the Vitest global
// setup rebuilds when src/ changed: test/global-setup.ts) from the process tests. A loaded
// machine (two cores shared with other builds) can take many seconds to start Node, load the
// modules and open a database, so every wait here has an explicit, generous deadline, and every
// failure says what the child wrote on stderr instead of only "timed out".
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = 'bin/roboledger.js';

// The deadlines are bounds on a hang, never measurements: with seven test runs sharing two cores
// (a load average above 30), starting Node and opening a database took well over a minute.

/** Longest a process may take to start serving (listen and answer /readyz) on a loaded machine. */
export const PROCESS_START_MS = 5 * 60_000;
/** Longest one CLI command may run before the test kills it and fails with its output. */
export const COMMAND_DEADLINE_MS = 5 * 60_000;
/**
 * Timeout of a test that runs a few processes one after another: above a single deadline, so a
 * hung process is reported by its deadline (with its stderr), not by Vitest's bare timeout.
 */
export const PROCESS_TEST_TIMEOUT_MS = 20 * 60_000;

export interface Run {
  args: readonly string[];
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Variables set (a string) or removed (undefined) on top of this process's environment. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. */
  input?: string;
  deadlineMs?: number;
}

function childEnv(over: Record<string, string | undefined>): Record<string, string> {
  const merged: Record<string, string | undefined> = { ...process.env, ...over };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
}

/** Starts `roboledger args...` in the repository root; stdout and stderr are collected as text. */
export function spawnRoboledger(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): { child: ChildProcessWithoutNullStreams; output: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env) });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  return { child, output };
}

/**
 * Runs `roboledger args...` to completion. Rejects, after killing it, if it is still running at
 * the deadline; the error carries everything it wrote.
 */
export async function roboledger(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  const { child, output } = spawnRoboledger(args, options.env);
  const deadlineMs = options.deadlineMs ?? COMMAND_DEADLINE_MS;
  child.stdin.end(options.input ?? '');
  return new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `\`roboledger ${args.join(' ')}\` still ran after ${deadlineMs} ms; killed.\n` +
            `stderr:\n${output.stderr}\nstdout:\n${output.stdout.slice(0, 4000)}`,
        ),
      );
    }, deadlineMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ args, status, signal, ...output });
    });
  });
}

/** What a failed exit-status assertion prints: the command and its whole output. */
export function describeRun(run: Run): string {
  const signal = run.signal ? ` (signal ${run.signal})` : '';
  return (
    `\`roboledger ${run.args.join(' ')}\` exited ${run.status}${signal}\n` +
    `stderr:\n${run.stderr}\nstdout:\n${run.stdout.slice(0, 4000)}`
  );
}

/** Asserts the exit status; on failure the message carries the command, its stderr and stdout. */
export function expectExit(run: Run, status: number): void {
  expect(run.status, describeRun(run)).toBe(status);
}
