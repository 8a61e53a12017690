import { Value } from '@sinclair/typebox/value';
import { topicFilterProblem } from '@roadcast/mqtt';
import { parseCidr } from './network-list.js';
import {
  RouterPolicyDocument,
  type PolicyParseResult,
  type PolicyProblem,
  type RouterPolicy,
} from './policy-document.js';

/** The policy in force when none was ever stored: every default. */
export function defaultPolicy(): RouterPolicy {
  return Value.Default(RouterPolicyDocument, {}) as RouterPolicy;
}

/**
 * Validates a stored or submitted document: the schema, then what a schema cannot say
 * (networks parse, topic patterns are valid filters, keep-alive bounds are ordered). Defaults
 * are filled in; the input is not modified.
 */
export function parsePolicy(input: unknown): PolicyParseResult {
  const value = Value.Default(RouterPolicyDocument, Value.Clone(input ?? {}));
  const problems: PolicyProblem[] = [...Value.Errors(RouterPolicyDocument, value)].map((e) => ({
    path: e.path || '/',
    message: e.message,
  }));
  if (problems.length > 0) return { ok: false, problems };
  const policy = value as RouterPolicy;
  const lists = {
    '/network/allow': policy.network.allow,
    '/network/deny': policy.network.deny,
    '/network/proxyProtocol/trustedSources': policy.network.proxyProtocol.trustedSources,
  };
  for (const [path, list] of Object.entries(lists)) {
    list.forEach((cidr, i) => {
      if (!parseCidr(cidr))
        problems.push({ path: `${path}/${i}`, message: `invalid network "${cidr}"` });
    });
  }
  const { minKeepAliveSeconds, maxKeepAliveSeconds } = policy.protocol;
  if (minKeepAliveSeconds > maxKeepAliveSeconds)
    problems.push({
      path: '/protocol/minKeepAliveSeconds',
      message: `above maxKeepAliveSeconds (${maxKeepAliveSeconds})`,
    });
  for (const [role, rules] of Object.entries(policy.protocol.roles)) {
    for (const kind of ['publish', 'subscribe'] as const) {
      rules[kind].forEach((pattern, i) => {
        const problem = topicFilterProblem(pattern.replaceAll('{vehicleId}', 'V'));
        if (problem)
          problems.push({
            path: `/protocol/roles/${role}/${kind}/${i}`,
            message: `invalid topic pattern (${problem})`,
          });
      });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, policy };
}
