import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { barChart, lineChart, niceTicks } from '../src/report/svg-chart.js';
import { xmlProblems } from './xml-check.js';

describe('SVG charts', () => {
  it('draws a bar chart as well-formed SVG with both axis labels', () => {
    const svg = barChart({
      title: 'Router & HAProxy <compared>',
      categoryLabel: 'measurement',
      valueLabel: 'Roadcast ÷ baseline',
      bars: [
        { label: 'throughput', value: 0.93, low: 0.9, high: 0.97 },
        { label: 'memory per connection "idle"', value: 1.2 },
      ],
      references: [{ value: 1, label: 'parity' }],
    });
    assert.deepEqual(xmlProblems(svg), []);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /class="axis-label"[^>]*>Roadcast ÷ baseline<\/text>/);
    assert.match(svg, /class="axis-label"[^>]*>measurement<\/text>/);
    assert.match(svg, /Router &amp; HAProxy &lt;compared&gt;/);
    assert.equal((svg.match(/<rect [^>]*fill="#(?!fff)/g) ?? []).length, 2);
  });

  it('draws a line chart with a log x axis, a legend and both axis labels', () => {
    const svg = lineChart({
      title: 'Fan-out time by fleet size',
      xLabel: 'vehicles',
      yLabel: 'seconds',
      logX: true,
      lines: [
        {
          name: 'Roadcast: total',
          points: [
            { x: 10_000, y: 0.4 },
            { x: 100_000, y: 3.9 },
            { x: 1_000_000, y: 41 },
          ],
        },
        {
          name: 'baseline',
          points: [
            { x: 10_000, y: 0.2 },
            { x: 1_000_000, y: 20 },
          ],
        },
      ],
    });
    assert.deepEqual(xmlProblems(svg), []);
    assert.match(svg, />vehicles<\/text>/);
    assert.match(svg, />seconds<\/text>/);
    assert.match(svg, />1M<\/text>/);
    assert.match(svg, />Roadcast: total<\/text>/);
    assert.equal((svg.match(/<circle /g) ?? []).length, 5);
  });

  it('still draws a valid chart when there is nothing or only NaN to draw', () => {
    assert.deepEqual(
      xmlProblems(barChart({ title: 't', categoryLabel: 'c', valueLabel: 'v', bars: [] })),
      [],
    );
    assert.deepEqual(
      xmlProblems(
        lineChart({
          title: 't',
          xLabel: 'x',
          yLabel: 'y',
          lines: [{ name: 'n', points: [{ x: 1, y: NaN }] }],
        }),
      ),
      [],
    );
  });

  it('chooses round tick steps that cover the range', () => {
    assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0, 43_000), [0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    const ticks = niceTicks(3, 3);
    assert.ok((ticks[0] ?? Infinity) <= 3 && (ticks[ticks.length - 1] ?? -Infinity) >= 3);
  });

  it('is caught by the well-formedness check when a tag is left open', () => {
    assert.notDeepEqual(xmlProblems('<svg><g></svg>'), []);
    assert.notDeepEqual(xmlProblems('<svg><text>a & b</text></svg>'), []);
  });
});

describe('SVG line chart axes', () => {
  it('starts a log axis at the smallest decade drawn, not at 1', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'vehicles',
      yLabel: 's',
      logX: true,
      lines: [
        {
          name: 'n',
          points: [
            { x: 10_000, y: 1 },
            { x: 1_000_000, y: 90 },
          ],
        },
      ],
    });
    assert.match(svg, />10k<\/text>/);
    assert.doesNotMatch(svg, />1,000<\/text>/);
  });

  it('draws an empty log chart without points', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      logX: true,
      lines: [{ name: 'n', points: [] }],
    });
    assert.deepEqual(xmlProblems(svg), []);
  });
});
