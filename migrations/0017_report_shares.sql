-- History report shares (docs/history-report.md "Shares"): the owner hands a buyer a token
-- that reads the robot's report in the buyer tier without an API key. Only the token's
-- SHA-256 is stored; a share lives until it expires or is revoked, and only while the
-- organisation that made it still owns the robot. Not ledgered: a share changes no record of
-- the robot, and every read through it is in the robot's data access log.
CREATE TABLE report_shares (
  id uuid PRIMARY KEY,
  robot_uuid uuid NOT NULL REFERENCES robots (id),
  token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
  created_by uuid NOT NULL REFERENCES organisations (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX report_shares_robot ON report_shares (robot_uuid, created_at);
