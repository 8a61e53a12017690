import type { AppName } from './app-process.js';

export interface PoolSpec {
  id: string;
  /** Number of Mosquitto brokers in the pool. */
  brokers: number;
  weight?: number;
}

/** Two pools, three brokers: the smallest layout that exercises pool and broker failover. */
export const DEFAULT_POOLS: PoolSpec[] = [
  { id: 'pool-a', brokers: 2 },
  { id: 'pool-b', brokers: 1 },
];

export const ALL_APPS: AppName[] = ['api', 'tracker', 'bridge', 'router'];

export interface StackPorts {
  api: number;
  routerTls: number;
  routerAdmin: number;
  bridgeAdmin: number;
  trackerAdmin: number;
  /** The core broker, then every edge broker in pool order. */
  brokers: number[];
}

/** The documented local addresses (README): api 3000, router 8883/9883, brokers 18830-18839. */
export const LOCAL_PORTS: StackPorts = {
  api: 3000,
  routerTls: 8883,
  routerAdmin: 9883,
  bridgeAdmin: 9884,
  trackerAdmin: 9885,
  brokers: [18830, 18831, 18832, 18833, 18834, 18835, 18836, 18837, 18838, 18839],
};
