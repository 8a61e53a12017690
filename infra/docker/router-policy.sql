-- The compose stack's first router policy: the routers believe PROXY protocol v2 headers
-- from the balancer on the `ingress` network (docker-compose.yml fixes its subnet), so
-- per-address limits, bans and logs see each vehicle's own address. Written only while no
-- policy exists: a policy an operator stored through the API is never replaced.
INSERT INTO router_policies (document, comment, created_by)
SELECT
  '{"network": {"proxyProtocol": {"trustedSources": ["172.31.251.0/24"], "required": true}}}'::jsonb,
  'compose: trust the balancer on the ingress network',
  'compose'
WHERE NOT EXISTS (SELECT 1 FROM router_policies);
