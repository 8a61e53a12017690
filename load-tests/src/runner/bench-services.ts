import {
  createTestDatabase,
  startMosquitto,
  type MosquittoBroker,
  type MosquittoOptions,
  type TestDatabase,
} from '@roadcast/testing';
import type { ProcessRole } from '../scenario.js';
import type { CleanupScope } from './cleanup.js';
import type { ProcessSource } from './process-cpu.js';
import { mosquittoSource } from './process-sources.js';

/**
 * Every broker and scratch database a benchmark uses comes from here, each torn down with the
 * scenario's scope. Brokers are configured as in production: no anonymous clients, the
 * production ACL of their role. Each client presents `broker.credentials(identity)` of the
 * identity it plays (an app process its `*_PASSWORD_FILE` from `platformPasswordFile()`), and a
 * worker process receives the login in its request: its own test credentials would differ.
 */

export interface BenchBroker {
  broker: MosquittoBroker;
  /** The broker's process, for CPU windows. */
  source(name: string, role?: ProcessRole): ProcessSource;
}

export async function startBenchBroker(
  scope: CleanupScope,
  options: MosquittoOptions,
): Promise<BenchBroker> {
  const broker = await startMosquitto({ persistence: false, ...options });
  scope.defer(`mosquitto ${broker.id}`, () => broker.stop());
  return { broker, source: (name, role = 'service') => mosquittoSource(name, broker, role) };
}

/** A migrated database of the scenario's own, dropped when the scope closes. */
export async function scenarioDatabase(scope: CleanupScope, label: string): Promise<TestDatabase> {
  const database = await createTestDatabase({ label });
  scope.defer(`database ${database.name}`, () => database.drop());
  return database;
}
