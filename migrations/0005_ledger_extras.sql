-- Ledger extras (docs/ledger.md): the witnesses whose cosignatures the log accepts, and the
-- indexes that proofs, robot histories and audits read by.

-- A witness is known by its C2SP cosigner verifier key (`name+hex8+base64(0x04 ‖ pubkey)`).
-- Registering one is a ledger record of its own, so the list of witnesses cannot be rewritten
-- unnoticed either.
CREATE TABLE ledger_witnesses (
  name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
  verifier_key text NOT NULL UNIQUE,
  key_hash bigint NOT NULL CHECK (key_hash BETWEEN 0 AND 4294967295),
  added_by uuid NOT NULL REFERENCES organisations (id),
  added_at timestamptz NOT NULL,
  ledger_index bigint NOT NULL UNIQUE
);

-- Cosignatures are evidence: once stored they are never changed or removed.
CREATE TRIGGER witness_cosignatures_append_only BEFORE UPDATE OR DELETE ON witness_cosignatures
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER witness_cosignatures_no_truncate BEFORE TRUNCATE ON witness_cosignatures
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_witnesses_append_only BEFORE UPDATE OR DELETE ON ledger_witnesses
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_witnesses_no_truncate BEFORE TRUNCATE ON ledger_witnesses
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON witness_cosignatures, ledger_witnesses FROM PUBLIC;

-- A robot's history proof reads its events in ledger order.
CREATE INDEX robot_events_robot_ledger ON robot_events (robot_uuid, ledger_index);
