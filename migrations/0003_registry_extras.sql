-- Registry extras for the catalogue and filing (docs/registry.md).

-- A hardware revision filed with its model is part of the model's ledger entry
-- (ledger_index NULL); one added later is a ledger record of its own.
ALTER TABLE hardware_revisions
  ADD COLUMN created_at timestamptz,
  ADD COLUMN ledger_index bigint UNIQUE;

-- A device key names one robot: filing refuses a key another robot already has (a cloned key
-- would let one robot sign telemetry as another).
CREATE INDEX device_keys_public_key ON device_keys (public_key);

-- Listing a manufacturer's models and sites.
CREATE INDEX models_manufacturer ON models (manufacturer_id, id);
CREATE INDEX sites_manufacturer_id ON sites (manufacturer_id, id);

-- Unit-sequence allocation in one round trip (robot-id.md "Issuing"): the counter upsert's row
-- lock serialises concurrent filings of a model, and values a manufacturer already used as its
-- own serial are skipped. rl_s34_unit_sequence writes a value as RID-1 positions 15-28 exactly
-- as encodeUnitSequence (src/core/filing.ts) does; a test holds the two together.
CREATE FUNCTION rl_s34_unit_sequence(value bigint) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  symbols constant text := '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  rest bigint := value;
  digits text := '';
BEGIN
  IF rest < 0 THEN
    RAISE EXCEPTION 'a unit sequence is not negative: %', value USING ERRCODE = 'numeric_value_out_of_range';
  END IF;
  LOOP
    digits := substr(symbols, (rest % 34)::int + 1, 1) || digits;
    rest := rest / 34;
    EXIT WHEN rest = 0;
  END LOOP;
  RETURN lpad(digits, 14, '0');
END;
$$;

CREATE FUNCTION rl_allocate_unit_sequence(p_model_id uuid, p_manufacturer_id uuid) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  -- char(14), like robot_ids.unit_sequence, so that the look-up below uses its index.
  candidate char(14);
BEGIN
  LOOP
    INSERT INTO unit_sequence_counters AS c (model_id, next_value) VALUES (p_model_id, 2)
      ON CONFLICT (model_id) DO UPDATE SET next_value = c.next_value + 1
      RETURNING rl_s34_unit_sequence(c.next_value - 1) INTO candidate;
    EXIT WHEN NOT EXISTS (
      SELECT 1 FROM robot_ids
       WHERE manufacturer_id = p_manufacturer_id AND model_id = p_model_id AND unit_sequence = candidate);
  END LOOP;
  RETURN candidate::text;
END;
$$;
