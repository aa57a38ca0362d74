-- Health and prognosis (docs/health.md): advisories raised when a trend's projection comes
-- close, and each robot's latest assessment for the fleet view.

-- One advisory per projection that came within the horizon (500 operating hours or 30 days),
-- raised by the health sweep and ledgered (record kind health_advisory); closed by the
-- maintenance event that names it (that event is the ledgered fact of the closing).
CREATE TABLE health_advisories (
  id uuid PRIMARY KEY,
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  -- The robot ID when raised (the record names it).
  robot_id char(29) NOT NULL,
  kind text NOT NULL CHECK (kind IN ('battery_soh', 'joint_wear', 'position_error')),
  component text NOT NULL CHECK (component ~ '^(battery(:.{1,100})?|joint:[0-9]{1,3}|accuracy)$'),
  due_by timestamptz NOT NULL,
  -- Operating hours left when raised, and the facts of the projection.
  due_in_hours double precision NOT NULL CHECK (due_in_hours >= 0),
  reason text NOT NULL,
  raised_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL UNIQUE,
  closed_at timestamptz,
  closed_by_event uuid REFERENCES robot_events (id),
  CHECK ((closed_at IS NULL) = (closed_by_event IS NULL))
);
-- Idempotent raising: at most one open advisory per robot, kind and component.
CREATE UNIQUE INDEX health_advisories_one_open ON health_advisories (robot_uuid, kind, component)
  WHERE closed_at IS NULL;
CREATE INDEX health_advisories_robot ON health_advisories (robot_uuid, raised_at);

-- Each robot's latest assessment by the sweep (not a ledger fact: it is recomputed from the
-- rollups at will); the fleet view lists these.
CREATE TABLE robot_health (
  robot_uuid uuid PRIMARY KEY REFERENCES robots (id),
  assessed_at timestamptz NOT NULL,
  grade text NOT NULL CHECK (grade IN ('good', 'watch', 'poor')),
  -- The latest sample time the assessment saw.
  basis_to timestamptz NOT NULL,
  operating_hours double precision NOT NULL,
  summary jsonb NOT NULL
);
CREATE INDEX robot_health_grade ON robot_health (grade);
