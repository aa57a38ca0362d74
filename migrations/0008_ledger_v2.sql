-- Ledger version 2 (docs/ledger-formats.md "Version 2"): every leaf's entry is a commitment
-- {"commitment","kind","v":2} to its record; the record and the salt that hides it (together:
-- the opening) are kept in the entry's row, beside the public entry bytes, and handed only to
-- callers the access policy lets see the record. Every record about a robot is a link of one of the robot's
-- two chains (records, telemetry batches), listed in robot_chain_links so that a robot's head
-- at any tree size is one indexed read.

-- Which format this store's log is in. A store that already holds version 1 entries (their
-- leaves are the records themselves) stays version 1, and the server refuses to start on it
-- (src/server/ledger/ledger-format.ts): the two formats are never mixed in one log.
CREATE TABLE ledger_format (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  version integer NOT NULL CHECK (version IN (1, 2))
);
INSERT INTO ledger_format (id, version)
SELECT true, CASE WHEN EXISTS (SELECT 1 FROM ledger_entries) THEN 1 ELSE 2 END;
CREATE TRIGGER ledger_format_append_only BEFORE UPDATE OR DELETE ON ledger_format
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- The opening of each entry: the 32-byte salt and the record's RFC 8785 bytes. Private: public
-- routes read entry and leaf_hash only (src/server/ledger/ledger-reader.ts). In the entry's own
-- row, under its append-only triggers, rather than in a table of their own: one row and one
-- index entry per append instead of two (bench/ledger-append.ts measured the difference).
ALTER TABLE ledger_entries
  ADD COLUMN salt bytea CHECK (length(salt) = 32),
  ADD COLUMN record bytea,
  ADD CONSTRAINT ledger_entries_opening_whole CHECK ((salt IS NULL) = (record IS NULL));

-- One row per chained record: the robot (its stable internal id), the chain, the record's seq
-- in it, and its leaf. The head of a chain at tree size n is its row of highest seq with
-- idx < n. Written by ledger_append in the same statement as the leaf.
CREATE TABLE robot_chain_links (
  robot_uuid uuid NOT NULL,
  chain text NOT NULL CHECK (chain IN ('records', 'batches')),
  seq bigint NOT NULL CHECK (seq >= 0),
  idx bigint NOT NULL UNIQUE CHECK (idx >= 0),
  leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32),
  PRIMARY KEY (robot_uuid, chain, seq)
);

CREATE TRIGGER robot_chain_links_append_only BEFORE UPDATE OR DELETE ON robot_chain_links
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER robot_chain_links_no_truncate BEFORE TRUNCATE ON robot_chain_links
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON ledger_format, robot_chain_links FROM PUBLIC;

-- ledger_append (migration 0007) with each leaf's opening and chain link. A leaf without an
-- opening has record length -1 (the writer's own tests append bare entries); a leaf outside
-- every chain has a null chain. Everything else is as before: one statement, conditional on
-- the head it grows.
DROP FUNCTION ledger_append(bigint, bytea, bigint, bytea, bytea, bytea, integer[], integer[], text[],
  text[], timestamptz, smallint[], bigint[], integer[], integer[], bytea);

CREATE FUNCTION ledger_append(
  from_size bigint,
  from_root bytea,
  to_size bigint,
  to_root bytea,
  entries bytea,
  leaf_hashes bytea,
  entry_offsets integer[],
  entry_lengths integer[],
  record_kinds text[],
  record_ids text[],
  appended_at timestamptz,
  run_levels smallint[],
  run_firsts bigint[],
  run_counts integer[],
  run_starts integer[],
  run_hashes bytea,
  salts bytea,
  records bytea,
  record_offsets integer[],
  record_lengths integer[],
  chain_robots uuid[],
  chain_names text[],
  chain_seqs bigint[]
) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  head_size bigint;
  head_root bytea;
BEGIN
  SELECT h.size, h.root INTO head_size, head_root FROM ledger_head h FOR UPDATE;
  IF head_size IS DISTINCT FROM from_size OR head_root IS DISTINCT FROM from_root THEN
    RETURN false;
  END IF;
  INSERT INTO ledger_entries (idx, entry, leaf_hash, record_kind, record_id, appended_at, salt, record)
  SELECT from_size + x.n - 1, substr(entries, x.off, x.len), substr(leaf_hashes, (x.n::int - 1) * 32 + 1, 32),
         x.kind, x.id, ledger_append.appended_at,
         CASE WHEN x.rlen >= 0 THEN substr(salts, (x.n::int - 1) * 32 + 1, 32) END,
         CASE WHEN x.rlen >= 0 THEN substr(records, x.roff, x.rlen) END
    FROM unnest(entry_offsets, entry_lengths, record_kinds, record_ids, record_offsets, record_lengths)
         WITH ORDINALITY AS x(off, len, kind, id, roff, rlen, n);
  INSERT INTO robot_chain_links (robot_uuid, chain, seq, idx, leaf_hash)
  SELECT x.robot, x.chain, x.seq, from_size + x.n - 1, substr(leaf_hashes, (x.n::int - 1) * 32 + 1, 32)
    FROM unnest(chain_robots, chain_names, chain_seqs) WITH ORDINALITY AS x(robot, chain, seq, n)
   WHERE x.robot IS NOT NULL;
  INSERT INTO ledger_node_runs (level, idx, hashes)
  SELECT r.level, r.first, substr(run_hashes, r.start * 32 + 1, r.count * 32)
    FROM unnest(run_levels, run_firsts, run_counts, run_starts) AS r(level, first, count, start);
  UPDATE ledger_head SET size = to_size, root = to_root;
  RETURN true;
END;
$$;

-- A chained record names its robot as it was called when the record was made (a robot may be
-- re-coded later): rows that are records about a robot keep that robot ID, so the record can
-- be rebuilt from the row (audit).
ALTER TABLE transfers ADD COLUMN robot_id text, ADD COLUMN decision_robot_id text;
ALTER TABLE grants ADD COLUMN robot_id text, ADD COLUMN revoke_robot_id text;
ALTER TABLE telemetry_alerts ADD COLUMN ack_robot_id text;
