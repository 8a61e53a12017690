-- The edge pools and brokers of edge-brokers.yaml, as the router, bridge and tracker read
-- them. Idempotent: the edge-topology Job runs it after the migration. A later change goes
-- through the API; adding a pool means a StatefulSet like edge-a and rows like these.
INSERT INTO edge_pools (id, name, weight, state, updated_at) VALUES
  ('pool-a', 'pool-a', 100, 'active', now()),
  ('pool-b', 'pool-b', 100, 'active', now())
ON CONFLICT (id) DO NOTHING;

INSERT INTO edge_brokers (id, pool_id, url, weight, state, updated_at) VALUES
  ('pool-a-0', 'pool-a', 'mqtt://edge-a-0.edge-a.roadcast.svc.cluster.local:1883', 100, 'active', now()),
  ('pool-a-1', 'pool-a', 'mqtt://edge-a-1.edge-a.roadcast.svc.cluster.local:1883', 100, 'active', now()),
  ('pool-b-0', 'pool-b', 'mqtt://edge-b-0.edge-b.roadcast.svc.cluster.local:1883', 100, 'active', now())
ON CONFLICT (id) DO NOTHING;
