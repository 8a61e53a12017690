import {
  NetworkList,
  TopicPolicy,
  defaultPolicy,
  parsePolicy,
  type PolicyProblem,
  type RouterPolicy,
} from '@roadcast/policy';

/** The policy in force and what is derived from it, swapped as a whole on every change. */
export interface ActivePolicy {
  /** Stored version, 0 for the built-in defaults. */
  version: number;
  policy: RouterPolicy;
  topics: TopicPolicy;
  allow: NetworkList;
  deny: NetworkList;
  /** Balancers whose PROXY protocol header is believed. */
  proxyTrusted: NetworkList;
}

function derive(version: number, policy: RouterPolicy): ActivePolicy {
  return {
    version,
    policy,
    topics: new TopicPolicy(policy),
    allow: new NetworkList(policy.network.allow),
    deny: new NetworkList(policy.network.deny),
    proxyTrusted: new NetworkList(policy.network.proxyProtocol.trustedSources),
  };
}

export class PolicyState {
  private active: ActivePolicy = derive(0, defaultPolicy());
  private readonly listeners: Array<(active: ActivePolicy) => void> = [];

  get current(): ActivePolicy {
    return this.active;
  }

  onChange(listener: (active: ActivePolicy) => void): void {
    this.listeners.push(listener);
  }

  /** Validates and applies a document; on problems the policy in force stays. */
  apply(
    version: number,
    document: unknown,
  ): { ok: true } | { ok: false; problems: PolicyProblem[] } {
    const parsed = parsePolicy(document);
    if (!parsed.ok) return parsed;
    this.active = derive(version, parsed.policy);
    for (const listener of this.listeners) listener(this.active);
    return { ok: true };
  }
}
