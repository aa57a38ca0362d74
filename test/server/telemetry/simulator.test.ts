// `roboledger sim` against a listening platform: it files and deploys its robots with a
// manufacturer key, streams signed batches over HTTP and MQTT, and the platform stores them.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTelemetryRuntime,
  type TelemetryRuntime,
} from '../../../src/server/features/telemetry/telemetry-runtime.js';
import { type FleetFile, runSimulation } from '../../../src/server/simulator/fleet-simulator.js';
import { createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { holdExternalBroker } from '../../support/broker-lock.js';
import { backend } from '../../support/database.js';

describe(`roboledger sim (${backend})`, () => {
  let p: TestPlatform;
  let runtime: TelemetryRuntime;
  let url: string;
  let dir: string;
  let releaseBroker: (() => void) | undefined;
  beforeAll(async () => {
    // CI's one Mosquitto: test files using it take turns (broker-lock.ts).
    if (process.env.MQTT_URL) releaseBroker = await holdExternalBroker();
    p = await startTestPlatform({
      env: {
        ...(process.env.MQTT_URL ? { MQTT_URL: process.env.MQTT_URL } : {}),
        MQTT_PORT: '0',
        HOST: '127.0.0.1',
        ROBOLEDGER_MQTT_SHARE_GROUP: `sim${randomBytes(4).toString('hex')}`,
        ROBOLEDGER_MQTT_CONNECTIONS: '2',
      },
    });
    runtime = await startTelemetryRuntime(p.ctx);
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    const address = p.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    dir = mkdtempSync(join(tmpdir(), 'rl-sim-'));
  }, 240_000); // it may wait for another file to release the broker
  afterAll(async () => {
    await runtime?.close();
    await p?.close();
    rmSync(dir, { recursive: true, force: true });
    releaseBroker?.();
  });

  it('files a fleet, streams over HTTP, then over MQTT from the fleet file, all accepted', async () => {
    const maker = await createOrg(p, 'manufacturer');
    const fleetFile = join(dir, 'fleet.json');
    const base = {
      url,
      robots: 3,
      rate: 20,
      samplesPerBatch: 5,
      mqttUrl: process.env.MQTT_URL ?? `mqtt://127.0.0.1:${runtime.mqttPort}`,
      duration: 1.5,
      seed: 5,
      timeScale: 3600,
      jointCount: 12,
      fleetFile,
      log: () => {},
    };
    const http = await runSimulation({ ...base, token: maker.apiKey, transport: 'http' });
    expect(http.refused).toEqual({});
    expect(http.failed).toBe(0);
    expect(http.accepted).toBeGreaterThan(3);
    const fleet = JSON.parse(readFileSync(fleetFile, 'utf8')) as FleetFile;
    expect(fleet.robots).toHaveLength(3);
    expect(fleet.robots.every((r) => r.nextSeq > 0)).toBe(true);

    const overMqtt = await runSimulation({ ...base, token: fleetFile, transport: 'mqtt' });
    expect(overMqtt.failed).toBe(0);
    expect(overMqtt.batches).toBeGreaterThan(3);
    const deadline = Date.now() + 10_000;
    let stored = 0;
    while (Date.now() < deadline) {
      const { rows } = await p.ctx.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM telemetry_batches',
      );
      stored = rows[0]!.n;
      if (stored >= http.accepted + overMqtt.batches) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // The MQTT run continued each robot's sequence: nothing was a duplicate, nothing refused.
    expect(stored).toBe(http.accepted + overMqtt.batches);
    expect(overMqtt.refused).toEqual({});
  });
});
