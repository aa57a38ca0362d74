-- The tree in fewer rows (docs/ledger.md, "Storage"). Node (level, idx) is the hash of leaves
-- [idx*2^level, (idx+1)*2^level), as before; what changes is where it is kept:
--  - level 0, the leaf hashes: only in ledger_entries.leaf_hash;
--  - levels >= 1: in ledger_node_runs, a row per run of consecutive nodes of one level that one
--    group commit completed (at most 60 hashes, so a row stays under the 2 kB TOAST threshold).
-- ledger_nodes, one row per node, is no longer written. Its rows stay (the ledger is append-only)
-- and are copied into runs here; audit still compares them with the recomputed tree.

CREATE TABLE ledger_node_runs (
  level smallint NOT NULL CHECK (level BETWEEN 1 AND 63),
  -- The first node of the run; the run holds nodes idx .. idx + length(hashes)/32 - 1.
  idx bigint NOT NULL CHECK (idx >= 0),
  hashes bytea NOT NULL CHECK (length(hashes) BETWEEN 32 AND 60 * 32 AND length(hashes) % 32 = 0),
  PRIMARY KEY (level, idx)
);

CREATE TRIGGER ledger_node_runs_append_only BEFORE UPDATE OR DELETE ON ledger_node_runs
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_node_runs_no_truncate BEFORE TRUNCATE ON ledger_node_runs
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON ledger_node_runs FROM PUBLIC;

-- The interior nodes stored so far, as runs: each stretch of consecutive indices of a level, cut
-- every 60 nodes.
INSERT INTO ledger_node_runs (level, idx, hashes)
SELECT level, min(idx), string_agg(hash, ''::bytea ORDER BY idx)
  FROM (SELECT level, idx, hash, idx - row_number() OVER w AS stretch, (row_number() OVER w - 1) / 60 AS cut
          FROM ledger_nodes
         WHERE level > 0
        WINDOW w AS (PARTITION BY level ORDER BY idx)) n
 GROUP BY level, stretch, cut;

-- ledger_nodes is retired: nothing may add to it any more (NOT VALID: its rows stay as they are).
ALTER TABLE ledger_nodes ADD CONSTRAINT ledger_nodes_retired CHECK (false) NOT VALID;

-- The whole tree, one row per node, for reading by hand. The server reads the tables directly,
-- by primary key (src/server/ledger/ledger-nodes.ts).
CREATE VIEW ledger_tree AS
  SELECT 0::smallint AS level, idx, leaf_hash AS hash FROM ledger_entries
  UNION ALL
  SELECT r.level, r.idx + g.i, substr(r.hashes, g.i::int * 32 + 1, 32)
    FROM ledger_node_runs r
   CROSS JOIN LATERAL generate_series(0, length(r.hashes) / 32 - 1) AS g(i);
