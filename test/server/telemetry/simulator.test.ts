// `roboledger sim` against a listening platform: it files and deploys its robots with a
// manufacturer key, streams signed batches over HTTP and MQTT, and the platform stores them.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FleetFile, runSimulation } from '../../../src/cli/sim-command.js';
import {
  startTelemetryRuntime,
  type TelemetryRuntime,
} from '../../../src/server/features/telemetry/telemetry-runtime.js';
import { createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { BROKER_HOOK_TIMEOUT_MS, holdExternalBroker } from '../../support/broker-lock.js';
import { backend } from '../../support/database.js';
import { EFFECT_DEADLINE_MS, eventually } from '../../support/wait.js';

describe(`roboledger sim (${backend})`, () => {
  let p: TestPlatform;
  let runtime: TelemetryRuntime;
  let url: string;
  let dir: string;
  let releaseBroker: (() => void) | undefined;
  beforeAll(async () => {
    // CI's one Mosquitto: test files using it take turns (broker-lock.ts).
    if (process.env.MQTT_URL) releaseBroker = await holdExternalBroker();
    p = await startTestPlatform();
    runtime = await startTelemetryRuntime(p.ctx, {
      mqttUrl: process.env.MQTT_URL,
      mqttPort: 0,
      mqttHost: '127.0.0.1',
      mqttShareGroup: `sim${randomBytes(4).toString('hex')}`,
      mqttConnections: 2,
    });
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    const address = p.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    dir = mkdtempSync(join(tmpdir(), 'rl-sim-'));
  }, BROKER_HOOK_TIMEOUT_MS); // it may wait for another file to release the broker
  afterAll(async () => {
    await runtime?.close();
    await p?.close();
    rmSync(dir, { recursive: true, force: true });
    releaseBroker?.();
  });

  it(
    'files a fleet, streams over HTTP, then over MQTT from the fleet file, all accepted',
    async () => {
      const maker = await createOrg(p, 'manufacturer');
      const fleetFile = join(dir, 'fleet.json');
      const base = {
        url,
        robots: 3,
        rate: 20,
        samplesPerBatch: 5,
        mqttUrl: process.env.MQTT_URL ?? `mqtt://127.0.0.1:${runtime.mqttPort}`,
        duration: 0, // until stopped: each run is stopped once the platform holds enough of its batches
        seed: 5,
        timeScale: 3600,
        jointCount: 12,
        fleetFile,
        log: () => {},
      };
      let stored = 0;
      const storedBatches = async () => {
        const { rows } = await p.ctx.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM telemetry_batches',
        );
        stored = rows[0]!.n;
        return stored;
      };
      /** Runs the simulator until the platform has stored `atLeast` batches in all, then stops it. */
      async function simulate(
        options: typeof base & { token: string; transport: 'http' | 'mqtt' },
        atLeast: number,
      ) {
        const stop = new AbortController();
        const run = runSimulation({ ...options, signal: stop.signal });
        try {
          await Promise.race([
            eventually(
              `${atLeast} stored batches`,
              async () => ((await storedBatches()) >= atLeast ? true : undefined),
              {
                seen: () => ({ stored }),
              },
            ),
            run.then((summary) => {
              throw new Error(`the simulator stopped by itself: ${JSON.stringify(summary)}`);
            }),
          ]);
        } finally {
          stop.abort();
        }
        return run;
      }
      // Three batches a robot: each robot's stream continues from the one before.
      const http = await simulate({ ...base, token: maker.apiKey, transport: 'http' }, 9);
      expect(http.refused).toEqual({});
      expect(http.failed).toBe(0);
      // Every batch the platform stored was answered before the simulator stopped.
      expect(http.accepted).toBeGreaterThanOrEqual(9);
      expect(await storedBatches()).toBe(http.accepted);
      const fleet = JSON.parse(readFileSync(fleetFile, 'utf8')) as FleetFile;
      expect(fleet.robots).toHaveLength(3);
      expect(fleet.robots.every((r) => r.nextSeq > 0)).toBe(true);

      const overMqtt = await simulate({ ...base, token: fleetFile, transport: 'mqtt' }, http.accepted + 9);
      expect(overMqtt.failed).toBe(0);
      expect(overMqtt.batches).toBeGreaterThanOrEqual(9);
      // PUBACKs from an external broker come before the platform's commit: wait for the rest.
      await eventually(
        'every published batch to be stored',
        async () => ((await storedBatches()) >= http.accepted + overMqtt.batches ? true : undefined),
        { seen: () => ({ stored, expected: http.accepted + overMqtt.batches }) },
      );
      // The MQTT run continued each robot's sequence: nothing was a duplicate, nothing refused.
      expect(stored).toBe(http.accepted + overMqtt.batches);
      expect(overMqtt.refused).toEqual({});
    },
    3 * EFFECT_DEADLINE_MS + 60_000,
  );
});
