import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import {
  ApiSettings,
  BridgeSettings,
  ConfigError,
  RouterSettings,
  TrackerSettings,
  loadConfig,
  settingsReference,
} from '../src/index.js';

describe('loadConfig', () => {
  it('gives every app a working local configuration with no environment at all', () => {
    for (const schema of [ApiSettings, BridgeSettings, RouterSettings, TrackerSettings]) {
      const settings = loadConfig(schema, { env: {} }) as Record<string, unknown>;
      assert.equal(settings.DATABASE_URL, 'postgresql://postgres@127.0.0.1:5432/roadcast');
      assert.equal(settings.REDIS_URL, 'redis://127.0.0.1:6379');
    }
  });

  it('converts numbers from strings', () => {
    const settings = loadConfig(ApiSettings, { env: { API_PORT: '4100' } });
    assert.equal(settings.API_PORT, 4100);
  });

  it('lists every problem at once', () => {
    assert.throws(
      () =>
        loadConfig(ApiSettings, {
          env: { API_PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', ADMIN_API_KEY: 'short' },
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.problems.map((p) => p.name).sort(), [
          'ADMIN_API_KEY',
          'API_PORT',
          'DATABASE_URL',
          'LOG_LEVEL',
        ]);
        assert.match(err.message, /4 problems/);
        assert.match(err.message, /API_PORT: .*"eighty"/);
        return true;
      },
    );
  });

  it('reports a required setting without a default as required', () => {
    const schema = Type.Object({ SIGNING_KEY_FILE: Type.String({ description: 'key' }) });
    assert.throws(() => loadConfig(schema, { env: {} }), /SIGNING_KEY_FILE: is required/);
  });

  it('reads a .env file, and the environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roadcast-config-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'API_PORT=4200\nAPI_HOST=0.0.0.0\n');
    const settings = loadConfig(ApiSettings, { env: { API_PORT: '4300' }, dotenvPath: file });
    assert.equal(settings.API_PORT, 4300);
    assert.equal(settings.API_HOST, '0.0.0.0');
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig(ApiSettings, { env: { API_PORT: '' } }).API_PORT, 3000);
  });

  it('documents every setting for the README', () => {
    const docs = settingsReference(RouterSettings);
    const tls = docs.find((d) => d.name === 'ROUTER_TLS_PORT');
    assert.deepEqual(tls, {
      name: 'ROUTER_TLS_PORT',
      description: 'MQTT over TLS listener for vehicles',
      default: '8883',
      required: false,
    });
    assert.ok(docs.every((d) => d.description.length > 0), 'every setting has a description');
  });
});
