// Test files that use the external broker (MQTT_URL: CI's one Mosquitto) take turns. Every
// platform under test subscribes to every robot's telemetry topic: a share group of its own only
// splits the messages among that group's members, it does not keep other groups from getting
// them. Two files at once would each receive the other's batches, refuse them as unknown robots
// and publish those refusals on the other's rejected topics. A lock directory, shared by the
// test processes (vitest forks), serialises them; a holder that died is noticed by its pid.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK = join(tmpdir(), 'roboledger-test-external-broker.lock');

/** How long a file waits for the others to finish with the broker (on a loaded machine, minutes). */
export const BROKER_WAIT_MS = 10 * 60_000;
/** The timeout of a beforeAll that waits for the broker: above the wait, plus time to start. */
export const BROKER_HOOK_TIMEOUT_MS = BROKER_WAIT_MS + 5 * 60_000;

function holderAlive(): boolean {
  try {
    process.kill(Number(readFileSync(join(LOCK, 'pid'), 'utf8')), 0);
    return true;
  } catch (error) {
    // No pid file yet (the holder is writing it) counts as alive; a gone process does not.
    return (
      (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EPERM'
    );
  }
}

/** Waits until this process holds the external broker; resolves with the release function. */
export async function holdExternalBroker(timeoutMs = BROKER_WAIT_MS): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!holderAlive()) {
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the external broker stayed locked (${LOCK})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
