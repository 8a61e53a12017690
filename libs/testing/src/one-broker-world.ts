import pg from 'pg';
import { startMosquitto, type MosquittoBroker } from './mosquitto.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface OneBrokerWorld {
  database: TestDatabase;
  /** The only broker of edge pool `pool-a`. */
  broker: MosquittoBroker;
  close(): Promise<void>;
}

/**
 * A migrated database whose edge topology is one pool, `pool-a`, of one running Mosquitto:
 * the least an app needs to start against real components.
 */
export async function startOneBrokerWorld(label: string): Promise<OneBrokerWorld> {
  const database = await createTestDatabase({ label });
  const broker = await startMosquitto({ id: `edge-${label}`, persistence: false });
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(`INSERT INTO edge_pools (id, name) VALUES ('pool-a', 'pool-a')`);
    await client.query(`INSERT INTO edge_brokers (id, pool_id, url) VALUES ($1, 'pool-a', $2)`, [
      broker.id,
      broker.url,
    ]);
  } finally {
    await client.end();
  }
  return {
    database,
    broker,
    async close() {
      await broker.stop();
      await database.drop();
    },
  };
}
