-- End of life (docs/end-of-life.md): the storage media a model declares, each sanitization
-- certificate per medium, and the alert of a recycled robot's identity still reporting.

-- A model's storage media: added by its manufacturer, never changed nor removed. Each is a
-- ledger record of its own (kind model_storage_medium, id `<modelId>/<mediaId>`).
CREATE TABLE model_storage_media (
  model_id uuid NOT NULL REFERENCES models (id),
  media_id text NOT NULL,
  kind text NOT NULL,
  description text NOT NULL,
  created_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL UNIQUE,
  PRIMARY KEY (model_id, media_id)
);

-- One row per medium of a `sanitization` event (the event is the ledgered record; these rows
-- are its certificates, one per medium, for the recycling check to read).
CREATE TABLE robot_media_sanitizations (
  event_id uuid NOT NULL REFERENCES robot_events (id),
  media_id text NOT NULL,
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  serial text,
  method text NOT NULL CHECK (method IN ('clear', 'purge', 'destroy')),
  technique text NOT NULL,
  tool text,
  verification text NOT NULL,
  result text NOT NULL CHECK (result IN ('passed', 'failed')),
  PRIMARY KEY (event_id, media_id)
);
CREATE INDEX robot_media_sanitizations_robot ON robot_media_sanitizations (robot_uuid, media_id);

-- A recycled robot's identity still signing telemetry (a cloned identity): an alert raised and
-- cleared at once, at most one unacknowledged per robot.
ALTER TABLE telemetry_alerts DROP CONSTRAINT telemetry_alerts_condition_check;
ALTER TABLE telemetry_alerts ADD CONSTRAINT telemetry_alerts_condition_check CHECK (
  condition ~ '^(battery_soh_low|joint_wear_high|position_error_high|seq_conflict|usage_counter_rollback|retired_id_reporting|fault:[A-Z0-9][A-Z0-9_.-]{0,31})$'
);
CREATE UNIQUE INDEX telemetry_alerts_one_open_retired_id ON telemetry_alerts (robot_uuid)
  WHERE condition = 'retired_id_reporting' AND state = 'open';
