import {
  filterCovered,
  isSharedSubscription,
  topicFilterProblem,
  topicMatches,
  topicNameProblem,
  type TopicProblem,
} from '@roadcast/mqtt';
import type { RouterPolicy } from './policy-document.js';

export type TopicDecision = 'allowed' | 'not-authorized' | 'shared-not-supported' | TopicProblem;

// An id with topic separators or wildcards could widen a pattern; such a vehicle gets nothing.
const UNSAFE_ID = /[/+#\u0000]/;

/**
 * One client's allowlists with its id substituted once, for the per-packet path. A topic
 * equal to an allowed literal pattern is allowed without further parsing: the pattern was
 * validated with the policy and the id cannot contain separators or wildcards.
 */
export class ClientTopics {
  private readonly publishLiterals: Set<string>;
  private readonly publishPatterns: string[];
  private readonly subscribePatterns: string[];
  private readonly maxTopicBytes: number;

  constructor(publish: string[], subscribe: string[], maxTopicBytes: number) {
    this.publishLiterals = new Set(publish.filter((p) => !/[+#]/.test(p)));
    this.publishPatterns = publish.filter((p) => /[+#]/.test(p));
    this.subscribePatterns = subscribe;
    this.maxTopicBytes = maxTopicBytes;
  }

  publish(topic: string): TopicDecision {
    if (this.publishLiterals.has(topic)) return 'allowed';
    const problem = topicNameProblem(topic, this.maxTopicBytes);
    if (problem) return problem;
    return this.publishPatterns.some((p) => topicMatches(p, topic)) ? 'allowed' : 'not-authorized';
  }

  subscribe(filter: string): TopicDecision {
    const problem = topicFilterProblem(filter, this.maxTopicBytes);
    if (problem) return problem;
    if (isSharedSubscription(filter)) return 'shared-not-supported';
    return this.subscribePatterns.some((p) => filterCovered(p, filter))
      ? 'allowed'
      : 'not-authorized';
  }
}

/** Per-role topic allowlists with the vehicle id substituted, as the router checks them. */
export class TopicPolicy {
  private readonly roles: RouterPolicy['protocol']['roles'];
  private readonly maxTopicBytes: number;

  constructor(policy: RouterPolicy) {
    this.roles = policy.protocol.roles;
    this.maxTopicBytes = policy.protocol.maxTopicBytes;
  }

  hasRole(role: string): boolean {
    return Object.hasOwn(this.roles, role);
  }

  private patterns(role: string, kind: 'publish' | 'subscribe', vehicleId: string): string[] {
    if (UNSAFE_ID.test(vehicleId) || !this.hasRole(role)) return [];
    return (this.roles[role]?.[kind] ?? []).map((p) => p.replaceAll('{vehicleId}', vehicleId));
  }

  /** The allowlists of one connected client, compiled for its packets. */
  forClient(role: string, vehicleId: string): ClientTopics {
    return new ClientTopics(
      this.patterns(role, 'publish', vehicleId),
      this.patterns(role, 'subscribe', vehicleId),
      this.maxTopicBytes,
    );
  }

  /** May this client PUBLISH to this topic name? */
  publish(role: string, vehicleId: string, topic: string): TopicDecision {
    return this.forClient(role, vehicleId).publish(topic);
  }

  /** May this client SUBSCRIBE to this filter? Only filters wholly inside an allowed pattern. */
  subscribe(role: string, vehicleId: string, filter: string): TopicDecision {
    return this.forClient(role, vehicleId).subscribe(filter);
  }
}
