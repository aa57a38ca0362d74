// `roboledger sim` against a listening platform: it files and deploys its robots with a
// manufacturer key, streams signed batches over HTTP and MQTT, and the platform stores them.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_SOFTWARE } from '../../../src/core/simulation/index.js';
import { decodeBatchPayload } from '../../../src/core/telemetry/index.js';
import {
  startTelemetryRuntime,
  type TelemetryRuntime,
} from '../../../src/server/features/telemetry/telemetry-runtime.js';
import {
  type FleetFile,
  runSimulation,
  SimSetupError,
} from '../../../src/server/simulator/fleet-simulator.js';
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
  }, BROKER_HOOK_TIMEOUT_MS); // it may wait for another file to release the broker
  afterAll(async () => {
    await runtime?.close();
    await p?.close();
    rmSync(dir, { recursive: true, force: true });
    releaseBroker?.();
  });

  /** A manufacturer with one model (12 joints) and one site, as a real one would have. */
  async function manufacturerWithProducts() {
    const maker = await createOrg(p, 'manufacturer');
    const model = await p.call('POST', '/v1/models', {
      token: maker.apiKey,
      body: {
        modelCode: '5S',
        category: 'B',
        name: 'Walker',
        jointCount: 12,
        hardwareRevisions: [{ code: '2', params: {} }],
        limits: { minBatterySohPct: 80, maxJointWear: 0.6, maxPositionErrorMm: 5 },
      },
    });
    expect(model.statusCode, model.body).toBe(201);
    const site = await p.call('POST', '/v1/sites', {
      token: maker.apiKey,
      body: { code: 'W', name: 'Works', region: '420100' },
    });
    expect(site.statusCode, site.body).toBe(201);
    return { maker, modelId: model.json().id as string };
  }
  const catalogueSize = async () =>
    (
      await p.ctx.db.query<{ n: number }>(
        'SELECT (SELECT count(*) FROM models) + (SELECT count(*) FROM sites) AS n',
      )
    ).rows[0]!.n;

  it('files units of the manufacturer’s own model, adding nothing to the catalogue; refuses without one', async () => {
    const bare = await createOrg(p, 'manufacturer');
    const options = {
      url,
      robots: 2,
      rate: 1,
      samplesPerBatch: 1,
      transport: 'http' as const,
      mqttUrl: '',
      duration: 0.1,
      seed: 1,
      timeScale: 60,
      fleetFile: join(dir, 'refused.json'),
      log: () => {},
    };
    const before = Number(await catalogueSize());
    const refused = await runSimulation({ ...options, token: bare.apiKey }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SimSetupError);
    expect((refused as Error).message).toContain('POST /v1/models');
    expect(Number(await catalogueSize())).toBe(before);

    const { maker, modelId } = await manufacturerWithProducts();
    const afterSetup = Number(await catalogueSize());
    await runSimulation({ ...options, token: maker.apiKey, fleetFile: join(dir, 'own.json') });
    expect(Number(await catalogueSize())).toBe(afterSetup);
    const { rows } = await p.ctx.db.query<{ model_id: string }>(
      'SELECT model_id FROM robots WHERE manufacturer_id = $1',
      [maker.id],
    );
    expect(rows.map((r) => r.model_id)).toEqual([modelId, modelId]);
  });

  it('stops at --duration even when the next batch is due much later', async () => {
    const { maker } = await manufacturerWithProducts();
    // One batch every 1,000 s; a 1 s run must not wait for the second.
    const summary = await runSimulation({
      url,
      token: maker.apiKey,
      robots: 1,
      rate: 0.01,
      samplesPerBatch: 10,
      transport: 'http',
      mqttUrl: '',
      duration: 1,
      seed: 1,
      timeScale: 60,
      fleetFile: join(dir, 'short.json'),
      log: () => {},
    });
    expect(summary.batches).toBe(1);
    // Far below the 1,000 s the old loop slept, far above 1 s on a loaded machine.
    expect(summary.seconds).toBeLessThan(100);
  }, 120_000);

  it(
    'files a fleet, streams over HTTP, then over MQTT from the fleet file, all accepted',
    async () => {
      const { maker } = await manufacturerWithProducts();
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
        fleetFile,
        log: () => {},
      };
      let stored = 0;
      const storedBatches = async () => {
        const { rows } = await p.ctx.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM telemetry_batches b JOIN robots r ON r.id = b.robot_uuid
            WHERE r.manufacturer_id = $1`,
          [maker.id],
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
      expect(fleet.robots.every((r) => (r.operatingHours ?? 0) > 0)).toBe(true);

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
      // ... and its usage counters: no robot's hours or cycles ran backwards between the runs.
      const rollbacks = await p.ctx.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM telemetry_alerts a JOIN robots r ON r.id = a.robot_uuid
          WHERE r.manufacturer_id = $1 AND a.condition = 'usage_counter_rollback'`,
        [maker.id],
      );
      expect(rollbacks.rows[0]!.n).toBe(0);
      // Each robot attested its software at the start of each run, and said who was in control
      // of every sample (docs/telemetry.md "Software and control").
      const software = await p.ctx.db.query<{ software: unknown }>(
        `SELECT s.software FROM telemetry_software_reports s JOIN robots r ON r.id = s.robot_uuid
          WHERE r.manufacturer_id = $1`,
        [maker.id],
      );
      expect(software.rows.map((r) => r.software)).toEqual(Array(6).fill(SIM_SOFTWARE));
      const jws = await p.ctx.db.query<{ jws: string }>(
        `SELECT j.jws FROM telemetry_batch_jws j JOIN robots r ON r.id = j.robot_uuid WHERE r.manufacturer_id = $1`,
        [maker.id],
      );
      expect(jws.rows).toHaveLength(stored);
      for (const { jws: batch } of jws.rows) {
        for (const sample of decodeBatchPayload(batch).samples) expect(sample.control).toBeDefined();
      }
    },
    3 * EFFECT_DEADLINE_MS + 60_000,
  );
});
