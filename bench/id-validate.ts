// Robot-ID validation throughput: complete RID-1 validation (length, per-position alphabets,
// assigned country, category/level/year/month tables, MOD 37,36 check) of a million mixed
// valid and defective IDs, against a baseline measured in the same run on the same strings:
// a regular expression that checks only the shape. Ratio >= 1 means the complete check costs
// no more than the shape test. Run: npx tsx bench/id-validate.ts

import { performance } from 'node:perf_hooks';
import { ALNUM36, encodeRobotId, isValidRobotId, S34 } from '../src/robot-id/index.js';
import { type BenchResult, isMain, printBench } from './support.js';

export type { BenchResult };

const ID_COUNT = 1_000_000;
const WARM_UP_ROUNDS = 3;
const MEASURED_ROUNDS = 15;

/** Only the shape: 2 letters, 26 of S34, 1 of the 36. Knows nothing of tables or the check. */
const SHAPE = /^[A-Z]{2}[0-9A-HJ-NP-Z]{26}[0-9A-Z]$/;

export async function run(): Promise<BenchResult> {
  // Through JSON, as IDs arrive in request bodies and files: flat strings, not the
  // concatenations the generator builds (which V8 would read through an extra indirection).
  const ids = JSON.parse(JSON.stringify(generateMixedIds(ID_COUNT, 0x5eed_1d5))) as string[];
  const expectedValid = countValid(ids);
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    countValid(ids);
    countShapeMatches(ids);
  }
  let bestValidation = Number.POSITIVE_INFINITY;
  let bestShape = Number.POSITIVE_INFINITY;
  // Interleaved rounds, best of each: both sides see the same machine noise.
  for (let round = 0; round < MEASURED_ROUNDS; round++) {
    let start = performance.now();
    const valid = countValid(ids);
    bestValidation = Math.min(bestValidation, performance.now() - start);
    start = performance.now();
    countShapeMatches(ids);
    bestShape = Math.min(bestShape, performance.now() - start);
    if (valid !== expectedValid) throw new Error('validation is not deterministic');
  }
  const value = Math.round(ids.length / (bestValidation / 1000));
  const baseline = Math.round(ids.length / (bestShape / 1000));
  return { name: 'id-validate', value, unit: 'ids/s', baseline, ratio: round3(value / baseline) };
}

function countValid(ids: readonly string[]): number {
  let valid = 0;
  for (const id of ids) if (isValidRobotId(id)) valid++;
  return valid;
}

function countShapeMatches(ids: readonly string[]): number {
  let matches = 0;
  for (const id of ids) if (SHAPE.test(id)) matches++;
  return matches;
}

/**
 * Half valid IDs, half with one defect each, cycling through the defects a validator meets:
 * a mistyped character, an adjacent transposition, a dropped or doubled character, an O or I
 * typed for 0 or 1, an unassigned country. Deterministic for a seed.
 */
function generateMixedIds(count: number, seed: number): string[] {
  const random = mulberry32(seed);
  const pick = (symbols: string): string => symbols.charAt(Math.floor(random() * symbols.length));
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const id = encodeRobotId({
      country: pick('CCCCCUUDJK') === 'C' ? 'CN' : ['US', 'DE', 'JP', 'KR'][index % 4]!,
      enterprise: pick(S34) + pick(S34) + pick(S34) + pick(S34),
      category: pick('BWTDX'),
      model: pick(S34) + pick(S34),
      level: Math.floor(random() * 6),
      productionYear: 2024 + Math.floor(random() * 6),
      productionMonth: 1 + Math.floor(random() * 12),
      hardwareRevision: pick(S34),
      site: pick(S34),
      unitSequence: Array.from({ length: 1 + Math.floor(random() * 14) }, () => pick(S34)).join(''),
    });
    ids.push(index % 2 === 0 ? id : withDefect(id, index >> 1, random));
  }
  return ids;
}

function withDefect(id: string, kind: number, random: () => number): string {
  const at = Math.floor(random() * 28);
  switch (kind % 6) {
    case 0: {
      const replacement = ALNUM36.charAt(Math.floor(random() * 36));
      const other =
        replacement === id.charAt(at) ? ALNUM36.charAt((ALNUM36.indexOf(replacement) + 1) % 36) : replacement;
      return id.slice(0, at) + other + id.slice(at + 1);
    }
    case 1:
      return id.slice(0, at) + id.charAt(at + 1) + id.charAt(at) + id.slice(at + 2);
    case 2:
      return id.slice(0, at) + id.slice(at + 1);
    case 3:
      return id.slice(0, at) + id.charAt(at) + id.slice(at);
    case 4:
      return id.slice(0, 2) + id.slice(2, 28).replace(/0/, 'O').replace(/1/, 'I') + id.slice(28);
    default:
      return `XK${id.slice(2)}`;
  }
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

if (isMain(import.meta.url)) printBench(await run());
