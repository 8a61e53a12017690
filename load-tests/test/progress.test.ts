import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgress, renderBar } from '../src/runner/progress.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 80, write: (chunk: string) => chunks.push(chunk) > 0 };
  return { stream: stream as unknown as NodeJS.WriteStream, chunks };
}

describe('progress', () => {
  it('draws a bar for a known total and an empty track for an unknown one', () => {
    assert.equal(renderBar(1, 4, 8), '[##------]  25%');
    assert.equal(renderBar(5, 0, 4), '[····]');
    assert.equal(renderBar(9, 4, 4), '[####] 100%');
  });

  it('redraws in place on a terminal', () => {
    const { stream, chunks } = fakeStream(true);
    let t = 0;
    const progress = createProgress({ stream, now: () => t });
    progress.begin('[1/1] fanout');
    t = 500;
    progress.update(50, 100, 'publishing');
    progress.end('done');
    assert.ok(chunks.slice(0, 2).every((c) => c.startsWith('\r') && !c.includes('\n')));
    assert.match(chunks[1] ?? '', /50%.*publishing/);
    assert.match(chunks[chunks.length - 1] ?? '', /^\[1\/1\] fanout done/);
  });

  it('writes plain lines elsewhere: at a new phase or after the interval, not on every update', () => {
    const { stream, chunks } = fakeStream(false);
    let t = 0;
    const progress = createProgress({ stream, now: () => t, lineIntervalMs: 10_000 });
    progress.begin('[1/1] api');
    for (let i = 1; i <= 100; i += 1) {
      t = i * 10;
      progress.update(i, 1000, 'materializing');
    }
    t = 20_000;
    progress.update(500, 1000, 'materializing');
    progress.end('done');
    assert.ok(chunks.every((c) => !c.includes('\r') && c.endsWith('\n')));
    assert.equal(chunks.length, 4);
    assert.match(chunks[2] ?? '', /50%/);
  });
});
