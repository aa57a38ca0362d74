// What every benchmark shares: the result line, and a fresh PostgreSQL database to measure on.
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { migrate } from '../src/server/db/migrate.js';
import { openPgDatabase } from '../src/server/db/pg-database.js';
import type { Database } from '../src/server/db/sql-client.js';

/** docs/api.md "Benchmarks": the baseline is measured in the same run on the same machine. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  ratio: number;
}

export function printBench(result: BenchResult): void {
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
}

/** Whether `import.meta.url` is the script node was started with. */
export function isMain(importMetaUrl: string): boolean {
  return process.argv[1] !== undefined && importMetaUrl === pathToFileURL(process.argv[1]).href;
}

export const BENCH_POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  db: Database;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated PostgreSQL database for one benchmark, dropped afterwards. */
export async function freshPostgres(maxConnections = 20): Promise<BenchDatabase> {
  const name = `rl_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(BENCH_POSTGRES_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = openPgDatabase({ connectionString: url, maxConnections });
  await migrate(db);
  return {
    db,
    url,
    async drop() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** The p-th percentile of sorted latencies (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `work` `samples` times one after another; the latencies in ms, sorted. */
export async function timeEach(samples: number, work: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await work(i);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}
