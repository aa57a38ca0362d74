// The Mosquitto brokers the repository starts itself (the cluster's, the ingest-mqtt benchmark's,
// tests of the shipped settings): a loopback listener, then ops/mosquitto/roboledger.conf, the
// settings an operator's broker needs too. One file, so what is measured is what is shipped.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, portOpen } from './ports.js';

export const ROBOLEDGER_BROKER_SETTINGS = fileURLToPath(
  new URL('../ops/mosquitto/roboledger.conf', import.meta.url),
);

/**
 * A whole mosquitto.conf: `listener <port> 127.0.0.1`, anonymous clients (robots are
 * authenticated by their signatures, docs/telemetry.md), no persistence (these brokers are thrown
 * away with their run), errors and warnings to stderr, then the shipped settings.
 */
export function mosquittoConfig(port: number): string {
  return [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    '',
    readFileSync(ROBOLEDGER_BROKER_SETTINGS, 'utf8'),
  ].join('\n');
}

export const MOSQUITTO_BIN = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));

export interface OwnBroker {
  url: string;
  /** What the broker wrote to stderr so far: its warnings, such as dropped messages. */
  log(): string;
  close(): Promise<void>;
}

/**
 * A Mosquitto child process with the shipped settings on a free loopback port (plus
 * `extraSettings`, appended), for as long as the caller keeps it; `close` stops it and removes
 * its directory. Waits up to `deadlineMs` for it to listen.
 */
export async function startOwnBroker(
  options: { extraSettings?: string; deadlineMs?: number } = {},
): Promise<OwnBroker> {
  if (!MOSQUITTO_BIN) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
  const dir = mkdtempSync(join(tmpdir(), 'rl-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `${mosquittoConfig(port)}\n${options.extraSettings ?? ''}\n`);
  const child: ChildProcess = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await close();
      throw new Error(`mosquitto did not listen on ${port}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url: `mqtt://127.0.0.1:${port}`, log: () => stderr, close };
}
