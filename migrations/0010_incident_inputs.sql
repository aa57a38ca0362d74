-- PLACEHOLDER (replaced by the inputs branch at merge)
CREATE TABLE telemetry_software_reports (
  robot_uuid uuid NOT NULL, seq bigint NOT NULL,
  reported_at timestamptz NOT NULL,
  software jsonb NOT NULL,
  PRIMARY KEY (robot_uuid, seq));
CREATE INDEX telemetry_software_reports_robot_at ON telemetry_software_reports (robot_uuid, reported_at);
CREATE TABLE model_fault_codes (
  model_id uuid NOT NULL REFERENCES models (id), code text NOT NULL,
  component text NOT NULL, origin text NOT NULL CHECK (origin IN ('hardware','software')),
  description text NOT NULL, created_at timestamptz NOT NULL, ledger_index bigint NOT NULL,
  PRIMARY KEY (model_id, code));
CREATE TABLE data_access_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  robot_uuid uuid NOT NULL, at timestamptz NOT NULL, org_id uuid NOT NULL,
  key_id text, what text NOT NULL);
CREATE INDEX data_access_log_robot_at ON data_access_log (robot_uuid, at);
