-- Incidents (docs/incidents.md): the report with its parties and frozen evidence, holds,
-- the investigation's statuses, findings, and the custody log of every read of the evidence.
-- Every row here that a ledger record commits to is append-only in what the record names;
-- the incident row's mutable columns (status, hold) are each backed by a ledgered change row.

CREATE TABLE incidents (
  id uuid PRIMARY KEY,
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  -- The robot ID when reported (the record names it).
  robot_id char(29) NOT NULL,
  kind text NOT NULL CHECK (kind IN ('injury', 'property_damage', 'collision', 'fall', 'malfunction',
    'near_miss', 'data_breach', 'information_leak', 'cybersecurity', 'other')),
  severity text NOT NULL CHECK (severity IN ('fatal', 'serious', 'moderate', 'minor', 'near_miss')),
  description text NOT NULL CHECK (length(description) BETWEEN 1 AND 10000),
  location text CHECK (length(location) BETWEEN 1 AND 500),
  widespread boolean NOT NULL,
  occurred_at timestamptz NOT NULL,
  aware_at timestamptz NOT NULL,
  reported_at timestamptz NOT NULL,
  reported_by uuid NOT NULL REFERENCES organisations (id),
  reporting_deadline timestamptz,
  window_from timestamptz NOT NULL,
  window_to timestamptz NOT NULL,
  -- [{role, orgId, component?}] in the order the record lists them.
  parties jsonb NOT NULL,
  -- Whether reporting put a hold on the robot (the record says so); later changes are in
  -- incident_hold_changes and summarised in the hold_* columns.
  hold_at_report boolean NOT NULL,
  hold_active boolean NOT NULL,
  hold_since timestamptz,
  hold_released_at timestamptz,
  hold_released_by uuid REFERENCES organisations (id),
  status text NOT NULL CHECK (status IN ('reported', 'investigating', 'preliminary_report',
    'final_report', 'closed')),
  status_changed_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL UNIQUE,
  CHECK (window_from < window_to)
);
CREATE INDEX incidents_robot ON incidents (robot_uuid, occurred_at);
CREATE INDEX incidents_reported ON incidents (reported_at, id);
-- The hold check of every guarded write reads this.
CREATE INDEX incidents_held ON incidents (robot_uuid) WHERE hold_active;

-- Evidence items. Items frozen at the report have no ledger index of their own: the incident's
-- record lists them. Items added later (late telemetry, attachments) have their own record.
-- `content` is the canonical JSON of a JSON item (its sha256 digests exactly these bytes),
-- `jws` a telemetry batch exactly as the robot signed it, `bytes` an attachment's.
CREATE TABLE incident_items (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents (id),
  position integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('configuration', 'telemetry', 'control_timeline', 'alerts',
    'events', 'access_log', 'attachment')),
  sha256 bytea NOT NULL CHECK (length(sha256) = 32),
  content text,
  jws text,
  batch_seq bigint,
  bytes bytea,
  media_type text,
  filename text,
  size bigint,
  -- The robot ID when the item was added (its record names it).
  robot_id char(29) NOT NULL,
  added_at timestamptz NOT NULL,
  added_by uuid NOT NULL REFERENCES organisations (id),
  ledger_index bigint UNIQUE,
  UNIQUE (incident_id, position),
  CHECK ((kind = 'telemetry') = (jws IS NOT NULL AND batch_seq IS NOT NULL)),
  CHECK ((kind = 'attachment') = (bytes IS NOT NULL)),
  CHECK ((kind IN ('telemetry', 'attachment')) OR content IS NOT NULL)
);
-- A batch joins an incident's evidence once.
CREATE UNIQUE INDEX incident_items_batch ON incident_items (incident_id, batch_seq) WHERE batch_seq IS NOT NULL;

CREATE TABLE incident_hold_changes (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents (id),
  robot_id char(29) NOT NULL,
  active boolean NOT NULL,
  note text CHECK (length(note) BETWEEN 1 AND 2000),
  at timestamptz NOT NULL,
  by_org uuid NOT NULL REFERENCES organisations (id),
  ledger_index bigint NOT NULL UNIQUE
);
CREATE INDEX incident_hold_changes_incident ON incident_hold_changes (incident_id, ledger_index);

CREATE TABLE incident_status_changes (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents (id),
  robot_id char(29) NOT NULL,
  status text NOT NULL,
  summary text CHECK (length(summary) BETWEEN 1 AND 20000),
  at timestamptz NOT NULL,
  by_org uuid NOT NULL REFERENCES organisations (id),
  ledger_index bigint NOT NULL UNIQUE
);
CREATE INDEX incident_status_changes_incident ON incident_status_changes (incident_id, ledger_index);

CREATE TABLE incident_findings (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents (id),
  robot_id char(29) NOT NULL,
  -- [{role, orgId, component?, responsibility, basis, presumption, note}]
  parties jsonb NOT NULL,
  conclusion text NOT NULL CHECK (length(conclusion) BETWEEN 1 AND 20000),
  at timestamptz NOT NULL,
  by_org uuid NOT NULL REFERENCES organisations (id),
  ledger_index bigint NOT NULL UNIQUE
);
CREATE INDEX incident_findings_incident ON incident_findings (incident_id, ledger_index);

-- Who read which evidence when (reads are not ledgered: a read changes nothing; the log of
-- them is what an evidence-disclosure dispute needs).
CREATE TABLE incident_custody (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents (id),
  item_id uuid,
  at timestamptz NOT NULL,
  org_id uuid NOT NULL,
  key_id text,
  action text NOT NULL CHECK (action IN ('read', 'export', 'add'))
);
CREATE INDEX incident_custody_incident ON incident_custody (incident_id, id);
