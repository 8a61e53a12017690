import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fleetSizes, sizeFree } from '../src/scenarios/scaling.js';

describe('scaling sweep sizes', () => {
  it('sweeps 10k, 100k and 1M by default and 100 and 1k at smoke size', () => {
    assert.deepEqual(fleetSizes({}), [10_000, 100_000, 1_000_000]);
    assert.deepEqual(fleetSizes({ smoke: true }), [100, 1_000]);
  });

  it('ends the ladder at the fleet size asked for', () => {
    assert.deepEqual(fleetSizes({ vehicles: 50_000 }), [500, 5_000, 50_000]);
    assert.deepEqual(fleetSizes({ vehicles: 10, smoke: true }), [1, 10]);
  });
});

describe('scaling series names', () => {
  it('drops the fleet size from a measurement name so sizes share one line', () => {
    assert.equal(
      sizeFree('resident memory with 4000 idle connections', [10_000, 4000]),
      'resident memory with N idle connections',
    );
    assert.equal(sizeFree('fan-out of 1,000,000 notices', [1_000_000]), 'fan-out of N notices');
    assert.equal(sizeFree('materialize 10k deliveries', [10_000]), 'materialize N deliveries');
    assert.equal(
      sizeFree('materialize 2 deliveries in 2.5 s', [2]),
      'materialize N deliveries in 2.5 s',
    );
  });

  it('leaves other numbers alone', () => {
    assert.equal(sizeFree('p99 status latency', [99_000, 100]), 'p99 status latency');
    assert.equal(sizeFree('1000 acks of 10000', [100]), '1000 acks of 10000');
  });
});
