import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  histogramDelta,
  histogramQuantile,
  quantileBeyondBuckets,
  readHistogram,
} from '../src/runner/prometheus-histogram.js';

const NAME = 'roadcast_api_request_duration_seconds';

function exposition(counts: Record<string, [number, number]>): string {
  const lines = [`# TYPE ${NAME} histogram`];
  for (const [le, [ok, err]] of Object.entries(counts)) {
    lines.push(
      `${NAME}_bucket{le="${le}",route="/v1/campaigns/:id",method="GET",status="2xx",service="api"} ${ok}`,
    );
    lines.push(
      `${NAME}_bucket{le="${le}",route="/v1/campaigns/:id",method="GET",status="5xx",service="api"} ${err}`,
    );
    lines.push(
      `${NAME}_bucket{le="${le}",route="/v1/campaigns",method="POST",status="2xx",service="api"} 1000`,
    );
  }
  return lines.join('\n');
}

describe("a server's own latency histogram", () => {
  const before = readHistogram(
    exposition({ '0.005': [10, 0], '0.01': [10, 0], '0.025': [10, 0], '+Inf': [10, 0] }),
    NAME,
    { route: '/v1/campaigns/:id', method: 'GET' },
  );
  const after = readHistogram(
    exposition({ '0.005': [60, 0], '0.01': [100, 0], '0.025': [108, 1], '+Inf': [109, 1] }),
    NAME,
    { route: '/v1/campaigns/:id', method: 'GET' },
  );

  it('sums the series of one route over status classes and leaves other routes out', () => {
    assert.deepEqual(after.buckets.at(-1), { le: Number.POSITIVE_INFINITY, count: 110 });
    assert.equal(after.count, 110);
  });

  it('reads what happened between two scrapes, interpolating within a bucket', () => {
    const window = histogramDelta(before, after);
    assert.equal(window.count, 100);
    // 50 of 100 are below 5 ms: the median is that bound.
    assert.equal(histogramQuantile(window, 0.5), 0.005);
    // 90 of 100 are at most 10 ms; rank 95 lies 5 into the 9 between 10 and 25 ms.
    assert.ok(Math.abs(histogramQuantile(window, 0.9) - 0.01) < 1e-12);
    assert.ok(Math.abs(histogramQuantile(window, 0.95) - (0.01 + (0.015 * 5) / 9)) < 1e-12);
    assert.equal(quantileBeyondBuckets(window, 0.99), false);
  });

  it('says when a quantile lies beyond the largest bucket, where only a lower bound is known', () => {
    const window = histogramDelta(before, after);
    assert.equal(histogramQuantile(window, 1), 0.025);
    assert.equal(quantileBeyondBuckets(window, 1), true);
    assert.ok(Number.isNaN(histogramQuantile({ buckets: [], count: 0 }, 0.99)));
  });
});
