-- Type approvals, their extensions, robot brands and the usage disclosed with an ownership
-- offer (docs/certificates.md). Approvals are about a model (their records are in no robot's
-- chain); a brand is a link of the robot's records chain.

-- One row per approval of a model, ledgered once (record kind type_approval, record id
-- <modelId>/<approvalId>). Never changed: extensions are rows of their own.
CREATE TABLE type_approvals (
  model_id uuid NOT NULL REFERENCES models (id),
  approval_id text NOT NULL CHECK (approval_id ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$'),
  scheme text NOT NULL CHECK (length(scheme) BETWEEN 1 AND 200),
  -- JSON arrays of strings, kept in the order given.
  standards jsonb NOT NULL CHECK (jsonb_typeof(standards) = 'array'),
  hardware_revisions jsonb NOT NULL CHECK (jsonb_typeof(hardware_revisions) = 'array'),
  -- {component: [version, ...]}
  software jsonb NOT NULL CHECK (jsonb_typeof(software) = 'object'),
  valid_until timestamptz NOT NULL,
  issuer_org_id uuid NOT NULL REFERENCES organisations (id),
  recorded_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL UNIQUE,
  PRIMARY KEY (model_id, approval_id)
);

-- Revisions and software versions added to an approval later (record kind
-- type_approval_extension, record id the row's id).
CREATE TABLE type_approval_extensions (
  id uuid PRIMARY KEY,
  model_id uuid NOT NULL,
  approval_id text NOT NULL,
  hardware_revisions jsonb NOT NULL CHECK (jsonb_typeof(hardware_revisions) = 'array'),
  software jsonb NOT NULL CHECK (jsonb_typeof(software) = 'object'),
  issuer_org_id uuid NOT NULL REFERENCES organisations (id),
  recorded_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL UNIQUE,
  FOREIGN KEY (model_id, approval_id) REFERENCES type_approvals (model_id, approval_id)
);
CREATE INDEX type_approval_extensions_approval ON type_approval_extensions (model_id, approval_id, recorded_at);

-- Brands: permanent, at most one of each kind per robot, never deleted (record kind
-- robot_brand, record id the row's id). The note's text stays in this row, as an incident's
-- description does; the record commits to it by SHA-256 only.
CREATE TABLE robot_brands (
  id uuid PRIMARY KEY,
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  -- The robot ID when branded (the record names it).
  robot_id char(29) NOT NULL,
  brand text NOT NULL CHECK (brand IN ('structural_damage', 'water_damage', 'fire_damage', 'total_loss',
    'rebuilt', 'parts_only', 'modified', 'hours_not_actual', 'stolen', 'recovered')),
  note text CHECK (length(note) BETWEEN 1 AND 2000),
  incident_id uuid REFERENCES incidents (id),
  issuer_org_id uuid NOT NULL REFERENCES organisations (id),
  recorded_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL UNIQUE,
  UNIQUE (robot_uuid, brand)
);

-- The usage the offering owner disclosed with an ownership offer; both null when none was.
ALTER TABLE transfers ADD COLUMN usage_operating_hours double precision
  CHECK (usage_operating_hours >= 0);
ALTER TABLE transfers ADD COLUMN usage_status text
  CHECK (usage_status IN ('actual', 'exceeds_limit', 'not_actual'));
ALTER TABLE transfers ADD CONSTRAINT transfers_usage_whole
  CHECK ((usage_operating_hours IS NULL) = (usage_status IS NULL));
