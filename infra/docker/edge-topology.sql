-- The compose stack's edge pools and brokers, as the router, bridge and tracker read them.
-- Idempotent: the `topology` service runs it after every migration. Broker URLs are the
-- brokers' names on the internal `edge` network.
INSERT INTO edge_pools (id, name, weight, state, updated_at) VALUES
  ('pool-a', 'pool-a', 100, 'active', now()),
  ('pool-b', 'pool-b', 100, 'active', now())
ON CONFLICT (id) DO NOTHING;

INSERT INTO edge_brokers (id, pool_id, url, weight, state, updated_at) VALUES
  ('pool-a-1', 'pool-a', 'mqtt://edge-a1:1883', 100, 'active', now()),
  ('pool-a-2', 'pool-a', 'mqtt://edge-a2:1883', 100, 'active', now()),
  ('pool-b-1', 'pool-b', 'mqtt://edge-b1:1883', 100, 'active', now())
ON CONFLICT (id) DO NOTHING;
