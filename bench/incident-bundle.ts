// Offline incident bundle verification (docs/incidents.md "Verifying a bundle offline"): a
// bundle of 50 telemetry batches of 50 samples each, 5 JSON items, an attachment and about 60
// records proven against a checkpoint of a log of some thousand entries, parsed from its text
// and verified with verifyIncidentBundle. Baseline, same run, the same way: parsing the same
// text and checking the 50 batch signatures alone (the work no verifier can skip), so the ratio
// (baseline / value, at most 1) says how much the rest of the checks add. Best of the measured
// rounds, in milliseconds per bundle. Run: npx tsx bench/incident-bundle.ts
import { createPublicKey, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { verifyIncidentBundle } from '../src/core/incidents/bundle.js';
import { buildIncidentBundle, OCCURRED_MS } from '../test/support/incident-bundle.js';
import { type BenchResult, isMain, printBench } from './support.js';

const BATCHES = 50;
const SAMPLES = 50;
const WARM_UP_ROUNDS = 3;
const MEASURED_ROUNDS = 15;

export async function run(): Promise<BenchResult> {
  // Batches 48 s apart from the window's start: 50 samples a second each, all inside it.
  const batches = Array.from({ length: BATCHES }, (_, i) => ({
    startMs: OCCURRED_MS - 30 * 60_000 + i * 48_000,
    samples: SAMPLES,
  }));
  const fixture = buildIncidentBundle({ batches, noise: 500 });
  const text = JSON.stringify(fixture.bundle);
  // The device key, read back from the filing record the bundle carries.
  const filing = fixture.log.records.find((r) => r.record.type === 'filing')!;
  const x = (filing.record.data as { devicePublicKey: string }).devicePublicKey;
  const deviceKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });

  const verifyAll = () => verifyIncidentBundle(JSON.parse(text), fixture.verifierKey);
  const baselineWork = () => {
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
  const result = verifyAll();
  if (result.items.telemetry !== BATCHES) throw new Error('the bundle does not hold its batches');
  if (baselineWork() !== BATCHES) throw new Error('the baseline does not verify the batches');
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    verifyAll();
    baselineWork();
  }
  let best = Number.POSITIVE_INFINITY;
  let bestBaseline = Number.POSITIVE_INFINITY;
  for (let round = 0; round < MEASURED_ROUNDS; round++) {
    let start = performance.now();
    verifyAll();
    best = Math.min(best, performance.now() - start);
    start = performance.now();
    baselineWork();
    bestBaseline = Math.min(bestBaseline, performance.now() - start);
  }
  const value = round3(best);
  const baseline = round3(bestBaseline);
  process.stdout.write(
    `bundle of ${text.length} bytes, ${result.records} records, ${BATCHES} batches x ${SAMPLES} samples\n`,
  );
  return { name: 'incident-bundle', value, unit: 'ms/bundle', baseline, ratio: round3(baseline / value) };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

if (isMain(import.meta.url)) printBench(await run());
