import type { BrokerCredentials } from '@roadcast/testing';
import type { AttackPlan, SlotKind } from '../load/attacker-worker.js';

/**
 * The hostile scenario's attack and the router policy it runs against, each in one place so
 * either is easy to adjust. Helper module: it exports no scenario.
 */

/** The attack, in one place: sizes, mix and pace. */
export const ATTACK = {
  unauthenticated: { 'tls-no-certificate': 2_000, 'tcp-silent': 1_500, 'tcp-huge-connect': 1_500 },
  smokeUnauthenticated: { 'tls-no-certificate': 30, 'tcp-silent': 15, 'tcp-huge-connect': 15 },
  /** Distinct source addresses (127.x.y.z) the unauthenticated connections come from. */
  addresses: 250,
  opensPerSecond: 1_000,
  neverReading: 50,
  smokeNeverReading: 3,
  refusedPublishesPerSecond: 200,
  noticesPerSecond: 20,
  payloadBytes: 1_024,
  rampTimeoutMs: 15_000,
} as const;

/**
 * The router policy the scenario stores, in one place. Everything else keeps its production
 * default (bans after repeated authentication failures, CONNECT deadline, packet size). The
 * connection ceiling leaves 1,000 connections of headroom above the certified fleet and the
 * never-reading vehicles: less than the attack, as a router sized for its fleet would be.
 */
export function hostilePolicy(certified: number, neverReading: number): Record<string, unknown> {
  return {
    throttling: { maxConnections: certified + neverReading + 1_000 },
  };
}

export interface AttackTarget {
  port: number;
  brokerUrl: string;
  /** The bridge's login on the edge broker, for pushing notices at the never-reading vehicles. */
  brokerLogin: BrokerCredentials;
  ca: string;
  neverReading: AttackPlan['neverReading']['vehicles'];
  smoke: boolean;
}

/**
 * One attack phase's plan. Round `round` uses source addresses of its own (127.<10+round>.x.y),
 * so bans from an earlier phase do not do this phase's work.
 */
export function attackPlan(target: AttackTarget, round: number): AttackPlan {
  const net = 10 + round;
  const slots: Record<SlotKind, number> = target.smoke
    ? ATTACK.smokeUnauthenticated
    : ATTACK.unauthenticated;
  return {
    host: '127.0.0.1',
    port: target.port,
    addresses: Array.from(
      { length: ATTACK.addresses },
      (_, i) => `127.${net}.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    ),
    slots,
    opensPerSecond: ATTACK.opensPerSecond,
    neverReading: {
      vehicles: target.neverReading,
      ca: target.ca,
      address: `127.${net}.255.1`,
      publishesPerSecond: ATTACK.refusedPublishesPerSecond,
      payloadBytes: ATTACK.payloadBytes,
      brokerUrl: target.brokerUrl,
      brokerLogin: target.brokerLogin,
      noticesPerSecond: ATTACK.noticesPerSecond,
    },
    rampTimeoutMs: ATTACK.rampTimeoutMs,
  };
}
