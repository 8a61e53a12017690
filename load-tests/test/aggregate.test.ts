import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregateRuns } from '../src/runner/aggregate.js';
import { rateSeries, result } from './fixtures.js';

const throughput = (value: number, haproxy: number) => ({
  name: 'throughput',
  value,
  unit: 'msg/s',
  baseline: { name: 'HAProxy', value: haproxy },
  ratio: value / haproxy,
  target: '>= 0.9x HAProxy',
});

describe('aggregating repeated runs', () => {
  it('reports the median ratio, value and baseline with their spread', () => {
    const runs = [
      result('router-throughput', [throughput(90, 100)]),
      result('router-throughput', [throughput(80, 100)]),
      result('router-throughput', [throughput(99, 110)]),
    ];
    const [m] = aggregateRuns(runs).measurements;
    assert.ok(m);
    assert.equal(m.value.median, 90);
    assert.equal(m.value.min, 80);
    assert.equal(m.value.max, 99);
    assert.equal(m.baseline?.value.median, 100);
    assert.equal(m.ratio?.median, 0.9);
    assert.equal(m.runs, 3);
  });

  it('checks the target against the median ratio', () => {
    const runs = [80, 85, 95].map((v) => result('router-throughput', [throughput(v, 100)]));
    const [m] = aggregateRuns(runs).measurements;
    assert.equal(m?.outcome.status, 'missed');
    assert.ok(Math.abs((m?.outcome.margin ?? 0) - (0.85 - 0.9) / 0.9) < 1e-9);
  });

  it('keeps measurements that only some runs reported, in first-seen order', () => {
    const runs = [
      result('s', [{ name: 'a', value: 1, unit: 's' }]),
      result('s', [
        { name: 'b', value: 2, unit: 's' },
        { name: 'a', value: 3, unit: 's' },
      ]),
    ];
    const measurements = aggregateRuns(runs).measurements;
    assert.deepEqual(
      measurements.map((m) => [m.name, m.runs, m.value.median]),
      [
        ['a', 2, 2],
        ['b', 1, 2],
      ],
    );
  });

  it('takes the median curve of repeated series and merges notes without repeats', () => {
    const runs = [
      result('s', [], { series: [rateSeries], notes: ['same'] }),
      result('s', [], {
        series: [
          {
            ...rateSeries,
            points: [
              { x: 1, y: 300 },
              { x: 4, y: 500 },
            ],
          },
        ],
        notes: ['same'],
      }),
    ];
    const aggregated = aggregateRuns(runs);
    assert.deepEqual(aggregated.series[0]?.points, [
      { x: 1, y: 200 },
      { x: 4, y: 400 },
    ]);
    assert.deepEqual(aggregated.notes, ['same']);
  });
});
