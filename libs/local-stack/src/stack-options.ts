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

/**
 * Scheduling niceness of each app. The bridge and the tracker do bulk work (fan-out, ack
 * batches) that can use every core for minutes; at niceness 10 the kernel gives them roughly
 * a tenth of the CPU weight of the api and the router when the machine is saturated, so
 * operators' requests and vehicles' connections stay fast while the bulk work still gets
 * every idle cycle.
 */
export const APP_NICENESS: Record<AppName, number> = { api: 0, router: 0, bridge: 10, tracker: 10 };

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
