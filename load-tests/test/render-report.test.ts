import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderReport } from '../src/report/render-report.js';
import { PRODUCT_TARGETS } from '../src/report/product-targets.js';
import type { CpuWindow, Measurement } from '../src/scenario.js';
import { outcome, rateSeries, result, suite } from './fixtures.js';

const routerCpu = (router: number, haproxy: number): Measurement => ({
  name: 'proxy CPU per relayed message',
  value: router,
  unit: 'µs',
  baseline: { name: 'HAProxy', value: haproxy },
  ratio: router / haproxy,
  target: '<= 1.5x HAProxy',
  targetId: 'router-cpu',
});

const relayWindow = (routerUs: number): CpuWindow => ({
  name: 'relay through the router',
  unit: 'relayed message',
  units: 10_000,
  wallS: 3,
  processes: [
    { name: 'router', role: 'roadcast', cpuS: routerUs / 100, usPerUnit: routerUs, processes: 1 },
    { name: 'mosquitto', role: 'service', cpuS: 0.12, usPerUnit: 12, processes: 1 },
  ],
  machineCpuS: 5.8,
  otherCpuS: 0.1,
});

const routerRun = (router: number, haproxy = 20) =>
  result('router-throughput', [routerCpu(router, haproxy)], { cpu: [relayWindow(router)] });

describe('report', () => {
  it('pairs each product target with the measurement that names it, with its margin', () => {
    const { markdown } = renderReport(suite([outcome('router-throughput', [routerRun(40)])]));
    assert.match(
      markdown,
      /Router CPU per relayed message ≤ 1\.5× HAProxy’s \(same run\) \| router-throughput: proxy CPU per relayed message \| 2\.00× HAProxy · 40 µs \| \*\*missed by 33 % \(needs ≤ 1\.50×\)\*\*/,
    );
  });

  it('gives every product target a row, and no figure to a target no run measured', () => {
    const { markdown } = renderReport(suite([outcome('router-throughput', [routerRun(25)])]));
    const rows = markdown
      .split('\n')
      .filter((l) => PRODUCT_TARGETS.some((t) => l.startsWith(`| ${t.text} |`)));
    assert.equal(rows.length, PRODUCT_TARGETS.length);
    for (const row of rows) {
      if (row.includes('router-throughput: ')) continue;
      assert.match(row, /\| — \| not measured: /, row);
    }
  });

  it('puts CPU per unit of work of each process first, then the other figures', () => {
    const { markdown } = renderReport(suite([outcome('router-throughput', [routerRun(40)])]));
    const section = markdown.slice(markdown.indexOf('## router-throughput'));
    assert.ok(section.indexOf('CPU per unit of work') < section.indexOf('| Measurement |'));
    assert.match(
      section,
      /\| relay through the router \(per relayed message; 10,000 in 3 s\) \| router \| Roadcast \| 40 µs \| 0\.40 s \|/,
    );
    assert.match(section, /\|  \| mosquitto \| shared service \| 12 µs \| 0\.12 s \|/);
    assert.match(
      section,
      /\|  \| everything else on the machine \| other activity \| — \| 0\.10 s of 5\.8 s busy \|/,
    );
  });

  it('records the machine and the run every figure comes from', () => {
    const { markdown } = renderReport(suite([outcome('router-throughput', [routerRun(45)])]));
    assert.match(
      markdown,
      /Machine \(read when the run started\): 2 × Test CPU, 8 GiB memory, kernel .*Node v20\.20\.0/,
    );
    assert.match(
      markdown,
      /- Run: `npm run bench -- all`, 2026-11-21T10:00:00\.000Z to 2026-11-21T10:05:00\.000Z/,
    );
    assert.match(markdown, /nothing was added or edited by hand/);
  });

  it('names each run of a merged report with its command and the scenarios it supplied', () => {
    const { markdown } = renderReport(
      suite([outcome('router-throughput', [routerRun(45)])], {
        merged: [
          {
            command: 'npm run bench -- router-throughput',
            startedAt: 'A',
            finishedAt: 'B',
            scenarios: ['router-throughput'],
          },
          { command: 'npm run bench -- scaling', startedAt: 'C', finishedAt: 'D', scenarios: [] },
        ],
      }),
    );
    assert.match(markdown, /joins 2 runs on this machine/);
    assert.match(markdown, /`npm run bench -- router-throughput`, A to B: router-throughput/);
    assert.match(markdown, /`npm run bench -- scaling`, C to D: no scenario kept/);
  });

  it('says how many times each merged run repeated its scenarios', () => {
    const { markdown } = renderReport(
      suite([outcome('router-throughput', [routerRun(45)])], {
        merged: [
          {
            command: 'npm run bench -- router-throughput --repeat 3',
            repeat: 3,
            startedAt: 'A',
            finishedAt: 'B',
            scenarios: ['router-throughput'],
          },
          {
            command: 'npm run bench -- scaling',
            repeat: 1,
            startedAt: 'C',
            finishedAt: 'D',
            scenarios: ['scaling'],
          },
        ],
      }),
    );
    assert.match(markdown, /`npm run bench -- router-throughput --repeat 3`, A to B, 3 repeats:/);
    assert.match(markdown, /`npm run bench -- scaling`, C to D, 1 repeat: scaling/);
    assert.match(markdown, /- Repeats: as each run above says/);
    assert.doesNotMatch(markdown, /- Repeats: 1\n/);
  });

  it('shows median and min–max when a scenario ran more than once', () => {
    const runs = [25, 40, 28].map((v) => routerRun(v));
    const { markdown } = renderReport(suite([outcome('router-throughput', runs)]));
    assert.match(
      markdown,
      /\| proxy CPU per relayed message \| 1\.40× \(1\.25×–2\.00×\) \| 28 \(25–40\) µs/,
    );
    assert.match(markdown, /\(2 of 3 runs met it\)/);
    assert.match(markdown, /\| router \| Roadcast \| 28 µs \(25 µs–40 µs\) \|/);
  });

  it('does not score a run its load generator could not drive, and says why', () => {
    const p99 = (value: number, unscored?: string): Measurement => ({
      name: 'campaign status p99',
      value,
      unit: 'ms',
      target: '<= 25 ms',
      goal: { compare: '<=', threshold: 25 },
      targetId: 'api-status-p99',
      ...(unscored ? { unscored } : {}),
    });
    const all = renderReport(
      suite([outcome('api', [result('api', [p99(12, 'sent only 60 % on time')])])]),
    );
    assert.match(all.markdown, /\*\*not scored: sent only 60 % on time\*\*/);
    assert.doesNotMatch(all.markdown, /\bmet\b.*campaign status p99/);
    const some = renderReport(
      suite([
        outcome('api', [
          result('api', [p99(30, 'late')]),
          result('api', [p99(12)]),
          result('api', [p99(14)]),
        ]),
      ]),
    );
    assert.match(
      some.markdown,
      /met, 48 % to spare \(needs ≤ 25 ms\) \(2 of 2 runs met it\) \(1 of 3 runs not scored: late\)/,
    );
  });

  it('reports a difference inside its noise band as within noise, never as met', () => {
    const added: Measurement = {
      name: 'p99 added by the router',
      value: -0.2,
      unit: 'ms',
      noise: 0.5,
    };
    const { markdown } = renderReport(
      suite([outcome('router-throughput', [result('router-throughput', [added])])]),
    );
    assert.match(
      markdown,
      /\| p99 added by the router \| — \| -0\.20 ms \| — \| — \| within noise \(±0\.50 ms\) \|/,
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
      /Fan-out: bridge ≤ 80 µs of CPU per notice \| fanout \| — \| not measured: fanout failed \|/,
    );
    assert.match(report.markdown, /not measured: tunnel-storm has not landed/);
    assert.match(report.markdown, /not measured: acks did not load/);
    assert.match(report.markdown, /not measured: router-throughput was not run/);
    assert.match(report.markdown, /broker refused/);
    assert.match(report.markdown, /- scaling: exists but was not run this time\./);
  });

  it('links one well-formed chart per ratio set and per series', async () => {
    const { xmlProblems } = await import('./xml-check.js');
    const report = renderReport(
      suite([
        outcome('router-throughput', [routerRun(40)]),
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

  it('charts how close each measured product target is, with 1 meaning exactly met', () => {
    const report = renderReport(suite([outcome('router-throughput', [routerRun(40)])]));
    const chart = report.charts.find((c) => c.file === 'targets.svg');
    assert.ok(chart);
    assert.match(chart.svg, />Router CPU per relayed message ≤ 1\.5× HAP…<\/text>/);
    assert.doesNotMatch(chart.svg, /Tunnel storm/);
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
