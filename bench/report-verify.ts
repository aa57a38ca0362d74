// report-verify: offline verification of the buyer-tier history report of bench/report.ts (a
// robot with 1,001 records in a 1,000,000-entry log), p95 (target <= 1 s): the checkpoint and
// robot head signatures, 1,001 openings and inclusion proofs, the chain, the summary and
// certificate recomputed, the report's signature, from the JSON text. Baseline, same run: the
// ledger's own robot-history verification of the same records (verifyRobotHistory) alone.
import { verifyHistoryReport } from '../src/core/report/report-verify.js';
import { noteVerifier, openCheckpoint, openRobotHead, verifyRobotHistory } from '../src/ledger/index.js';
import { buildReportBench } from './report.js';
import { isMain, percentile, printBench } from './support.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);

function time(samples: number, work: () => unknown): number[] {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

export async function run(): Promise<void> {
  const bench = await buildReportBench();
  try {
    const text = await bench.report();
    const key = noteVerifier(bench.verifierKey);
    const historyOnly = () => {
      const report = JSON.parse(text);
      const checkpoint = openCheckpoint(report.proof.checkpoint, [key], { origin: key.name }).checkpoint;
      const head = openRobotHead(report.proof.head, [key], { origin: key.name }).head;
      verifyRobotHistory({
        head,
        checkpoint,
        records: report.proof.records.map((r: { opening: never; inclusion: string[] }) => ({
          opening: r.opening,
          proof: r.inclusion.map((p) => new Uint8Array(Buffer.from(p, 'base64'))),
        })),
      });
    };
    const full = () => verifyHistoryReport(JSON.parse(text), bench.verifierKey);
    full();
    historyOnly();
    const times = time(SAMPLES, full);
    const baseTimes = time(SAMPLES, historyOnly);
    const p95 = percentile(times, 95);
    const baseline = percentile(baseTimes, 95);
    process.stdout.write(
      `report-verify: ${(text.length / 1024).toFixed(0)} KB report verified offline p50 ${percentile(times, 50).toFixed(1)} ms, ` +
        `p95 ${p95.toFixed(1)} ms over ${SAMPLES}; the history proof alone p95 ${baseline.toFixed(1)} ms\n`,
    );
    printBench({
      name: 'report-verify',
      value: Number(p95.toFixed(2)),
      unit: 'ms p95',
      baseline: Number(baseline.toFixed(2)),
      ratio: Number((p95 / baseline).toFixed(3)),
    });
  } finally {
    await bench.close();
  }
}

if (isMain(import.meta.url)) await run();
