// Signed single-sample batches per second over HTTP, end to end on PostgreSQL: each message is a
// JWS of one 32-joint sample, verified, group-committed with its ledger leaf and rollups, and
// answered 202 only after the commit.
//
// Baseline: the CEILING of this ingest on this machine, measured in the same run, the lower of
//  (a) a bare Fastify route with the same client and the same pre-signed bodies, which parses
//      the application/jose body and answers 202 without any work: the ceiling of HTTP here;
//  (b) how many of these signatures node:crypto verifies per second with every core verifying
//      at once (one worker thread per core, started together): the ceiling of ANY ingest that
//      verifies every message here, before HTTP, JSON or the database take their share.
// The ratio is messages/s through the platform over that ceiling (target >= 0.4). Both (a) and
// (b) use all the cores, and the platform has to do both, plus the database: its rate is at
// most about 1/(1/a + 1/b) of that work alone, half the ceiling when a and b are equal.
// Run: npx tsx bench/ingest-messages.ts
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import { presignBatches, runHttpLoad, startBenchPlatform } from './ingest-http.js';
import { type BenchResult, isMain, printBench } from './support.js';

const ROBOTS = 200;
const JOINTS = 32;
const MESSAGES_PER_ROBOT = 300;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

/** The baseline server: HTTP parsing and a 202, nothing else. */
export async function startBareServer(): Promise<{ url: string; close(): Promise<void> }> {
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

// One verifier per core: keys decoded once, then verify the same jobs over and over until the
// time is up. Plain JavaScript (eval), so the threads need no TypeScript loader.
const VERIFIER_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const keys = new Map();
const jobs = workerData.jobs.map((j) => {
  if (!keys.has(j.x)) keys.set(j.x, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: j.x }, format: 'jwk' }));
  return { input: Buffer.from(j.input, 'base64'), signature: Buffer.from(j.signature, 'base64'), key: keys.get(j.x) };
});
parentPort.once('message', () => {
  const started = performance.now();
  const until = started + workerData.ms;
  let n = 0;
  while (performance.now() < until) {
    for (const job of jobs) {
      if (!verify(null, job.input, job.key, job.signature)) throw new Error('a bench signature does not verify');
      n++;
    }
  }
  parentPort.postMessage({ n, seconds: (performance.now() - started) / 1000 });
});
parentPort.postMessage('ready');
`;

/**
 * Ed25519 verifications per second of `bodies` (compact JWS) with every core verifying at once,
 * one worker thread each, started together: measured, not one thread's rate times the cores.
 */
export async function verificationsPerSecondOnAllCores(
  bodies: readonly string[],
  publicKeys: ReadonlyMap<string, string>,
  threads: number,
  ms = 2000,
): Promise<number> {
  const jobs = bodies.map((jws) => {
    const header = JSON.parse(Buffer.from(jws.slice(0, jws.indexOf('.')), 'base64url').toString()) as {
      kid: string;
    };
    const dot = jws.lastIndexOf('.');
    return {
      x: publicKeys.get(header.kid)!,
      input: Buffer.from(jws.slice(0, dot)).toString('base64'),
      signature: Buffer.from(jws.slice(dot + 1), 'base64url').toString('base64'),
    };
  });
  const workers = Array.from(
    { length: threads },
    () => new Worker(VERIFIER_THREAD, { eval: true, workerData: { jobs, ms } }),
  );
  try {
    await Promise.all(workers.map((w) => once(w, 'message')));
    const results = workers.map(
      (w) =>
        new Promise<{ n: number; seconds: number }>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    );
    for (const w of workers) w.postMessage('go');
    const done = await Promise.all(results);
    return done.reduce((sum, r) => sum + r.n / r.seconds, 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export async function run(): Promise<BenchResult> {
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 256);
  const bench = await startBenchPlatform({ robots: ROBOTS, jointCount: JOINTS });
  const bare = await startBareServer();
  try {
    const warm = presignBatches(bench.fleet, 5, 1, 7);
    await runHttpLoad(bench.platform.url, warm.bodies, connections);
    await runHttpLoad(bare.url, warm.bodies, connections);
    const sample = presignBatches(bench.fleet, 10, 1, 99).bodies;
    const publicKeys = new Map(bench.fleet.robots.map((r) => [r.robotId, r.device.publicKey]));
    const cores = availableParallelism();
    // Interleaved rounds, best of each: the platform, the bare route and the verifiers all see
    // the same machine noise (the machine may be shared).
    let best = 0;
    let bestBare = 0;
    let bestVerify = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const { bodies } = presignBatches(bench.fleet, MESSAGES_PER_ROBOT, 1, 42 + round, 1000 * (round + 1));
      const load = await runHttpLoad(bench.platform.url, bodies, connections);
      if (Object.keys(load.errors).length > 0)
        throw new Error(`refused batches: ${JSON.stringify(load.errors)}`);
      if (load.ok !== bodies.length) throw new Error(`${bodies.length - load.ok} batches were not stored`);
      best = Math.max(best, load.ok / load.seconds);
      const bareLoad = await runHttpLoad(bare.url, bodies, connections);
      bestBare = Math.max(bestBare, bareLoad.ok / bareLoad.seconds);
      bestVerify = Math.max(bestVerify, await verificationsPerSecondOnAllCores(sample, publicKeys, cores));
    }
    const value = Math.round(best);
    const baseline = Math.round(Math.min(bestBare, bestVerify));
    process.stdout.write(
      `ingest-messages: ${value} messages/s through the platform; ceiling ${baseline}/s = the lower of ` +
        `(a) the bare HTTP route ${Math.round(bestBare)}/s and (b) node:crypto Ed25519 verification alone, ` +
        `${cores} cores fully used, ${Math.round(bestVerify)}/s; ratio ${(value / baseline).toFixed(3)}\n`,
    );
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
