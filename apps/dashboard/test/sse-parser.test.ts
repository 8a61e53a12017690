import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser } from '../src/sse-parser.js';

test('events split across chunks at any byte come out whole, with ids kept for resume', () => {
  const text =
    'retry: 3000\n\n: heartbeat\n\nid: 1-0\nevent: campaign.progress\ndata: {"a":1}\n\n' +
    'id: 2-0\r\nevent: campaign.status\r\ndata: line one\r\ndata:line two\r\n\r\n';
  for (let size = 1; size <= text.length; size += 1) {
    const parser = new SseParser();
    const out = [];
    for (let i = 0; i < text.length; i += size) out.push(...parser.feed(text.slice(i, i + size)));
    assert.deepEqual(
      out,
      [
        { id: '1-0', event: 'campaign.progress', data: '{"a":1}' },
        { id: '2-0', event: 'campaign.status', data: 'line one\nline two' },
      ],
      `chunks of ${size}`,
    );
    assert.equal(parser.lastEventId, '2-0');
    assert.equal(parser.retryMs, 3000);
  }
});

test('comments and blank events dispatch nothing; an event without a name is a message', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.feed(': heartbeat\n\n\n'), []);
  assert.deepEqual(parser.feed('data: x\n\n'), [{ id: undefined, event: 'message', data: 'x' }]);
  assert.equal(parser.lastEventId, undefined);
});

test('a CR at the end of a chunk waits to see whether LF follows', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.feed('data: a\r'), []);
  assert.deepEqual(parser.feed('\n\r\n'), [{ id: undefined, event: 'message', data: 'a' }]);
});
