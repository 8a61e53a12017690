import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import { createDb, type Db } from '@roadcast/db';
import {
  createTestDatabase,
  startMosquitto,
  type MosquittoBroker,
  type TestDatabase,
} from '@roadcast/testing';
import { deleteKeys, registerBroker } from './fixtures.js';

/** What an ack test runs against: its own database with one edge broker, Redis, a fleet client. */
export interface AckWorld {
  database: TestDatabase;
  db: Db;
  broker: MosquittoBroker;
  redis: Redis;
  /** One MQTT client on the edge broker that publishes acks for any vehicle. */
  vehicles: MqttClient;
  /** Closes everything and removes the Redis keys under `prefix`. */
  close(prefix: string): Promise<void>;
}

export async function startAckWorld(label: string): Promise<AckWorld> {
  const database = await createTestDatabase({ label });
  const db = createDb(database.url);
  const broker = await startMosquitto();
  await registerBroker(db.pool, 'edge-a', broker.url);
  const redis = new Redis('redis://127.0.0.1:6379');
  // One client stands in for many vehicles, so it needs the observer's rights on every topic.
  const vehicles = await mqtt.connectAsync(broker.url, {
    clientId: `fleet-${randomUUID()}`,
    protocolVersion: 5,
    ...broker.credentials('observer'),
  });
  return {
    database,
    db,
    broker,
    redis,
    vehicles,
    async close(prefix) {
      await vehicles.endAsync();
      await deleteKeys(redis, prefix);
      await redis.quit();
      await broker.stop();
      await db.close();
      await database.drop();
    },
  };
}
