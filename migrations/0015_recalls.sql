-- Recall campaigns (docs/recalls.md): a campaign names the robots it affects by model, hardware
-- revision, software and production dates; each affected robot is one unit, remedied by a
-- maintenance event naming the campaign (part, inspection) or by a software update to the
-- remedy version that the robot's own signed telemetry then attests (software).

-- One row per campaign, ledgered once (record kind recall_campaign) when opened.
CREATE TABLE recall_campaigns (
  campaign_id text PRIMARY KEY CHECK (campaign_id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'),
  opened_by uuid NOT NULL REFERENCES organisations (id),
  -- The manufacturer whose products it recalls when a manufacturer opened it; null when the
  -- registry or a regulator did (its filters then span every manufacturer).
  manufacturer_id uuid REFERENCES organisations (id),
  -- {modelIds?, hardwareRevisions?, software?: {component, versions}, productionFrom?, productionTo?}
  filters jsonb NOT NULL CHECK (jsonb_typeof(filters) = 'object'),
  component text NOT NULL,
  summary text NOT NULL,
  consequence text NOT NULL,
  remedy_type text NOT NULL CHECK (remedy_type IN ('software', 'part', 'inspection')),
  remedy_component text,
  remedy_version text,
  -- Null: available from the opening.
  remedy_available_at timestamptz,
  do_not_operate boolean NOT NULL,
  opened_at timestamptz NOT NULL,
  affected integer NOT NULL CHECK (affected >= 0),
  ledger_index bigint NOT NULL UNIQUE,
  CHECK ((remedy_type = 'software') = (remedy_component IS NOT NULL AND remedy_version IS NOT NULL))
);

-- The affected robots, written by one INSERT ... SELECT when the campaign opens. The stored
-- status is open, remedied or declined; open_remedy_not_available (before the remedy's
-- availableAt) and unavailable (decommissioned or recycled, not remedied) are derived when read.
CREATE TABLE campaign_units (
  campaign_id text NOT NULL REFERENCES recall_campaigns (campaign_id),
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  -- The robot ID when the campaign opened.
  robot_id char(29) NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'remedied', 'declined')),
  -- Whether this campaign (doNotOperate) suspended the robot: its remedy then reinstates it.
  suspended boolean NOT NULL DEFAULT false,
  remedied_at timestamptz,
  -- The maintenance event, or the software update, that remedied it.
  remedied_by_event uuid REFERENCES robot_events (id),
  -- For a software remedy: the telemetry batch whose `software` attested the remedy version.
  attested_seq bigint,
  -- The owner's recorded refusal (ledgered: record kind recall_decline, record id
  -- <campaignId>/<robot uuid>).
  declined_by uuid REFERENCES organisations (id),
  declined_at timestamptz,
  decline_reason text,
  decline_ledger_index bigint UNIQUE,
  PRIMARY KEY (campaign_id, robot_uuid),
  CHECK ((status = 'remedied') = (remedied_at IS NOT NULL)),
  CHECK ((declined_at IS NULL) = (decline_ledger_index IS NULL))
);
CREATE INDEX campaign_units_robot ON campaign_units (robot_uuid);
CREATE INDEX campaign_units_unsettled ON campaign_units (campaign_id) WHERE status <> 'remedied';
