import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chooseBroker,
  rankBrokers,
  rendezvousPick,
  rendezvousRank,
  unitHash,
  type EdgePoolInfo,
} from '../src/index.js';

const pools = [
  { id: 'eu-1', weight: 100 },
  { id: 'eu-2', weight: 100 },
  { id: 'us-1', weight: 50 },
];

function share(keys: number, items: Array<{ id: string; weight: number }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < keys; i++) {
    const pick = rendezvousPick(`KEY${i}`, items);
    if (pick) counts.set(pick.id, (counts.get(pick.id) ?? 0) + 1);
  }
  return counts;
}

describe('rendezvous hashing', () => {
  // Pinned answers: every process (and every release) must place these vehicles the same way,
  // or vehicles would silently change pool and lose their sessions.
  const known: Array<[string, string]> = [
    ['WVWZZZ1JZXW000001', 'eu-1,us-1,eu-2'],
    ['WVWZZZ1JZXW000002', 'eu-1,eu-2,us-1'],
    ['1HGCM82633A004352', 'eu-2,eu-1,us-1'],
    ['JH4KA8260MC000000', 'eu-1,eu-2,us-1'],
    ['SALVA2AE4EH877482', 'eu-2,eu-1,us-1'],
  ];
  for (const [vehicle, order] of known) {
    it(`ranks pools for ${vehicle} as ${order}`, () => {
      assert.equal(
        rendezvousRank(vehicle, pools)
          .map((p) => p.id)
          .join(','),
        order,
      );
      assert.equal(rendezvousPick(vehicle, pools)?.id, order.split(',')[0]);
    });
  }

  it('does not depend on the order of the items', () => {
    const reversed = [...pools].reverse();
    for (let i = 0; i < 500; i++)
      assert.equal(rendezvousPick(`V${i}`, reversed)?.id, rendezvousPick(`V${i}`, pools)?.id);
  });

  it('keeps the hash in the open interval (0, 1)', () => {
    for (const text of ['', 'a', 'WVWZZZ1JZXW000001\u0000eu-1', 'ü'.repeat(40)]) {
      const u = unitHash(text);
      assert.ok(u > 0 && u < 1, `${text}: ${u}`);
    }
  });

  it('gives each item a share of keys proportional to its weight', () => {
    const counts = share(20_000, pools);
    const total = 250;
    for (const pool of pools) {
      const expected = (20_000 * pool.weight) / total;
      const got = counts.get(pool.id) ?? 0;
      assert.ok(Math.abs(got - expected) < expected * 0.05, `${pool.id}: ${got} vs ${expected}`);
    }
  });

  it('moves only the keys of a removed item', () => {
    const without = pools.filter((p) => p.id !== 'eu-2');
    let moved = 0;
    for (let i = 0; i < 5_000; i++) {
      const before = rendezvousPick(`KEY${i}`, pools)!.id;
      const after = rendezvousPick(`KEY${i}`, without)!.id;
      if (before !== 'eu-2') assert.equal(after, before, `KEY${i} moved from ${before}`);
      else moved += 1;
    }
    assert.ok(moved > 1_500 && moved < 2_500, `eu-2 held ${moved} keys`);
  });

  it('gives an added item keys only from others, never shuffles the rest', () => {
    const withMore = [...pools, { id: 'ap-1', weight: 100 }];
    for (let i = 0; i < 5_000; i++) {
      const after = rendezvousPick(`KEY${i}`, withMore)!.id;
      if (after !== 'ap-1') assert.equal(after, rendezvousPick(`KEY${i}`, pools)!.id);
    }
  });

  it('never picks an item without a positive weight', () => {
    const items = [
      { id: 'zero', weight: 0 },
      { id: 'negative', weight: -5 },
      { id: 'nan', weight: Number.NaN },
      { id: 'one', weight: 1 },
    ];
    for (let i = 0; i < 200; i++) assert.equal(rendezvousPick(`V${i}`, items)?.id, 'one');
    assert.deepEqual(
      rendezvousRank('V1', items).map((x) => x.id),
      ['one'],
    );
    assert.equal(rendezvousPick('V1', [{ id: 'zero', weight: 0 }]), undefined);
    assert.equal(rendezvousPick('V1', []), undefined);
  });
});

describe('chooseBroker', () => {
  const pool: EdgePoolInfo = {
    id: 'eu-1',
    name: 'eu-1',
    weight: 100,
    state: 'active',
    brokers: ['b1', 'b2', 'b3', 'b4'].map((id) => ({
      id,
      poolId: 'eu-1',
      url: `mqtt://${id}`,
      weight: 100,
      state: 'active' as const,
    })),
  };

  it('falls back in rank order when the first broker is unhealthy', () => {
    for (let i = 0; i < 200; i++) {
      const vehicle = `V${i}`;
      const ranked = rankBrokers(vehicle, pool).map((b) => b.id);
      const down = new Set([ranked[0]]);
      assert.equal(chooseBroker(vehicle, pool)?.id, ranked[0]);
      assert.equal(chooseBroker(vehicle, pool, (id) => !down.has(id))?.id, ranked[1]);
      down.add(ranked[1]);
      assert.equal(chooseBroker(vehicle, pool, (id) => !down.has(id))?.id, ranked[2]);
    }
  });

  it('skips draining and down brokers and answers undefined when none is left', () => {
    const mixed: EdgePoolInfo = {
      ...pool,
      brokers: pool.brokers.map((b, i) => ({
        ...b,
        state: i === 0 ? 'draining' : i === 1 ? 'down' : b.state,
      })),
    };
    for (let i = 0; i < 100; i++)
      assert.ok(['b3', 'b4'].includes(chooseBroker(`V${i}`, mixed)!.id));
    assert.equal(
      chooseBroker('V1', mixed, () => false),
      undefined,
    );
  });
});
