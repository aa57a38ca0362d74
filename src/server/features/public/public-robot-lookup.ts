// The public robot check (docs/api.md "Public robot check"): anyone holding a robot, a label
// or an advert can ask whether an ID is well-formed and registered, without credentials. It
// answers from one indexed query and never from a cache, so a suspension shows at once.
import type { RobotStatus } from '../../../core/lifecycle.js';
import type { SqlClient } from '../../db/sql-client.js';

export interface PublicRobotAnswer {
  robotId: string;
  wellFormed: true;
  registered: boolean;
  status: RobotStatus | null;
  manufacturer: { name: string; country: string } | null;
  model: { name: string } | null;
  filedAt: string | null;
  /** How many incidents were reported on it, and how many of them fatal or serious. */
  incidents: { count: number; serious: number } | null;
  /** Recall campaigns affecting it whose remedy is not complete on it (docs/recalls.md). */
  openRecalls: number | null;
  /** Its permanent brands by name, oldest first (docs/certificates.md): never a note. */
  brands: string[] | null;
  /** The robot's current ID, when `robotId` was superseded by a re-coding. */
  supersededBy?: string;
}

interface PublicRobotRow {
  requested_id: string;
  current_id: string;
  status: RobotStatus;
  /** RFC 3339 UTC with milliseconds, formatted by the database (no Date round trip). */
  filed_at: string;
  manufacturer_name: string;
  manufacturer_country: string;
  model_name: string;
  incident_count: string | number;
  serious_count: string | number;
  open_recalls: string | number;
  brands: string[];
}

/** Robot IDs are char(29): compared as such so that the primary key index of robot_ids is used. */
const LOOKUP_SQL = `
SELECT i.robot_id AS requested_id, r.robot_id AS current_id, r.status,
       to_char(r.filed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS filed_at,
       o.name AS manufacturer_name, o.country AS manufacturer_country, m.name AS model_name,
       n.incident_count, n.serious_count,
       (SELECT count(*) FROM campaign_units u WHERE u.robot_uuid = r.id AND u.status <> 'remedied') AS open_recalls,
       ARRAY(SELECT b.brand FROM robot_brands b WHERE b.robot_uuid = r.id
              ORDER BY b.recorded_at, b.ledger_index) AS brands
  FROM robot_ids i
  JOIN robots r ON r.id = i.robot_uuid
  JOIN organisations o ON o.id = r.manufacturer_id
  JOIN models m ON m.id = r.model_id
  CROSS JOIN LATERAL (
    SELECT count(*) AS incident_count,
           count(*) FILTER (WHERE severity IN ('fatal', 'serious')) AS serious_count
      FROM incidents WHERE robot_uuid = r.id) n
 WHERE i.robot_id = ANY($1::bpchar[])`;

export function unregistered(robotId: string): PublicRobotAnswer {
  return {
    robotId,
    wellFormed: true,
    registered: false,
    status: null,
    manufacturer: null,
    model: null,
    filedAt: null,
    incidents: null,
    openRecalls: null,
    brands: null,
  };
}

function toAnswer(row: PublicRobotRow): PublicRobotAnswer {
  return {
    robotId: row.requested_id,
    wellFormed: true,
    registered: true,
    status: row.status,
    manufacturer: { name: row.manufacturer_name, country: row.manufacturer_country },
    model: { name: row.model_name },
    filedAt: row.filed_at,
    incidents: { count: Number(row.incident_count), serious: Number(row.serious_count) },
    openRecalls: Number(row.open_recalls),
    brands: row.brands,
    ...(row.current_id === row.requested_id ? {} : { supersededBy: row.current_id }),
  };
}

/** The public answers for canonical, valid IDs, in one query. */
export async function lookUpPublicRobots(
  client: SqlClient,
  robotIds: readonly string[],
): Promise<PublicRobotAnswer[]> {
  const { rows } = await client.query<PublicRobotRow>(LOOKUP_SQL, [robotIds]);
  const found = new Map(rows.map((row) => [row.requested_id, row]));
  return robotIds.map((id) => {
    const row = found.get(id);
    return row ? toAnswer(row) : unregistered(id);
  });
}

/**
 * Single-flight batching: one lookup query at a time, and the lookups that arrive while it runs
 * are answered together by the next one (`= ANY($1)`). At low load a lookup starts at once; under
 * load the batch grows with it, so the route costs a fraction of a database round trip per
 * request (measured: one query in flight beats two or more, which only split batches).
 * Nothing is cached: every answer comes from a query that started after its request arrived.
 */
export class PublicRobotLookup {
  readonly #client: SqlClient;
  readonly #maxBatch: number;
  #running = false;
  #waiting: { robotId: string; resolve(answer: PublicRobotAnswer): void; reject(error: unknown): void }[] =
    [];

  constructor(client: SqlClient, options: { maxBatch?: number } = {}) {
    this.#client = client;
    this.#maxBatch = options.maxBatch ?? 500;
  }

  /** The answer for a canonical, valid robot ID. */
  lookUp(robotId: string): Promise<PublicRobotAnswer> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ robotId, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      try {
        const answers = await lookUpPublicRobots(
          this.#client,
          batch.map((w) => w.robotId),
        );
        for (const [i, w] of batch.entries()) w.resolve(answers[i]!);
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.#running = false;
  }
}
