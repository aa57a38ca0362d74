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
}

export async function loadIngestRobot(
  client: SqlClient,
  robotId: string,
  nowMs: number,
): Promise<IngestRobot | null> {
  const { rows } = await client.query<RobotFacts>(
    `SELECT r.id AS robot_uuid, r.status, m.joint_count, m.min_battery_soh_pct, m.max_joint_wear, m.max_position_error_mm
       FROM robot_ids i JOIN robots r ON r.id = i.robot_uuid JOIN models m ON m.id = r.model_id
      WHERE i.robot_id = $1`,
    [robotId],
  );
  const facts = rows[0];
  if (!facts) return null;
  const keys = await client.query<{ public_key: Uint8Array; retired_at: Date | null }>(
    `SELECT public_key, retired_at FROM device_keys WHERE robot_uuid = $1
      ORDER BY retired_at IS NULL DESC, retired_at DESC, valid_from DESC`,
    [facts.robot_uuid],
  );
  return {
    robotUuid: facts.robot_uuid,
    status: facts.status,
    jointCount: facts.joint_count,
    limits: {
      minBatterySohPct: facts.min_battery_soh_pct,
      maxJointWear: facts.max_joint_wear,
      maxPositionErrorMm: facts.max_position_error_mm,
    },
    keys: keys.rows.map((k) => ({
      publicKey: Buffer.from(k.public_key).toString('base64url'),
      retiredAtMs: k.retired_at ? k.retired_at.getTime() : null,
    })),
    keyBytes: keys.rows.map((k) => k.public_key),
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

  /** The robot by any of its IDs; `maxAgeMs` forces a reload of an older entry. */
  get(robotId: string, maxAgeMs = this.#ttlMs): Promise<IngestRobot | null> | IngestRobot | null {
    const now = this.#now();
    const cached = this.#entries.get(robotId);
    // Unknown robots are remembered briefly too, so a stream of forged kids costs few queries.
    const ttl = cached?.robot ? maxAgeMs : Math.min(maxAgeMs, 1_000);
    if (cached && now - cached.atMs < ttl) return cached.robot;
    const inFlight = this.#loading.get(robotId);
    if (inFlight) return inFlight;
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
