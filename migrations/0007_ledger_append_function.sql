-- One group commit's write of the ledger as a function (src/server/ledger/ledger-writer.ts):
-- the leaves, the interior-node runs they complete and the new head, on condition that the head
-- is still the tree the group grows (`from`). Returns false, having written nothing, otherwise.
--
-- Why a function and not one statement: a statement's WHERE is evaluated on its snapshot, so a
-- write sent while the previous group's write is still committing could never see that group's
-- head, only wait behind it and find the old one. Inside a PL/pgSQL function each statement takes
-- a fresh snapshot (READ COMMITTED): the SELECT ... FOR UPDATE below waits for the row lock and
-- then reads the head the previous writer committed. That lets a writer send its next group
-- while the last one is in the database (pipelining), and the condition still makes any group
-- whose predecessor did not commit, or that another process overtook, write nothing.
--
-- Bytes arrive as one bytea each (entries, leaf hashes, node hashes) with offsets, cut apart here:
-- a bytea[] parameter travels as escaped hex text and costs more than the rest of an append.
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
  run_hashes bytea
) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  head_size bigint;
  head_root bytea;
BEGIN
  SELECT h.size, h.root INTO head_size, head_root FROM ledger_head h FOR UPDATE;
  IF head_size IS DISTINCT FROM from_size OR head_root IS DISTINCT FROM from_root THEN
    RETURN false;
  END IF;
  INSERT INTO ledger_entries (idx, entry, leaf_hash, record_kind, record_id, appended_at)
  SELECT from_size + x.n - 1, substr(entries, x.off, x.len), substr(leaf_hashes, (x.n::int - 1) * 32 + 1, 32),
         x.kind, x.id, ledger_append.appended_at
    FROM unnest(entry_offsets, entry_lengths, record_kinds, record_ids) WITH ORDINALITY AS x(off, len, kind, id, n);
  INSERT INTO ledger_node_runs (level, idx, hashes)
  SELECT r.level, r.first, substr(run_hashes, r.start * 32 + 1, r.count * 32)
    FROM unnest(run_levels, run_firsts, run_counts, run_starts) AS r(level, first, count, start);
  UPDATE ledger_head SET size = to_size, root = to_root;
  RETURN true;
END;
$$;
