// bundle-verify: offline verification of an incident's bundle, target ≤ 1 s (docs/incidents.md
// "Verifying a bundle offline"). The platform in this process on PostgreSQL with the robot of
// incident-report (32 joints, its 2,400 signed 1 Hz samples streamed in 40 batches of 60 through
// POST /v1/telemetry, filling the window; no other robots' samples: they are not in a bundle).
// The incident is reported (kind `malfunction`, severity `moderate`), its bundle fetched as the
// robot's owner (GET /v1/incidents/{id}/bundle) and written to a temporary file; the text read
// back is what is verified.
//
// Timed, 20 rounds after 3 warm-up rounds: verifyIncidentBundle(JSON.parse(text), verifierKey),
// with the log's verifier key alone — checkpoint signature, every record's opening and inclusion
// proof, the incident against its record, every item's digest and commitment, every batch's
// device signature. The value is the MAXIMUM of the rounds (the slowest, not a percentile), in
// ms. Baseline, same rounds, the same way: parsing the same text and checking the 40 batch
// signatures alone (the work no verifier can skip); its maximum too. Ratio value / baseline
// (as the other latency benchmarks): how many times the unskippable work the whole check costs.
// Also, untimed by the BENCH line: the real CLI once, `node bin/roboledger.js verify bundle
// <file> --key <key>` (over dist/, built first when stale), its wall time on stderr, with that
// of `roboledger --help` (starting node and loading the command alone) for comparison.
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyIncidentBundle } from '../src/core/incidents/bundle.js';
import buildDistOnce from '../test/global-setup.js';
import { reportIncident, startIncidentBench, WINDOW_BATCHES } from './incident-report.js';
import { isMain, printBench } from './support.js';

const WARM_UP_ROUNDS = 3;
const MEASURED_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function run(): Promise<void> {
  const b = await startIncidentBench();
  const dir = mkdtempSync(join(tmpdir(), 'rl-bundle-'));
  try {
    const incident = await reportIncident(b, 0);
    const res = await b.api.call('GET', `/v1/incidents/${incident.incidentId}/bundle`, {
      token: b.fleet.manufacturer.apiKey,
    });
    if (res.statusCode !== 200) throw new Error(`GET bundle: ${res.statusCode} ${res.body.slice(0, 300)}`);
    const file = join(dir, 'bundle.json');
    writeFileSync(file, res.body);
    const text = readFileSync(file, 'utf8');
    const verifierKey = b.ctx.checkpointer.key.verifierKey;
    const deviceKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: b.robot.device.publicKey },
      format: 'jwk',
    });

    const verifyAll = () => verifyIncidentBundle(JSON.parse(text), verifierKey);
    const signaturesOnly = () => {
      const bundle = JSON.parse(text) as { items: { kind: string; jws?: string }[] };
      let valid = 0;
      for (const item of bundle.items) {
        if (item.kind !== 'telemetry') continue;
        const [header, payload, signature] = item.jws!.split('.') as [string, string, string];
        if (verify(null, Buffer.from(`${header}.${payload}`), deviceKey, Buffer.from(signature, 'base64url')))
          valid++;
      }
      return valid;
    };
    // Not timed: the bundle holds, with the window's batches and samples, and so do the signatures.
    const result = verifyAll();
    if (result.items.telemetry !== WINDOW_BATCHES)
      throw new Error(`the bundle holds ${result.items.telemetry} batches`);
    if (result.coverage.missingTelemetry || result.coverage.samples !== 2_400) {
      throw new Error(`the bundle covers ${result.coverage.samples} samples`);
    }
    if (signaturesOnly() !== WINDOW_BATCHES) throw new Error('the baseline does not verify the batches');
    for (let round = 0; round < WARM_UP_ROUNDS; round++) {
      verifyAll();
      signaturesOnly();
    }
    const times: number[] = [];
    const baselineTimes: number[] = [];
    for (let round = 0; round < MEASURED_ROUNDS; round++) {
      let started = performance.now();
      verifyAll();
      times.push(performance.now() - started);
      started = performance.now();
      signaturesOnly();
      baselineTimes.push(performance.now() - started);
    }
    times.sort((x, y) => x - y);
    baselineTimes.sort((x, y) => x - y);

    // The real command once, as a court would run it.
    if (process.env.BENCH_SKIP_CLI !== '1') {
      buildDistOnce();
      const started = performance.now();
      const cli = spawnSync(
        process.execPath,
        ['bin/roboledger.js', 'verify', 'bundle', file, '--key', verifierKey],
        { cwd: ROOT, encoding: 'utf8' },
      );
      const wall = performance.now() - started;
      if (cli.status !== 0 || !cli.stdout.startsWith('OK incident bundle')) {
        throw new Error(
          `roboledger verify bundle: exit ${cli.status}\n${cli.stderr}\n${cli.stdout.slice(0, 2000)}`,
        );
      }
      // What of it is starting node and loading the command: `roboledger --help`, same way.
      const startedBare = performance.now();
      const bare = spawnSync(process.execPath, ['bin/roboledger.js', '--help'], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      const bareWall = performance.now() - startedBare;
      if (bare.status !== 0) throw new Error(`roboledger --help: exit ${bare.status}\n${bare.stderr}`);
      process.stderr.write(
        `bundle-verify: \`roboledger verify bundle\` (a new node process: start, load, read, verify, print) ` +
          `exit 0 in ${wall.toFixed(0)} ms wall; \`roboledger --help\` (start and load only) ${bareWall.toFixed(0)} ms\n`,
      );
    }

    const value = times.at(-1)!;
    const baseline = baselineTimes.at(-1)!;
    process.stderr.write(
      `bundle-verify: bundle of ${(text.length / 1024).toFixed(0)} KB, ${result.records} records, ` +
        `${Object.values(result.items).reduce((a, n) => a + n, 0)} items (${WINDOW_BATCHES} batches, ` +
        `${result.coverage.samples} samples); verify over ${MEASURED_ROUNDS} rounds: min ${times[0]!.toFixed(1)} ms, ` +
        `median ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms, max ${value.toFixed(1)} ms; ` +
        `parse + batch signatures only: median ${baselineTimes[Math.floor(baselineTimes.length / 2)]!.toFixed(1)} ms, ` +
        `max ${baseline.toFixed(1)} ms\n`,
    );
    printBench({
      name: 'bundle-verify',
      value: Number(value.toFixed(2)),
      unit: 'ms max',
      baseline: Number(baseline.toFixed(2)),
      ratio: Number((value / baseline).toFixed(3)),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await b.close();
  }
}

if (isMain(import.meta.url)) await run();
