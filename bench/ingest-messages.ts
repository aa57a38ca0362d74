// Signed single-sample batches per second over HTTP, end to end on PostgreSQL: each message is a
// JWS of one 32-joint sample, verified, group-committed with its ledger leaf and rollups, and
// answered 202 only after the commit. Target >= 10,000/s on 2 cores (anchor: ThingsBoard's
// 1,111 msg/s on 4 vCPU with PostgreSQL). Baseline, same run, same machine, same client and
// the same pre-signed bodies: a bare Fastify route that parses the application/jose body and
// answers 202 without any work — the ceiling of HTTP on this machine.
// Run: npx tsx bench/ingest-messages.ts
import Fastify from 'fastify';
import { presignBatches, runHttpLoad, startBenchPlatform } from './ingest-http.js';
import { type BenchResult, isMain, printBench } from './support.js';

const ROBOTS = 200;
const JOINTS = 32;
const MESSAGES_PER_ROBOT = 300;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

/** The baseline server: HTTP parsing and a 202, nothing else. */
async function startBareServer(): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.addContentTypeParser('application/jose', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
  app.post('/v1/telemetry', async (_request, reply) =>
    reply.code(202).send({ accepted: 1, duplicate: false }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export async function run(): Promise<BenchResult> {
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 256);
  const bench = await startBenchPlatform({ robots: ROBOTS, jointCount: JOINTS });
  const bare = await startBareServer();
  try {
    const warm = presignBatches(bench.fleet, 5, 1, 7);
    await runHttpLoad(bench.platform.url, warm.bodies, connections);
    await runHttpLoad(bare.url, warm.bodies, connections);
    let best = 0;
    let bestBaseline = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const { bodies } = presignBatches(bench.fleet, MESSAGES_PER_ROBOT, 1, 42 + round, 1000 * (round + 1));
      const load = await runHttpLoad(bench.platform.url, bodies, connections);
      if (Object.keys(load.errors).length > 0)
        throw new Error(`refused batches: ${JSON.stringify(load.errors)}`);
      if (load.ok !== bodies.length) throw new Error(`${bodies.length - load.ok} batches were not stored`);
      best = Math.max(best, load.ok / load.seconds);
      const baseline = await runHttpLoad(bare.url, bodies, connections);
      bestBaseline = Math.max(bestBaseline, baseline.ok / baseline.seconds);
    }
    const value = Math.round(best);
    const baseline = Math.round(bestBaseline);
    return {
      name: 'ingest-messages',
      value,
      unit: 'messages/s',
      baseline,
      ratio: Math.round((value / baseline) * 1000) / 1000,
    };
  } finally {
    await bare.close();
    await bench.close();
  }
}

if (isMain(import.meta.url) && !process.env.BENCH_LOAD_ROLE) printBench(await run());
