-- Registry: organisations, API keys, models, sites, robots and everything that happens to them.
-- Constraints live here, not only in code: the database refuses what the domain forbids.
-- Every record that goes into the ledger carries the index of its leaf (`ledger_index`).

CREATE TABLE organisations (
  id uuid PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind text NOT NULL CHECK (kind IN ('registry', 'manufacturer', 'operator', 'maintainer',
                                     'software_provider', 'assessor', 'recycler', 'regulator')),
  country char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  -- RID-1 positions 3-6 (S34); only manufacturers have one, and no two share it.
  enterprise_code char(4) UNIQUE CHECK (enterprise_code ~ '^[0-9A-HJ-NP-Z]{4}$'),
  created_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL UNIQUE,
  CHECK ((kind = 'manufacturer') = (enterprise_code IS NOT NULL))
);
-- Exactly one registry operator.
CREATE UNIQUE INDEX organisations_one_registry ON organisations ((kind)) WHERE kind = 'registry';

CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organisations (id),
  -- SHA-256 of the whole key; the key itself is shown once and never stored.
  secret_hash bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
  label text,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz,
  ledger_index bigint NOT NULL UNIQUE,
  revoke_ledger_index bigint UNIQUE
);
CREATE INDEX api_keys_org ON api_keys (org_id);

CREATE TABLE models (
  id uuid PRIMARY KEY,
  manufacturer_id uuid NOT NULL REFERENCES organisations (id),
  model_code char(2) NOT NULL CHECK (model_code ~ '^[0-9A-HJ-NP-Z]{2}$'),
  category char(1) NOT NULL CHECK (category IN ('B', 'W', 'T', 'D', 'X')),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  joint_count integer NOT NULL CHECK (joint_count BETWEEN 1 AND 256),
  min_battery_soh_pct double precision NOT NULL CHECK (min_battery_soh_pct BETWEEN 0 AND 100),
  max_joint_wear double precision NOT NULL CHECK (max_joint_wear BETWEEN 0 AND 1),
  max_position_error_mm double precision NOT NULL CHECK (max_position_error_mm > 0),
  created_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL UNIQUE,
  -- RID-1 positions 7-9: a model code is unique per enterprise and category.
  UNIQUE (manufacturer_id, category, model_code)
);

CREATE TABLE hardware_revisions (
  model_id uuid NOT NULL REFERENCES models (id),
  code char(1) NOT NULL CHECK (code ~ '^[0-9A-HJ-NP-Z]$'),
  params jsonb NOT NULL,
  PRIMARY KEY (model_id, code)
);

CREATE TABLE sites (
  id uuid PRIMARY KEY,
  manufacturer_id uuid NOT NULL REFERENCES organisations (id),
  code char(1) NOT NULL CHECK (code ~ '^[0-9A-HJ-NP-Z]$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  region text NOT NULL CHECK (length(region) BETWEEN 1 AND 20),
  created_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL UNIQUE,
  UNIQUE (manufacturer_id, code)
);

CREATE TABLE robots (
  id uuid PRIMARY KEY,
  -- The current ID; every ID the robot ever had is in robot_ids.
  robot_id char(29) NOT NULL UNIQUE,
  model_id uuid NOT NULL REFERENCES models (id),
  manufacturer_id uuid NOT NULL REFERENCES organisations (id),
  hardware_revision char(1) NOT NULL,
  site_id uuid NOT NULL REFERENCES sites (id),
  production_date date NOT NULL,
  intelligence_level_filed smallint NOT NULL CHECK (intelligence_level_filed BETWEEN 0 AND 5),
  intelligence_level smallint NOT NULL CHECK (intelligence_level BETWEEN 0 AND 5),
  owner_id uuid NOT NULL REFERENCES organisations (id),
  status text NOT NULL CHECK (status IN ('filed', 'in_service', 'maintenance', 'suspended',
                                         'decommissioned', 'recycled')),
  -- Where a suspension returns to on reinstatement.
  status_before_suspension text CHECK (status_before_suspension IN ('filed', 'in_service', 'maintenance')),
  suspended_by uuid REFERENCES organisations (id),
  filed_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  FOREIGN KEY (model_id, hardware_revision) REFERENCES hardware_revisions (model_id, code)
);
CREATE INDEX robots_owner ON robots (owner_id);
CREATE INDEX robots_manufacturer ON robots (manufacturer_id);

-- Every ID ever issued: the primary key makes reuse impossible, even after recycling, and the
-- unit sequence stays unique per enterprise and model across re-codings.
CREATE TABLE robot_ids (
  robot_id char(29) PRIMARY KEY,
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  manufacturer_id uuid NOT NULL REFERENCES organisations (id),
  model_id uuid NOT NULL REFERENCES models (id),
  unit_sequence char(14) NOT NULL CHECK (unit_sequence ~ '^[0-9A-HJ-NP-Z]{14}$'),
  issued_at timestamptz NOT NULL,
  superseded_at timestamptz,
  UNIQUE (manufacturer_id, model_id, unit_sequence)
);
CREATE INDEX robot_ids_robot ON robot_ids (robot_uuid);

-- The platform's next unit sequence per enterprise+model; the row lock serialises allocation.
CREATE TABLE unit_sequence_counters (
  model_id uuid PRIMARY KEY REFERENCES models (id),
  next_value bigint NOT NULL
);

CREATE TABLE device_keys (
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  public_key bytea NOT NULL CHECK (length(public_key) = 32),
  valid_from timestamptz NOT NULL,
  retired_at timestamptz,
  PRIMARY KEY (robot_uuid, public_key)
);
-- At most one live key per robot.
CREATE UNIQUE INDEX device_keys_one_live ON device_keys (robot_uuid) WHERE retired_at IS NULL;

CREATE TABLE robot_events (
  id uuid PRIMARY KEY,
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  robot_id char(29) NOT NULL,
  type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  actor_org_id uuid NOT NULL REFERENCES organisations (id),
  from_status text,
  to_status text,
  data jsonb NOT NULL,
  ledger_index bigint NOT NULL UNIQUE
);
CREATE INDEX robot_events_robot ON robot_events (robot_uuid, recorded_at, id);

CREATE TABLE transfers (
  id uuid PRIMARY KEY,
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  from_org_id uuid NOT NULL REFERENCES organisations (id),
  to_org_id uuid NOT NULL REFERENCES organisations (id),
  status text NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'cancelled')),
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  decided_by uuid REFERENCES organisations (id),
  ledger_index bigint NOT NULL UNIQUE,
  decision_ledger_index bigint UNIQUE,
  CHECK (from_org_id <> to_org_id)
);
-- Only one open transfer per robot.
CREATE UNIQUE INDEX transfers_one_pending ON transfers (robot_uuid) WHERE status = 'pending';
CREATE INDEX transfers_to ON transfers (to_org_id, status);

CREATE TABLE grants (
  id uuid PRIMARY KEY,
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  org_id uuid NOT NULL REFERENCES organisations (id),
  granted_by uuid NOT NULL REFERENCES organisations (id),
  scopes text[] NOT NULL CHECK (cardinality(scopes) >= 1),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz,
  ledger_index bigint NOT NULL UNIQUE,
  revoke_ledger_index bigint UNIQUE
);
CREATE INDEX grants_robot_org ON grants (robot_uuid, org_id);
