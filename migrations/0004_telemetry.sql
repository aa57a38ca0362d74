-- Telemetry (docs/telemetry.md): accepted batches, raw samples in daily range partitions,
-- per-robot rollups at 1 min, 1 h and 1 day, and alerts.

-- One row per accepted batch, kept forever: it makes (robot, seq) idempotent and is the record
-- behind the batch's ledger leaf (record kind telemetry_batch), after its raw rows expired too.
-- Ingest writes thousands of these a second, so each costs as little as it can: the robot is
-- checked in the same transaction under the ledger lock (telemetry-writer.ts) instead of by a
-- foreign key, and the leaf's index is a plain column (ledger_entries names the record).
CREATE TABLE telemetry_batches (
  robot_uuid uuid NOT NULL,
  seq bigint NOT NULL CHECK (seq >= 0),
  -- The robot ID the batch was signed under (its JWS kid).
  robot_id char(29) NOT NULL,
  jws_sha256 bytea NOT NULL CHECK (length(jws_sha256) = 32),
  first_sample_at timestamptz NOT NULL,
  last_sample_at timestamptz NOT NULL,
  sample_count integer NOT NULL CHECK (sample_count BETWEEN 1 AND 1000),
  received_at timestamptz NOT NULL,
  -- The device key that verified the signature.
  public_key bytea NOT NULL CHECK (length(public_key) = 32),
  ledger_index bigint NOT NULL,
  PRIMARY KEY (robot_uuid, seq),
  CHECK (first_sample_at <= last_sample_at)
);

-- Raw samples, partitioned by sample time into daily partitions (telemetry_samples_YYYYMMDD)
-- that the platform creates ahead of time; retention drops whole partitions.
CREATE TABLE telemetry_samples (
  robot_uuid uuid NOT NULL,
  seq bigint NOT NULL,
  t timestamptz NOT NULL,
  soc_pct real NOT NULL,
  soh_pct real NOT NULL,
  cycles integer NOT NULL,
  battery_temp_c real NOT NULL,
  joint_wear real[] NOT NULL,
  joint_temp_c real[] NOT NULL,
  position_error_mm real NOT NULL,
  task_success_rate real NOT NULL,
  operating_hours double precision NOT NULL,
  faults text[] NOT NULL
) PARTITION BY RANGE (t);
CREATE INDEX telemetry_samples_robot_t ON telemetry_samples (robot_uuid, t);

-- Rollups: count, min/max/sum per metric (avg = sum / n), worst joint wear included. Not
-- partitioned and never dropped by raw retention.
CREATE TABLE telemetry_rollup_1m (
  robot_uuid uuid NOT NULL,
  bucket timestamptz NOT NULL,
  n integer NOT NULL,
  soc_min real NOT NULL, soc_max real NOT NULL, soc_sum double precision NOT NULL,
  soh_min real NOT NULL, soh_max real NOT NULL, soh_sum double precision NOT NULL,
  battery_temp_min real NOT NULL, battery_temp_max real NOT NULL, battery_temp_sum double precision NOT NULL,
  wear_min real NOT NULL, wear_max real NOT NULL, wear_sum double precision NOT NULL,
  joint_temp_min real NOT NULL, joint_temp_max real NOT NULL, joint_temp_sum double precision NOT NULL,
  position_error_min real NOT NULL, position_error_max real NOT NULL, position_error_sum double precision NOT NULL,
  task_success_min real NOT NULL, task_success_max real NOT NULL, task_success_sum double precision NOT NULL,
  cycles_max integer NOT NULL,
  operating_hours_max double precision NOT NULL,
  fault_count integer NOT NULL,
  PRIMARY KEY (robot_uuid, bucket)
);
CREATE TABLE telemetry_rollup_1h (LIKE telemetry_rollup_1m INCLUDING ALL);
CREATE TABLE telemetry_rollup_1d (LIKE telemetry_rollup_1m INCLUDING ALL);

-- Alerts: raised once per condition (a model limit crossed, a fault code reported) and kept
-- active until a later batch shows the condition gone; acknowledged by a person. Raising and
-- acknowledging each go into the ledger (record kinds telemetry_alert, telemetry_alert_ack).
CREATE TABLE telemetry_alerts (
  id uuid PRIMARY KEY,
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  robot_id char(29) NOT NULL,
  condition text NOT NULL CHECK (condition ~ '^(battery_soh_low|joint_wear_high|position_error_high|fault:[A-Z0-9][A-Z0-9_.-]{0,31})$'),
  -- The sample that showed the condition first, and the batch it came in.
  sample_at timestamptz NOT NULL,
  seq bigint NOT NULL,
  value double precision,
  threshold double precision,
  detail jsonb NOT NULL,
  raised_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL UNIQUE,
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged')),
  acked_at timestamptz,
  acked_by_org uuid REFERENCES organisations (id),
  acked_by_key uuid,
  ack_note text,
  ack_ledger_index bigint UNIQUE,
  -- When a later batch showed the condition gone (not a ledger fact: telemetry shows it).
  cleared_at timestamptz,
  CHECK ((state = 'acknowledged') = (acked_at IS NOT NULL AND ack_ledger_index IS NOT NULL))
);
-- Once per condition: at most one active alert per robot and condition.
CREATE UNIQUE INDEX telemetry_alerts_one_active ON telemetry_alerts (robot_uuid, condition) WHERE cleared_at IS NULL;
CREATE INDEX telemetry_alerts_robot ON telemetry_alerts (robot_uuid, raised_at, id);
CREATE INDEX telemetry_alerts_open ON telemetry_alerts (raised_at, id) WHERE state = 'open';
