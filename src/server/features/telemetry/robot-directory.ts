// What ingest needs to know about a robot, by any ID it ever had: its UUID, status, its
// model's joint count and limits, and its device keys. Cached for a few seconds, because every
// batch asks; the cache is only a fast path — the commit re-checks status and key in the
// transaction (telemetry-writer.ts), so a rotation or decommissioning is never missed.
import type { RobotStatus } from '../../../core/lifecycle.js';
import type { ModelLimits } from '../../../core/telemetry/index.js';
import type { SqlClient } from '../../db/sql-client.js';
import type { CandidateKey } from './batch-check.js';

export interface IngestRobot {
  robotUuid: string;
  status: RobotStatus;
  jointCount: number;
  limits: ModelLimits;
  /** Live key first, then retired ones newest first. */
  keys: CandidateKey[];
  /** Raw key bytes in the order of `keys`. */
  keyBytes: Uint8Array[];
  loadedAtMs: number;
}

interface RobotFacts {
  robot_uuid: string;
  status: RobotStatus;
  joint_count: number;
  min_battery_soh_pct: number;
  max_joint_wear: number;
  max_position_error_mm: number;
  /** The device keys in candidate order (live first, then retired ones newest first). */
  public_keys: Uint8Array[] | null;
  /** Their retirement times, epoch milliseconds as a Date holds them (null: live), in the same order. */
  retired_ms: (number | null)[] | null;
}

/**
 * The robot and its keys in ONE round trip (ingest asks for every robot every few seconds, and
 * each round trip costs the database a wake-up while it is busy committing groups).
 */
export async function loadIngestRobot(
  client: SqlClient,
  robotId: string,
  nowMs: number,
): Promise<IngestRobot | null> {
  const { rows } = await client.query<RobotFacts>(
    `SELECT r.id AS robot_uuid, r.status, m.joint_count, m.min_battery_soh_pct, m.max_joint_wear, m.max_position_error_mm,
            k.public_keys, k.retired_ms
       FROM robot_ids i JOIN robots r ON r.id = i.robot_uuid JOIN models m ON m.id = r.model_id
       LEFT JOIN LATERAL (
         SELECT array_agg(d.public_key ORDER BY d.retired_at IS NULL DESC, d.retired_at DESC, d.valid_from DESC) AS public_keys,
                array_agg(floor(extract(epoch FROM d.retired_at) * 1000)::float8
                          ORDER BY d.retired_at IS NULL DESC, d.retired_at DESC, d.valid_from DESC) AS retired_ms
           FROM device_keys d WHERE d.robot_uuid = r.id) k ON true
      WHERE i.robot_id = $1`,
    [robotId],
  );
  const facts = rows[0];
  if (!facts) return null;
  const publicKeys = (facts.public_keys ?? []).map((k) => new Uint8Array(k));
  const retired = facts.retired_ms ?? [];
  return {
    robotUuid: facts.robot_uuid,
    status: facts.status,
    jointCount: facts.joint_count,
    limits: {
      minBatterySohPct: facts.min_battery_soh_pct,
      maxJointWear: facts.max_joint_wear,
      maxPositionErrorMm: facts.max_position_error_mm,
    },
    keys: publicKeys.map((k, i) => ({
      publicKey: Buffer.from(k).toString('base64url'),
      retiredAtMs: retired[i] === null || retired[i] === undefined ? null : Number(retired[i]),
    })),
    keyBytes: publicKeys,
    loadedAtMs: nowMs,
  };
}

export class RobotDirectory {
  readonly #db: SqlClient;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { robot: IngestRobot | null; atMs: number }>();
  readonly #loading = new Map<string, Promise<IngestRobot | null>>();

  constructor(db: SqlClient, options: { ttlMs?: number; now?: () => number } = {}) {
    this.#db = db;
    this.#ttlMs = options.ttlMs ?? 5_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The robot by any of its IDs; `maxAgeMs` forces a reload of an older entry. A known robot's
   * entry past the TTL (but within twice it) is answered at once while it reloads in the
   * background, so a busy robot's batches do not all wait for that round trip every few
   * seconds; a forced reload (`maxAgeMs` below the TTL) always waits for fresh facts.
   */
  get(robotId: string, maxAgeMs = this.#ttlMs): Promise<IngestRobot | null> | IngestRobot | null {
    const now = this.#now();
    const cached = this.#entries.get(robotId);
    // Unknown robots are remembered briefly too, so a stream of forged kids costs few queries.
    const ttl = cached?.robot ? maxAgeMs : Math.min(maxAgeMs, 1_000);
    if (cached && now - cached.atMs < ttl) return cached.robot;
    const staleOk = cached?.robot && maxAgeMs >= this.#ttlMs && now - cached.atMs < 2 * this.#ttlMs;
    const inFlight = this.#loading.get(robotId) ?? this.#load(robotId, now);
    if (staleOk) {
      inFlight.catch(() => {}); // the next caller sees the failure, if it persists
      return cached.robot;
    }
    return inFlight;
  }

  #load(robotId: string, now: number): Promise<IngestRobot | null> {
    const loading = loadIngestRobot(this.#db, robotId, now)
      .then((robot) => {
        if (this.#entries.size > 100_000) this.#entries.clear();
        this.#entries.set(robotId, { robot, atMs: now });
        return robot;
      })
      .finally(() => this.#loading.delete(robotId));
    this.#loading.set(robotId, loading);
    return loading;
  }

  forget(robotId: string): void {
    this.#entries.delete(robotId);
  }
}
