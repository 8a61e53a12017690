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

/**
 * A policy pattern with `{vehicleId}` holes, compared with a topic for one vehicle without
 * building the substituted string on the per-packet path.
 */
class PatternTemplate {
  private readonly parts: string[];
  readonly wildcard: boolean;

  constructor(pattern: string) {
    this.parts = pattern.split('{vehicleId}');
    this.wildcard = /[+#]/.test(pattern);
  }

  equals(vehicleId: string, topic: string): boolean {
    let at = 0;
    const last = this.parts.length - 1;
    for (let i = 0; i <= last; i++) {
      const part = this.parts[i]!;
      if (!topic.startsWith(part, at)) return false;
      at += part.length;
      if (i === last) break;
      if (!topic.startsWith(vehicleId, at)) return false;
      at += vehicleId.length;
    }
    return at === topic.length;
  }

  fill(vehicleId: string): string {
    return this.parts.join(vehicleId);
  }
}

interface RoleTemplates {
  publishLiterals: PatternTemplate[];
  publishPatterns: PatternTemplate[];
  subscribe: PatternTemplate[];
}

/** Per-role topic allowlists with the vehicle id substituted, as the router checks them. */
export class TopicPolicy {
  private readonly roles: RouterPolicy['protocol']['roles'];
  private readonly maxTopicBytes: number;
  private readonly templates = new Map<string, RoleTemplates>();

  constructor(policy: RouterPolicy) {
    this.roles = policy.protocol.roles;
    this.maxTopicBytes = policy.protocol.maxTopicBytes;
    for (const [role, rules] of Object.entries(this.roles)) {
      const publish = rules.publish.map((p) => new PatternTemplate(p));
      this.templates.set(role, {
        publishLiterals: publish.filter((t) => !t.wildcard),
        publishPatterns: publish.filter((t) => t.wildcard),
        subscribe: rules.subscribe.map((p) => new PatternTemplate(p)),
      });
    }
  }

  hasRole(role: string): boolean {
    return Object.hasOwn(this.roles, role);
  }

  private patterns(role: string, kind: 'publish' | 'subscribe', vehicleId: string): string[] {
    if (UNSAFE_ID.test(vehicleId) || !this.hasRole(role)) return [];
    return (this.roles[role]?.[kind] ?? []).map((p) => p.replaceAll('{vehicleId}', vehicleId));
  }

  private templatesFor(role: string, vehicleId: string): RoleTemplates | undefined {
    return UNSAFE_ID.test(vehicleId) ? undefined : this.templates.get(role);
  }

  /** The allowlists of one connected client, compiled for its packets. */
  forClient(role: string, vehicleId: string): ClientTopics {
    return new ClientTopics(
      this.patterns(role, 'publish', vehicleId),
      this.patterns(role, 'subscribe', vehicleId),
      this.maxTopicBytes,
    );
  }

  /**
   * May this client PUBLISH to this topic name? Decided without per-client state: a topic
   * equal to an allowed literal pattern (the common case, an ack) allocates nothing.
   */
  publish(role: string, vehicleId: string, topic: string): TopicDecision {
    const templates = this.templatesFor(role, vehicleId);
    if (templates?.publishLiterals.some((t) => t.equals(vehicleId, topic))) return 'allowed';
    const problem = topicNameProblem(topic, this.maxTopicBytes);
    if (problem) return problem;
    return templates?.publishPatterns.some((t) => topicMatches(t.fill(vehicleId), topic))
      ? 'allowed'
      : 'not-authorized';
  }

  /** May this client SUBSCRIBE to this filter? Only filters wholly inside an allowed pattern. */
  subscribe(role: string, vehicleId: string, filter: string): TopicDecision {
    const problem = topicFilterProblem(filter, this.maxTopicBytes);
    if (problem) return problem;
    if (isSharedSubscription(filter)) return 'shared-not-supported';
    const templates = this.templatesFor(role, vehicleId);
    return templates?.subscribe.some((t) => filterCovered(t.fill(vehicleId), filter))
      ? 'allowed'
      : 'not-authorized';
  }
}
