-- Ownership periods (docs/lifecycle.md "Ownership periods"): a former owner shares the telemetry
-- of one of its ended periods with another organisation that owned the robot after it. One row
-- per shared period; the share is a ledgered record (kind period_share).
CREATE TABLE period_shares (
  id uuid PRIMARY KEY,
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  -- The robot ID when shared (records name it).
  robot_id text NOT NULL,
  from_org_id uuid NOT NULL REFERENCES organisations (id),
  to_org_id uuid NOT NULL REFERENCES organisations (id),
  -- Null: from the robot's beginning (the first buyer's period holds the stock period too).
  period_from timestamptz,
  period_to timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL,
  UNIQUE (robot_uuid, to_org_id, from_org_id, period_to)
);
