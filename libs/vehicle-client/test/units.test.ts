import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  FileNoticeStore,
  ReconnectBackoff,
  compareVersions,
  type NoticeRecord,
} from '../src/index.js';

test('compareVersions orders numeric parts as numbers and longer versions after their prefix', () => {
  assert.ok(compareVersions('1.10.0', '1.9.9') > 0);
  assert.ok(compareVersions('2.0', '2.0.1') < 0);
  assert.equal(compareVersions('3.1.4', '3.1.4'), 0);
  assert.ok(compareVersions('1.0.0-rc2', '1.0.0-rc1') > 0);
});

test('reconnect backoff grows exponentially up to its ceiling and resets', () => {
  const backoff = new ReconnectBackoff({ initialMs: 100, maxMs: 1_000, random: () => 0.999999 });
  assert.deepEqual(
    [1, 2, 3, 4, 5].map(() => backoff.next()),
    [100, 200, 400, 800, 1_000],
  );
  backoff.reset();
  assert.equal(backoff.next(), 100);
  const low = new ReconnectBackoff({ initialMs: 100, maxMs: 1_000, random: () => 0 });
  assert.equal(low.next(), 0, 'full jitter spreads reconnects down to zero');
});

const record = (n: number): NoticeRecord => ({
  noticeId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  campaignId: '00000000-0000-4000-8000-000000000000',
  type: 'update',
  updateId: 'u',
  version: '1',
  state: 'received',
  receivedAt: new Date(0).toISOString(),
});

test('file notice store survives reopening and trims the oldest records', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadcast-notice-store-'));
  try {
    const file = join(dir, 'nested', 'notices.json');
    const store = new FileNoticeStore(file, { maxRecords: 2 });
    await store.open();
    await Promise.all([store.put(record(1)), store.put(record(2)), store.put(record(3))]);
    await store.put({ ...record(2), state: 'installed' });
    await store.close();
    const reopened = new FileNoticeStore(file, { maxRecords: 2 });
    await reopened.open();
    assert.deepEqual(
      reopened.list().map((r) => [r.noticeId.slice(-1), r.state]),
      [
        ['3', 'received'],
        ['2', 'installed'],
      ],
    );
    assert.equal(reopened.get(record(1).noticeId), undefined);
    assert.ok(JSON.parse(await readFile(file, 'utf8')).records.length === 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
