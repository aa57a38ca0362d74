-- Telemetry as evidence (docs/telemetry.md "Evidence"): the exact JWS of every accepted batch,
-- kept as long as its raw samples; sequence conflicts as ledgered anomaly records; the last
-- known usage counters of each robot and the samples that ran them backwards.

-- The compact JWS of each accepted batch, exactly as received (base64url and dots: ASCII, so
-- text holds its bytes unchanged). Partitioned by the batch's LAST sample time into daily
-- partitions telemetry_batch_jws_YYYYMMDD, created and dropped with the samples' partitions of
-- the same day (partitions.ts): a batch's JWS outlives none of its samples and is dropped with
-- the last of them. Written by COPY in the batch's transaction (sample-copy.ts); no foreign
-- key, as for the samples: telemetry_batches is checked under the ledger lock.
CREATE TABLE telemetry_batch_jws (
  robot_uuid uuid NOT NULL,
  seq bigint NOT NULL,
  first_sample_at timestamptz NOT NULL,
  last_sample_at timestamptz NOT NULL,
  jws text NOT NULL
) PARTITION BY RANGE (last_sample_at);
-- Compressed with lz4 where the server has it (PostgreSQL built with lz4; PGlite may not: it then
-- keeps the default, pglz). Measured on PostgreSQL, 600 batches of 50 samples of 32 joints (a
-- second of ingest-http): uncompressed 270-400 ms of COPY and commit and 27.7 MB of WAL, pglz
-- 380-395 ms and 7.2 MB, lz4 120-210 ms and 6.1 MB. Partitions made later inherit the method.
DO $$
BEGIN
  ALTER TABLE telemetry_batch_jws ALTER COLUMN jws SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  NULL;
END
$$;
-- The batches route reads a robot's batches in first-sample order; the join key is in it.
CREATE INDEX telemetry_batch_jws_robot_first ON telemetry_batch_jws (robot_uuid, first_sample_at, seq);

-- A batch that reused an accepted (robot, seq) with other bytes: refused (409
-- TELEMETRY_SEQ_CONFLICT), its samples not stored, but the attempt recorded and ledgered
-- (record kind telemetry_seq_conflict, its id the row's), once per distinct conflicting digest.
CREATE TABLE telemetry_seq_conflicts (
  id uuid PRIMARY KEY,
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  robot_id char(29) NOT NULL,
  seq bigint NOT NULL CHECK (seq >= 0),
  jws_sha256 bytea NOT NULL CHECK (length(jws_sha256) = 32),
  accepted_jws_sha256 bytea NOT NULL CHECK (length(accepted_jws_sha256) = 32),
  received_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL UNIQUE,
  UNIQUE (robot_uuid, seq, jws_sha256),
  CHECK (jws_sha256 <> accepted_jws_sha256)
);

-- The usage counters of each robot's latest sample (by sample time) seen so far: what the next
-- batch's operatingHours and battery cycles must not fall below (core/telemetry/counters.ts).
CREATE TABLE telemetry_usage_counters (
  robot_uuid uuid PRIMARY KEY,
  sample_at timestamptz NOT NULL,
  seq bigint NOT NULL,
  operating_hours double precision NOT NULL,
  cycles integer NOT NULL
);

-- Samples whose counter ran backwards (stored all the same: they are signed evidence), one row
-- per sample and counter; raw reads mark those samples (counterRollback). Kept forever, as the
-- alert they raised is.
CREATE TABLE telemetry_counter_rollbacks (
  robot_uuid uuid NOT NULL,
  seq bigint NOT NULL,
  sample_at timestamptz NOT NULL,
  counter text NOT NULL CHECK (counter IN ('operatingHours', 'cycles')),
  previous double precision NOT NULL,
  value double precision NOT NULL,
  previous_sample_at timestamptz NOT NULL,
  alert_id uuid,
  PRIMARY KEY (robot_uuid, sample_at, seq, counter)
);

-- Two conditions that are events, not states: raised and cleared at once (as a fault seen only
-- mid-batch), so the one-active-per-condition index never holds them back.
ALTER TABLE telemetry_alerts DROP CONSTRAINT telemetry_alerts_condition_check;
ALTER TABLE telemetry_alerts ADD CONSTRAINT telemetry_alerts_condition_check CHECK (
  condition ~ '^(battery_soh_low|joint_wear_high|position_error_high|seq_conflict|usage_counter_rollback|fault:[A-Z0-9][A-Z0-9_.-]{0,31})$'
);
-- At most one unacknowledged seq_conflict alert per (robot, seq): a robot resending conflicting
-- batches does not raise an alert each time.
CREATE UNIQUE INDEX telemetry_alerts_one_open_seq_conflict ON telemetry_alerts (robot_uuid, seq)
  WHERE condition = 'seq_conflict' AND state = 'open';
