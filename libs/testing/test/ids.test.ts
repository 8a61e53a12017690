import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { freePort, uniquePrefix } from '../src/index.js';

describe('uniquePrefix', () => {
  it('never repeats and stays a valid BullMQ queue name and Redis prefix', () => {
    const names = new Set(
      Array.from({ length: 1000 }, () => uniquePrefix('Bridge fan-out: tests!')),
    );
    assert.equal(names.size, 1000);
    for (const name of names) {
      assert.match(name, /^[a-z0-9_-]{1,48}$/);
      assert.ok(name.includes('bridge-fan-out-tests'), name);
    }
  });

  it('keeps long labels within 48 characters', () => {
    assert.ok(uniquePrefix('x'.repeat(200)).length <= 48);
    assert.match(uniquePrefix(''), /^t-test-/);
  });
});

describe('freePort', () => {
  it('returns a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    assert.ok(port > 0 && port < 65536);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise((resolve) => server.close(resolve));
  });

  it('hands out ports below the ephemeral range, never the same one twice', async () => {
    const ports = await Promise.all(Array.from({ length: 200 }, () => freePort()));
    assert.equal(new Set(ports).size, ports.length);
    for (const port of ports) assert.ok(port >= 20_000 && port < 32_768, String(port));
  });
});
