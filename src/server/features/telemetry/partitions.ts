// Raw telemetry lives in daily range partitions of telemetry_samples (PostgreSQL declarative
// partitioning, the same on PGlite). Partitions are created ahead of time by a timer and on
// demand for a batch that reaches a day not yet there; retention drops whole partitions, which
// costs a catalogue change instead of a DELETE of millions of rows. Rollups, batch rows and
// ledger digests are separate tables and stay.
//
// The JWS of each batch (telemetry_batch_jws) has daily partitions of the same days, by the
// batch's last sample time, made and dropped together with the samples' of that day: a batch's
// JWS is kept as long as its last sample, so as long as any of them.
import type { Database } from '../../db/sql-client.js';

export const DAY_MS = 86_400_000;

export function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function partitionName(dayMs: number): string {
  return `telemetry_samples_${new Date(dayMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export function jwsPartitionName(dayMs: number): string {
  return `telemetry_batch_jws_${new Date(dayMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

function dayOfPartition(name: string): number | undefined {
  const match = /_(\d{4})(\d{2})(\d{2})$/.exec(name);
  return match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : undefined;
}

async function partitionDaysOf(db: Database, parent: string): Promise<number[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = $1`,
    [parent],
  );
  return rows
    .map((r) => dayOfPartition(r.name))
    .filter((d): d is number => d !== undefined)
    .sort((a, b) => a - b);
}

/** The days (UTC midnight, ms) of the existing raw partitions, ascending. */
export function listPartitionDays(db: Database): Promise<number[]> {
  return partitionDaysOf(db, 'telemetry_samples');
}

/** The days (UTC midnight, ms) of the existing JWS partitions, ascending. */
export function listJwsPartitionDays(db: Database): Promise<number[]> {
  return partitionDaysOf(db, 'telemetry_batch_jws');
}

function rangeOf(day: number): string {
  return `FOR VALUES FROM ('${new Date(day).toISOString()}') TO ('${new Date(day + DAY_MS).toISOString()}')`;
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
    // A day counts as there only when both its partitions are (a database from before the JWS
    // table has sample partitions only: the JWS ones are then made on the first use).
    const jwsDays = new Set(await listJwsPartitionDays(this.#db));
    for (const day of await listPartitionDays(this.#db)) if (jwsDays.has(day)) this.#known.add(day);
    this.#loaded = true;
  }

  /** Makes sure a partition exists for every day touched by [fromMs, toMs]. */
  async ensureRange(fromMs: number, toMs: number): Promise<number[]> {
    await this.#load();
    const created: number[] = [];
    for (let day = dayStart(fromMs); day <= toMs; day += DAY_MS) {
      if (this.#known.has(day)) continue;
      for (const [name, parent] of [
        [partitionName(day), 'telemetry_samples'],
        [jwsPartitionName(day), 'telemetry_batch_jws'],
      ] as const) {
        try {
          await this.#db.query(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${parent} ${rangeOf(day)}`);
        } catch (error) {
          // Another process created it between our check and ours: that is the outcome we wanted.
          const code = (error as { code?: string }).code;
          if (code !== '42P07' && code !== '23505') throw error;
        }
      }
      created.push(day);
      this.#known.add(day);
    }
    return created;
  }

  /** Whether the partition of `ms` is known to exist (no query). */
  has(ms: number): boolean {
    return this.#loaded && this.#known.has(dayStart(ms));
  }

  /**
   * Drops every raw partition, and the JWS partition of the same day, that ends at or before
   * `cutoffMs`; returns the days dropped.
   */
  async dropBefore(cutoffMs: number): Promise<number[]> {
    const dropped: number[] = [];
    const days = new Set([...(await listPartitionDays(this.#db)), ...(await listJwsPartitionDays(this.#db))]);
    for (const day of [...days].sort((a, b) => a - b)) {
      if (day + DAY_MS > cutoffMs) break;
      await this.#db.query(`DROP TABLE IF EXISTS ${partitionName(day)}`);
      await this.#db.query(`DROP TABLE IF EXISTS ${jwsPartitionName(day)}`);
      this.#known.delete(day);
      dropped.push(day);
    }
    return dropped;
  }
}
