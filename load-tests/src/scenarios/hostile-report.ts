import type { AttackStats, SlotKind } from '../load/attacker-worker.js';
import type { RelayFleetConnected } from '../load/relay-fleet-worker.js';
import { scenarioMachine } from '../runner/machine.js';
import { cpuRatio, cpuWindow, sumUsage, usPerUnit, type CpuUsage } from '../runner/process-cpu.js';
import { median } from '../runner/statistics.js';
import type { Measurement, ScenarioResult } from '../scenario.js';
import { ATTACK, hostilePolicy } from './hostile-attack.js';

/** What the hostile scenario's phases measured, and how they are reported. Helper module. */

export interface Phase {
  attacked: boolean;
  connect: RelayFleetConnected;
  acknowledged: number;
  rate: number;
  usage: CpuUsage;
  rssStart: number;
  rssPeak: number;
  logBytes: number;
  attack?: AttackStats;
}

export function result(
  startedAt: string,
  certified: number,
  unauthenticated: Record<SlotKind, number>,
  neverReading: number,
  order: string[],
  attacked: Phase[],
  calm: Phase[],
  counters: string,
): ScenarioResult {
  const med = (list: Phase[], pick: (p: Phase) => number) => median(list.map(pick));
  const connectedShare = (p: Phase) => (p.connect.connected / p.connect.attempted) * 100;
  const rate = { attacked: med(attacked, (p) => p.rate), calm: med(calm, (p) => p.rate) };
  const units = (list: Phase[]) => list.reduce((s, p) => s + p.acknowledged, 0);
  // Nothing relayed (the fleet was shut out) leaves no message to divide by: CPU per second
  // of the phase says what the attack cost instead.
  const window = (list: Phase[], name: string) => {
    const usage = sumUsage(list.map((p) => p.usage));
    return units(list) > 0
      ? cpuWindow(name, 'relayed message', units(list), usage)
      : cpuWindow(`${name}, nothing relayed`, 'second', usage.wallS, usage);
  };
  const cpu = [
    window(attacked, 'relay under attack'),
    window(calm, 'relay without attack (baseline)'),
  ];
  const relayedUnderAttack = units(attacked) > 0;
  const mib = (bytes: number) => bytes / 1024 ** 2;
  const attacks = attacked.flatMap((p) => (p.attack ? [p.attack] : []));
  const slots = (kind: SlotKind, key: 'opened' | 'closedByRouter' | 'failedToOpen') =>
    attacks.reduce((s, a) => s + a.slots[kind][key], 0);
  const peak = (kind: SlotKind) => Math.max(0, ...attacks.map((a) => a.slots[kind].peakOpen));
  const nr = (key: keyof AttackStats['neverReading']) =>
    attacks.reduce((s, a) => s + a.neverReading[key], 0);
  const byReason = new Map<string, number>();
  for (const p of [...attacked, ...calm])
    for (const [reason, n] of Object.entries(p.connect.failures))
      byReason.set(reason, (byReason.get(reason) ?? 0) + n);
  const failures = [...byReason].map(([reason, n]) => `${n} × ${reason}`);
  const measurements: Measurement[] = [
    {
      name: 'relay throughput of the certified fleet under attack',
      value: rate.attacked,
      unit: 'msg/s',
      baseline: { name: 'same fleet, no attack', value: rate.calm },
      ratio: rate.attacked / rate.calm,
      target: '>= 0.9x no attack',
      targetId: 'hostile-throughput',
    },
    {
      name: 'certified vehicles connected under attack',
      value: Math.min(...attacked.map(connectedShare)),
      unit: '%',
      baseline: { name: 'no attack', value: Math.min(...calm.map(connectedShare)) },
      target: '>= 100 %',
      goal: { compare: '>=', threshold: 100 },
      targetId: 'hostile-connected',
    },
    {
      name: 'certified fleet connect time under attack',
      value: med(attacked, (p) => p.connect.seconds),
      unit: 's',
      baseline: { name: 'no attack', value: med(calm, (p) => p.connect.seconds) },
      ratio: med(attacked, (p) => p.connect.seconds) / med(calm, (p) => p.connect.seconds),
    },
    ...(relayedUnderAttack
      ? [
          {
            name: 'router CPU per relayed message under attack',
            value: usPerUnit(cpu[0]!, 'router'),
            unit: 'µs',
            baseline: { name: 'no attack', value: usPerUnit(cpu[1]!, 'router') },
            ...cpuRatio(usPerUnit(cpu[0]!, 'router'), usPerUnit(cpu[1]!, 'router')),
          },
        ]
      : []),
    {
      name: 'router peak resident memory under attack',
      value: mib(Math.max(...attacked.map((p) => p.rssPeak))),
      unit: 'MiB',
      baseline: { name: 'no attack', value: mib(Math.max(...calm.map((p) => p.rssPeak))) },
      ratio: Math.max(...attacked.map((p) => p.rssPeak)) / Math.max(...calm.map((p) => p.rssPeak)),
    },
    {
      name: 'router memory growth during an attack phase',
      value: mib(Math.max(...attacked.map((p) => p.rssPeak - p.rssStart))),
      unit: 'MiB',
      baseline: {
        name: 'no attack',
        value: mib(Math.max(...calm.map((p) => p.rssPeak - p.rssStart))),
      },
    },
    {
      name: 'router log written per attack phase',
      value: med(attacked, (p) => p.logBytes) / 1024,
      unit: 'KiB',
      baseline: { name: 'no attack', value: med(calm, (p) => p.logBytes) / 1024 },
    },
  ];
  const notes = [
    `Phases: ${order.join(' → ')} (no attack = baseline, rotated between runs); each connects ${certified} certified vehicles through the router (20 at a time, one attempt each, 15 s to CONNACK) and relays QoS 1 acks with a window in flight; throughput and CPU are the medians and sums of the phases.`,
    `Attack per phase, open loop from its own process: ${Object.entries(unauthenticated)
      .map(([k, n]) => `${n} ${k}`)
      .join(
        ', ',
      )} from ${ATTACK.addresses} source addresses (fresh each phase), reopened when closed at up to ${ATTACK.opensPerSecond}/s; ${neverReading} never-reading vehicles with valid certificates, each writing ${ATTACK.refusedPublishesPerSecond} refused QoS 1 publishes/s while ${ATTACK.noticesPerSecond} notices/s each were pushed at them through their broker. The certified fleet connected once the attack had opened every slot (or after ${ATTACK.rampTimeoutMs / 1000} s).`,
    `Router policy: ${JSON.stringify(hostilePolicy(certified, neverReading))}, every other field at its default.`,
    `Unauthenticated connections over all attack phases: opened ${KINDS_TEXT.map((k) => `${slots(k, 'opened')} ${k}`).join(', ')}; closed by the router ${KINDS_TEXT.map((k) => slots(k, 'closedByRouter')).join(' / ')}; failed to open ${KINDS_TEXT.map((k) => slots(k, 'failedToOpen')).join(' / ')}; most held open at once in a phase ${KINDS_TEXT.map((k) => peak(k)).join(' / ')}.`,
    `Never-reading vehicles: ${nr('connected')} connected, ${nr('subscribed')} subscribed, ${nr('publishesWritten')} refused publishes written, ${nr('publishesHeldBack')} held back by their own full send buffer, ${nr('closedByRouter')} closed by the router, ${nr('noticesPushed')} notices pushed.`,
    `The router counted over the run: ${counters || 'nothing'}.`,
    ...(relayedUnderAttack ? [] : ['Under attack no certified vehicle relayed a message.']),
    ...(failures.length > 0
      ? [`Certified vehicles that did not connect, over all phases: ${failures.join('; ')}.`]
      : []),
    'Attackers, fleet, router and broker share the machine: the attackers’ own CPU (in the table) is part of what the fleet competes with, which a real attack from elsewhere would not be.',
  ];
  return {
    scenario: 'hostile',
    startedAt,
    machine: scenarioMachine(),
    parameters: {
      vehicles: certified,
      unauthenticated,
      neverReading,
      addresses: ATTACK.addresses,
      phases: order,
    },
    measurements,
    cpu,
    notes,
  };
}

const KINDS_TEXT: SlotKind[] = ['tls-no-certificate', 'tcp-silent', 'tcp-huge-connect'];
