-- Exact per-campaign delivery counters, maintained by statement-level triggers.
--
-- One trigger call per statement (not per row) aggregates the statement's transition table,
-- so materializing a million deliveries touches each (campaign, wave, state) counter once.
-- Prisma's schema diff does not manage functions or triggers, so they live only here.

CREATE FUNCTION roadcast_count_delivery_inserts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO campaign_counters (campaign_id, wave, state, count)
  SELECT campaign_id, wave, state, count(*)
  FROM new_rows
  GROUP BY campaign_id, wave, state
  ORDER BY campaign_id, wave, state
  ON CONFLICT (campaign_id, wave, state)
  DO UPDATE SET count = campaign_counters.count + EXCLUDED.count;
  RETURN NULL;
END;
$$;

CREATE FUNCTION roadcast_count_delivery_updates() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO campaign_counters (campaign_id, wave, state, count)
  SELECT campaign_id, wave, state, sum(delta)
  FROM (
    SELECT campaign_id, wave, state, 1 AS delta FROM new_rows
    UNION ALL
    SELECT campaign_id, wave, state, -1 AS delta FROM old_rows
  ) AS changes
  GROUP BY campaign_id, wave, state
  HAVING sum(delta) <> 0
  ORDER BY campaign_id, wave, state
  ON CONFLICT (campaign_id, wave, state)
  DO UPDATE SET count = campaign_counters.count + EXCLUDED.count;
  RETURN NULL;
END;
$$;

-- Deletes only decrement existing counters: when a campaign is deleted its counters go with it
-- (cascade), and re-inserting them would violate the foreign key.
CREATE FUNCTION roadcast_count_delivery_deletes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE campaign_counters AS c
  SET count = c.count - d.n
  FROM (
    SELECT campaign_id, wave, state, count(*) AS n
    FROM old_rows
    GROUP BY campaign_id, wave, state
  ) AS d
  WHERE c.campaign_id = d.campaign_id AND c.wave = d.wave AND c.state = d.state;
  RETURN NULL;
END;
$$;

CREATE TRIGGER deliveries_count_inserts
  AFTER INSERT ON deliveries
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION roadcast_count_delivery_inserts();

CREATE TRIGGER deliveries_count_updates
  AFTER UPDATE ON deliveries
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION roadcast_count_delivery_updates();

CREATE TRIGGER deliveries_count_deletes
  AFTER DELETE ON deliveries
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION roadcast_count_delivery_deletes();

-- The hot query of reconnect reconciliation: what has this vehicle not acknowledged yet?
CREATE INDEX deliveries_unacknowledged_by_vehicle
  ON deliveries (vehicle_id, campaign_id)
  WHERE state IN ('pending', 'published', 'parked');
