-- What an incident investigation reads besides the telemetry itself (docs/incidents.md): the
-- software each robot attests in its own signed telemetry, the fault codes each model's
-- manufacturer declares, and who read each robot's data (docs/access-log.md).

-- The software a robot attests in its signed telemetry: one row per accepted batch that carries
-- `software` (docs/telemetry.md "Software and control"), written in the batch's own transaction
-- (telemetry-writer.ts). Kept forever, unlike the raw samples: the rows are tiny, and an
-- incident reported months later must still know what ran. No foreign key, as for the batch
-- rows: the robot is checked under the ledger lock in the same transaction.
CREATE TABLE telemetry_software_reports (
  robot_uuid uuid NOT NULL,
  seq bigint NOT NULL CHECK (seq >= 0),
  -- The batch's first sample time.
  reported_at timestamptz NOT NULL,
  -- {"<component>": "<version>"} exactly as signed (1..64 entries, checked by core/telemetry).
  software jsonb NOT NULL CHECK (jsonb_typeof(software) = 'object'),
  PRIMARY KEY (robot_uuid, seq)
);
CREATE INDEX telemetry_software_reports_robot_at ON telemetry_software_reports (robot_uuid, reported_at);

-- The fault codes a model's manufacturer declares (docs/registry.md "Fault codes"): what
-- component a code in the telemetry's `faults` belongs to and whether it is a hardware or a
-- software fault. A code is added, never changed nor removed; each is a ledgered record
-- (kind model_fault_code).
CREATE TABLE model_fault_codes (
  model_id uuid NOT NULL REFERENCES models (id),
  code text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_.-]{0,31}$'),
  component text NOT NULL CHECK (length(component) BETWEEN 1 AND 200),
  origin text NOT NULL CHECK (origin IN ('hardware', 'software')),
  description text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
  created_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL UNIQUE,
  PRIMARY KEY (model_id, code)
);

-- Every read of a robot's data (telemetry, batches, events, history proof, alerts, and the
-- incident reads), by whom: docs/access-log.md. Written before the answer is sent; not
-- ledgered (a read changes nothing), never updated.
CREATE TABLE data_access_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  at timestamptz NOT NULL,
  org_id uuid NOT NULL REFERENCES organisations (id),
  -- The API key used, null for the admin token.
  key_id text,
  what text NOT NULL CHECK (what ~ '^[a-z][a-z_]{0,63}$')
);
CREATE INDEX data_access_log_robot_at ON data_access_log (robot_uuid, at);
