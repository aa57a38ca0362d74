// recall-population: opening a recall campaign over 100,000 robots of which 10 % are affected
// (target ≤ 2 s), on PostgreSQL.
//
// The maker, its ten models and its site are made through the API; the 100,000 robots (spread
// evenly over the ten models, in service, owned by 50 operators) are then written directly by
// SQL, as filing would have left their rows. Timed: POST /v1/recalls naming one model, through
// the platform (authentication, validation, the model check, the campaign row, its 10,000 units
// by one INSERT ... SELECT, the ledger record, the owners' notifications, all in one unit of
// work, then the answer). Baseline, same run: a plain SELECT of the affected robots. Reported
// besides (not the BENCH line): the same share selected by the robots' current software.
// Run: npm run bench -- recall-population
import { performance } from 'node:perf_hooks';
import { benchMaker, benchSite, inProcessPlatform } from './in-process.js';
import { isMain, printBench } from './support.js';

const ROBOTS = Number(process.env.BENCH_ROBOTS ?? 100_000);
const MODELS = 10; // one of them recalled: a 10 % affected share
const OWNERS = 50;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MODEL_CODES = ['0A', '0B', '0C', '0D', '0E', '0F', '0G', '0H', '0J', '0K'];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(): Promise<void> {
  const platform = await inProcessPlatform();
  const { bench, call } = platform;
  try {
    const maker = await benchMaker(call);
    const modelIds: string[] = [];
    for (const [i, code] of MODEL_CODES.entries()) {
      const model = await call('POST', '/v1/models', maker.apiKey, {
        modelCode: code,
        category: 'B',
        name: `Walker ${i}`,
        jointCount: 28,
        hardwareRevisions: [{ code: '1', params: {} }],
        limits: { minBatterySohPct: 80, maxJointWear: 0.6, maxPositionErrorMm: 5 },
      });
      modelIds.push(model.json().id);
    }
    const siteId = await benchSite(call, maker);
    const built = performance.now();
    const { rows: owners } = await bench.db.query<{ id: string }>(
      `INSERT INTO organisations (id, name, kind, country, created_at, ledger_index)
       SELECT gen_random_uuid(), 'Operator ' || g, 'operator', 'CN', now(), -g FROM generate_series(1, $1) g
       RETURNING id`,
      [OWNERS],
    );
    await bench.db.query(
      `INSERT INTO robots (id, robot_id, model_id, manufacturer_id, hardware_revision, site_id, production_date,
                           intelligence_level_filed, intelligence_level, owner_id, status, filed_at, updated_at)
       SELECT gen_random_uuid(), 'BENCH' || lpad(g::text, 24, '0'), ($2::uuid[])[1 + g % $3], $4, '1', $5,
              date '2026-01-01' + (g % 300), 3, 3, ($6::uuid[])[1 + g % $7], 'in_service', now(), now()
         FROM generate_series(1, $1) g`,
      [ROBOTS, modelIds, MODELS, maker.id, siteId, owners.map((o) => o.id), OWNERS],
    );
    // Each robot's locomotion software: one software_update each (10 % at 2.3.0, on robots of
    // every model), for the software-filter run, which reads the latest update per robot.
    await bench.db.query(
      `INSERT INTO robot_events (id, robot_uuid, robot_id, type, occurred_at, recorded_at, actor_org_id,
                                 from_status, to_status, data, ledger_index)
       SELECT gen_random_uuid(), r.id, r.robot_id, 'software_update', now(), now(), r.owner_id, 'in_service',
              'in_service', jsonb_build_object('component', 'locomotion',
                'toVersion', CASE WHEN row_number() OVER (ORDER BY r.robot_id) % 10 = 3 THEN '2.3.0' ELSE '2.4.0' END),
              -1000000 - row_number() OVER (ORDER BY r.robot_id)
         FROM robots r`,
    );
    await bench.db.query('ANALYZE');
    const buildSeconds = (performance.now() - built) / 1000;

    const recalled = modelIds[0]!;
    const openTimes: number[] = [];
    let affected = 0;
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const res = await call('POST', '/v1/recalls', maker.apiKey, {
        campaignId: `R-BENCH-${i}`,
        modelIds: [recalled],
        component: 'knee actuator',
        summary: 'The knee actuator bolt may loosen.',
        consequence: 'The leg may give way.',
        remedy: { type: 'part' },
      });
      openTimes.push(performance.now() - started);
      affected = res.json().affected;
    }
    // The same share selected by the robots' current software instead of their model.
    const softwareTimes: number[] = [];
    let softwareAffected = 0;
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const res = await call('POST', '/v1/recalls', maker.apiKey, {
        campaignId: `R-BENCH-SW-${i}`,
        software: { component: 'locomotion', versions: ['2.3.0'] },
        component: 'locomotion controller',
        summary: 'The balance controller may diverge.',
        consequence: 'The robot may fall.',
        remedy: { type: 'software', software: { component: 'locomotion', version: '2.3.2' } },
      });
      softwareTimes.push(performance.now() - started);
      softwareAffected = res.json().affected;
    }
    const baseTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await bench.db.query('SELECT id, robot_id, owner_id FROM robots WHERE model_id = $1', [recalled]);
      baseTimes.push(performance.now() - started);
    }
    const value = median(openTimes);
    const baseline = median(baseTimes);
    process.stdout.write(
      `recall-population: ${ROBOTS} robots over ${MODELS} models (${OWNERS} owners) built in ${buildSeconds.toFixed(1)} s; ` +
        `opening a campaign over ${affected} affected robots: median ${value.toFixed(1)} ms over ${RUNS} ` +
        `(${openTimes.map((t) => t.toFixed(0)).join(', ')}); a plain SELECT of them: median ${baseline.toFixed(1)} ms; ` +
        `target ≤ 2000 ms: ${value <= 2000 ? 'met' : 'not met'}; ` +
        `by current software instead (${softwareAffected} affected): median ${median(softwareTimes).toFixed(1)} ms\n`,
    );
    printBench({
      name: 'recall-population',
      value: Number(value.toFixed(1)),
      unit: 'ms median',
      baseline: Number(baseline.toFixed(1)),
      ratio: Number((value / baseline).toFixed(3)),
    });
  } finally {
    await platform.close();
  }
}

if (isMain(import.meta.url)) await run();
