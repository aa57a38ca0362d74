// Raw telemetry lives in daily range partitions of telemetry_samples (PostgreSQL declarative
// partitioning, the same on PGlite). Partitions are created ahead of time by a timer and on
// demand for a batch that reaches a day not yet there; retention drops whole partitions, which
// costs a catalogue change instead of a DELETE of millions of rows. Rollups, batch rows and
// ledger digests are separate tables and stay.
import type { Database } from '../../db/sql-client.js';

export const DAY_MS = 86_400_000;

export function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function partitionName(dayMs: number): string {
  return `telemetry_samples_${new Date(dayMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

function dayOfPartition(name: string): number | undefined {
  const match = /^telemetry_samples_(\d{4})(\d{2})(\d{2})$/.exec(name);
  return match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : undefined;
}

/** The days (UTC midnight, ms) of the existing raw partitions, ascending. */
export async function listPartitionDays(db: Database): Promise<number[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'telemetry_samples'`,
  );
  return rows
    .map((r) => dayOfPartition(r.name))
    .filter((d): d is number => d !== undefined)
    .sort((a, b) => a - b);
}

export class PartitionManager {
  readonly #db: Database;
  readonly #known = new Set<number>();
  #loaded = false;

  constructor(db: Database) {
    this.#db = db;
  }

  async #load(): Promise<void> {
    if (this.#loaded) return;
    for (const day of await listPartitionDays(this.#db)) this.#known.add(day);
    this.#loaded = true;
  }

  /** Makes sure a partition exists for every day touched by [fromMs, toMs]. */
  async ensureRange(fromMs: number, toMs: number): Promise<number[]> {
    await this.#load();
    const created: number[] = [];
    for (let day = dayStart(fromMs); day <= toMs; day += DAY_MS) {
      if (this.#known.has(day)) continue;
      try {
        await this.#db.query(
          `CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF telemetry_samples
             FOR VALUES FROM ('${new Date(day).toISOString()}') TO ('${new Date(day + DAY_MS).toISOString()}')`,
        );
        created.push(day);
      } catch (error) {
        // Another process created it between our check and ours: that is the outcome we wanted.
        const code = (error as { code?: string }).code;
        if (code !== '42P07' && code !== '23505') throw error;
      }
      this.#known.add(day);
    }
    return created;
  }

  /** Whether the partition of `ms` is known to exist (no query). */
  has(ms: number): boolean {
    return this.#loaded && this.#known.has(dayStart(ms));
  }

  /** Drops every raw partition that ends at or before `cutoffMs`; returns the days dropped. */
  async dropBefore(cutoffMs: number): Promise<number[]> {
    const dropped: number[] = [];
    for (const day of await listPartitionDays(this.#db)) {
      if (day + DAY_MS > cutoffMs) break;
      await this.#db.query(`DROP TABLE IF EXISTS ${partitionName(day)}`);
      this.#known.delete(day);
      dropped.push(day);
    }
    return dropped;
  }
}
