import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderReport } from '../src/report/render-report.js';
import { outcome, rateSeries, result, suite } from './fixtures.js';
import { xmlProblems } from './xml-check.js';

const routerRun = (value: number) =>
  result('router-throughput', [
    {
      name: 'relayed messages',
      value,
      unit: 'msg/s',
      baseline: { name: 'HAProxy', value: 50_000 },
      ratio: value / 50_000,
      target: '>= 0.9x HAProxy',
    },
    {
      name: 'p99 added latency',
      value: 2.2,
      unit: 'ms',
      baseline: { name: 'HAProxy', value: 1 },
      ratio: 2.2,
      target: '<= HAProxy + 1 ms',
    },
  ]);

describe('report', () => {
  it('states for each target whether it was met and by how much it was missed', () => {
    const report = renderReport(suite([outcome('router-throughput', [routerRun(40_000)])]));
    assert.match(
      report.markdown,
      /Router throughput ≥ 0\.9× HAProxy \| router-throughput: relayed messages \| 0\.80× HAProxy · 40,000 msg\/s \| \*\*missed by 11 % \(needs ≥ 0\.90×\)\*\*/,
    );
    assert.match(
      report.markdown,
      /p99 added latency ≤ HAProxy \+ 1 ms .*\*\*missed by 0\.20 ms, 10 % \(needs ≤ 2 ms\)\*\*/,
    );
  });

  it('puts the ratio before the absolute figure and records the machine', () => {
    const { markdown } = renderReport(suite([outcome('router-throughput', [routerRun(45_000)])]));
    assert.match(
      markdown,
      /\| relayed messages \| 0\.90× \| 45,000 msg\/s \| 50,000 msg\/s \(HAProxy\) \|/,
    );
    assert.match(markdown, /Machine: 2 × Test CPU, 8 GiB memory, Node v20\.20\.0/);
  });

  it('shows median and min–max when a scenario ran more than once', () => {
    const runs = [40_000, 45_000, 47_000].map(routerRun);
    const { markdown } = renderReport(suite([outcome('router-throughput', runs)]));
    assert.match(
      markdown,
      /\| relayed messages \| 0\.90× \(0\.80×–0\.94×\) \| 45,000 \(40,000–47,000\) msg\/s/,
    );
    assert.match(markdown, /\(2 of 3 runs met it\)/);
  });

  it("shows the scenario's own verdict and its words when the target has a condition", () => {
    const run = result('fanout', [
      {
        name: 'materialize 20,000 deliveries',
        value: 0.9,
        unit: 's',
        target: '<= 10 s for 1,000,000 (linear estimate 45 s)',
        met: false,
      },
    ]);
    const { markdown } = renderReport(suite([outcome('fanout', [run])]));
    assert.match(
      markdown,
      /1,000,000 deliveries materialized ≤ 10 s \| fanout: materialize 20,000 deliveries \| 0\.90 s \| \*\*missed \(judged by the scenario: <= 10 s for 1,000,000 \(linear estimate 45 s\)\)\*\*/,
    );
  });

  it('explains why a target was not measured', () => {
    const report = renderReport(
      suite([outcome('fanout', [], ['run 1: Error: broker refused'])], {
        missing: ['tunnel-storm'],
        broken: [{ file: 'acks.ts', error: 'SyntaxError: bad' }],
      }),
    );
    assert.match(
      report.markdown,
      /Fan-out ≥ 0\.5× raw publish rate \| fanout \| — \| not measured: fanout failed \|/,
    );
    assert.match(report.markdown, /not measured: tunnel-storm has not landed/);
    assert.match(report.markdown, /not measured: acks did not load/);
    assert.match(report.markdown, /not measured: router-throughput was not run/);
    assert.match(report.markdown, /broker refused/);
    assert.match(report.markdown, /- scaling: exists but was not run this time\./);
    assert.doesNotMatch(report.markdown, /- (fanout|acks|tunnel-storm): exists but was not run/);
  });

  it('links one well-formed chart per ratio set and per series', () => {
    const report = renderReport(
      suite([
        outcome('router-throughput', [routerRun(40_000)]),
        outcome('mqtt-baseline', [
          result('mqtt-baseline', [{ name: 'rate', value: 1, unit: 'msg/s' }], {
            series: [rateSeries],
          }),
        ]),
      ]),
      { chartPath: 'results' },
    );
    const linked = [...report.markdown.matchAll(/!\[[^\]]*\]\(results\/([^)]+)\)/g)].map(
      (m) => m[1],
    );
    assert.deepEqual(linked.sort(), report.charts.map((c) => c.file).sort());
    assert.ok(linked.includes('mqtt-baseline-rate.svg'));
    for (const chart of report.charts) assert.deepEqual(xmlProblems(chart.svg), [], chart.file);
  });

  it('charts how close each product target is, with 1 meaning exactly met', () => {
    const report = renderReport(suite([outcome('router-throughput', [routerRun(40_000)])]));
    const chart = report.charts.find((c) => c.file === 'targets.svg');
    assert.ok(chart);
    assert.match(report.markdown, /!\[How close each target is\]\(charts\/targets\.svg\)/);
    assert.match(chart.svg, />Router throughput ≥ 0\.9× HAProxy<\/text>/);
    assert.match(chart.svg, />Router p99 added latency ≤ HAProxy \+ 1 ms<\/text>/);
    // 0.8× against 0.9×, and 2 ms allowed against 2.2 ms measured.
    const widths = [
      ...chart.svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"[^>]*fill="#(?!fff)/g),
    ].map((m) => Number(m[1]));
    assert.equal(widths.length, 2);
    assert.ok(Math.abs((widths[1] ?? 0) / (widths[0] ?? 1) - 0.8 / 0.9 / (2 / 2.2)) < 0.01);
  });

  it('warns that smoke figures mean nothing', () => {
    const report = renderReport(
      suite([outcome('router-throughput', [routerRun(1)])], {
        settings: { repeat: 1, smoke: true },
      }),
    );
    assert.match(report.markdown, /Smoke run/);
  });
});
