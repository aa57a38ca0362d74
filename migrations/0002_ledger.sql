-- The ledger: an RFC 9162 Merkle log of every record. Append-only, and the database itself
-- says so: UPDATE, DELETE and TRUNCATE on these tables raise an error whoever asks.

CREATE TABLE ledger_entries (
  idx bigint PRIMARY KEY CHECK (idx >= 0),
  -- RFC 8785 canonical JSON of the record, the exact bytes that were hashed.
  entry bytea NOT NULL,
  leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32),
  -- Which record the entry is of, so audit can find it again ('robot_events', uuid).
  record_kind text NOT NULL,
  record_id text NOT NULL,
  appended_at timestamptz NOT NULL
);

-- Every complete subtree: node (level, idx) is the hash of leaves [idx*2^level, (idx+1)*2^level).
-- Level 0 repeats the leaf hashes so that proofs and tiles read one table.
CREATE TABLE ledger_nodes (
  level smallint NOT NULL CHECK (level BETWEEN 0 AND 63),
  idx bigint NOT NULL CHECK (idx >= 0),
  hash bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
);

-- The one head row: size and root of the tree as of the last commit. Appenders lock it.
CREATE TABLE ledger_head (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  size bigint NOT NULL,
  root bytea NOT NULL
);
INSERT INTO ledger_head (id, size, root)
VALUES (true, 0, decode('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'));

CREATE TABLE ledger_checkpoints (
  size bigint PRIMARY KEY,
  root bytea NOT NULL CHECK (length(root) = 32),
  -- The C2SP signed note exactly as served.
  note text NOT NULL,
  signed_at timestamptz NOT NULL
);

CREATE TABLE witness_cosignatures (
  checkpoint_size bigint NOT NULL REFERENCES ledger_checkpoints (size),
  witness_name text NOT NULL,
  signature_line text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (checkpoint_size, witness_name)
);

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_nodes_append_only BEFORE UPDATE OR DELETE ON ledger_nodes
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_nodes_no_truncate BEFORE TRUNCATE ON ledger_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
-- The head only ever grows.
CREATE FUNCTION ledger_head_only_grows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.size < OLD.size THEN
    RAISE EXCEPTION 'ledger head may only grow' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER ledger_head_grows BEFORE UPDATE OR DELETE ON ledger_head
  FOR EACH ROW EXECUTE FUNCTION ledger_head_only_grows();

-- Privileges as a second line: no role but the owner may change ledger rows.
REVOKE UPDATE, DELETE, TRUNCATE ON ledger_entries, ledger_nodes, ledger_checkpoints FROM PUBLIC;
