import { encodePacket, type IConnackPacket, type IConnectPacket } from '@roadcast/mqtt';
import type { RouterPolicy } from '@roadcast/policy';
import { isRoadcastError } from '@roadcast/contracts';
import {
  NoActivePool,
  rankBrokers,
  rendezvousPick,
  type EdgeBrokerInfo,
  type EdgePoolInfo,
} from '@roadcast/routing';
import type { Refusal } from './refusals.js';
import { openUpstream, type UpstreamSession } from './upstream.js';
import type { RelayConnection } from './relay-connection.js';

/** Who the vehicle is, checked against the certificate and the policy; a refusal or the id and role. */
function authenticate(
  conn: RelayConnection,
  connect: IConnectPacket,
): Refusal | { vehicleId: string; role: string } {
  const { policy, topics } = conn.ctx.policy.current;
  let vehicleId: string;
  let role = 'vehicle';
  if (conn.tlsIdentity) {
    if (!conn.tlsIdentity.ok) return conn.tlsIdentity.problem;
    vehicleId = conn.tlsIdentity.identity.vehicleId;
    role = conn.tlsIdentity.identity.role;
  } else {
    // Plain development listener: nothing to check the client id against.
    vehicleId = connect.clientId;
    if (!conn.ctx.identity.idPattern.test(vehicleId)) return 'bad-vehicle-id';
  }
  conn.identify(vehicleId, role);
  if (
    policy.identity.clientIdMustMatch &&
    connect.clientId !== '' &&
    connect.clientId !== vehicleId
  )
    return 'client-id-mismatch';
  if (policy.identity.usernameMustMatch && connect.username && connect.username !== vehicleId)
    return 'username-mismatch';
  if (connect.will && topics.publish(role, vehicleId, connect.will.topic) !== 'allowed')
    return 'will-not-authorized';
  return { vehicleId, role };
}

/**
 * The keep alive the session runs with: the vehicle's, within the policy's bounds. 0 (no
 * keep alive) or above the maximum becomes the maximum, below the minimum the minimum; 5.0
 * is told so in CONNACK (Server Keep Alive), 3.1.1 cannot be and is refused (null).
 */
function keepAliveFor(requested: number, version: 4 | 5, policy: RouterPolicy): number | null {
  const { minKeepAliveSeconds: min, maxKeepAliveSeconds: max } = policy.protocol;
  const effective = requested === 0 || requested > max ? max : Math.max(requested, min);
  return effective === requested || version === 5 ? effective : null;
}

/**
 * The vehicle's pool; a vehicle of a draining or down pool is moved to an active one. The
 * lookup itself falls back to Postgres and then to rendezvous hashing when Redis is away.
 */
async function poolOf(conn: RelayConnection, vehicleId: string): Promise<EdgePoolInfo | undefined> {
  const { sticky, topology } = conn.ctx;
  const poolId = await sticky.poolFor(vehicleId).catch((err: unknown) => {
    if (isRoadcastError(err, NoActivePool.code)) return undefined;
    throw err;
  });
  if (poolId === undefined) return undefined;
  let pool = topology.pool(poolId);
  if (!pool) {
    await topology
      .refresh()
      .catch((err: unknown) => conn.log.warn({ err }, 'topology not refreshed'));
    pool = topology.pool(poolId);
  }
  if (pool?.state === 'active') return pool;
  const next = rendezvousPick(
    vehicleId,
    topology.pools().filter((p) => p.state === 'active'),
  );
  if (!next) return undefined;
  await sticky
    .move(vehicleId, next.id)
    .catch((err: unknown) => conn.log.warn({ err, poolId: next.id }, 'could not store the move'));
  conn.log.info({ from: poolId, to: next.id }, 'moved off an inactive pool');
  return next;
}

/**
 * CONNECT accepted by policy → pool → broker (rendezvous, failing over in rank order) →
 * the broker's CONNACK goes back to the vehicle and the relay starts.
 */
export async function establishSession(
  conn: RelayConnection,
  connect: IConnectPacket,
): Promise<void> {
  const started = process.hrtime.bigint();
  const version = connect.protocolVersion;
  if (version === 4 || version === 5) conn.protocolVersion = version;
  else return conn.refuse('unsupported-protocol', `protocol level ${String(version)}`);
  if (conn.admission) return conn.refuse(conn.admission);
  const who = authenticate(conn, connect);
  if (typeof who === 'string') return conn.refuse(who);
  if (conn.ctx.isStopping()) return conn.refuse('shutting-down');
  const requestedKeepAlive = connect.keepalive ?? 0;
  const keepAlive = keepAliveFor(requestedKeepAlive, version, conn.ctx.policy.current.policy);
  if (keepAlive === null)
    return conn.refuse('keep-alive-not-allowed', `keep alive ${requestedKeepAlive} s`);
  if (!conn.beginConnecting(keepAlive)) return;

  const pool = await poolOf(conn, who.vehicleId);
  if (!pool) return conn.refuse('no-broker', 'no active pool');
  conn.poolId = pool.id;
  const { health } = conn.ctx;
  const ranked = rankBrokers(who.vehicleId, pool);
  // Healthy brokers in rank order, then the ones recently down, as a last resort.
  const candidates = [
    ...ranked.filter((b) => health.isHealthy(b.id)),
    ...ranked.filter((b) => !health.isHealthy(b.id)),
  ];
  const connectForBroker = brokerConnect(conn, connect, who.vehicleId, keepAlive);
  let session: UpstreamSession | undefined;
  let broker: EdgeBrokerInfo | undefined;
  for (const candidate of candidates) {
    if (conn.state === 'closed') return;
    try {
      session = await openUpstream({
        url: candidate.url,
        connect: connectForBroker,
        protocolVersion: conn.protocolVersion as 4 | 5,
        timeoutMs: conn.ctx.broker.connectTimeoutMs,
      });
      broker = candidate;
      health.markUp(candidate.id);
      break;
    } catch (err) {
      health.markDown(candidate.id);
      conn.ctx.metrics.brokerFailures.inc({ broker: candidate.id });
      conn.log.warn(
        { brokerId: candidate.id, err: (err as Error).message },
        'broker unreachable; trying the next',
      );
    }
  }
  if (!session || !broker)
    return conn.refuse('no-broker', `no reachable broker in pool ${pool.id}`);
  if (conn.state === 'closed') {
    session.socket.destroy();
    return;
  }
  const accepted = (session.connack.reasonCode ?? session.connack.returnCode ?? 0) === 0;
  if (!accepted) {
    // The broker's own refusal is the answer the vehicle gets.
    conn.log.warn(
      { brokerId: broker.id, code: session.connack.reasonCode ?? session.connack.returnCode },
      'broker refused the session',
    );
    session.socket.destroy();
    conn.close('broker-refused', undefined, session.connackRaw);
    return;
  }
  conn.startRelay(session, broker, connackForVehicle(conn, connect, session, keepAlive));
  const ctx = conn.ctx;
  ctx.metrics.accepted.inc();
  ctx.metrics.connectSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  const sessionPresent = session.connack.sessionPresent;
  ctx.logger.info(
    {
      ...conn.logFields(),
      brokerId: broker.id,
      poolId: pool.id,
      sessionPresent,
      protocolVersion: conn.protocolVersion,
    },
    'relaying',
  );
  conn.notePresence(
    ctx.presence.record({
      vehicleId: who.vehicleId,
      brokerId: broker.id,
      poolId: pool.id,
      routerId: ctx.routerId,
      connectionId: conn.id,
      connectedAt: new Date().toISOString(),
      sessionPresent,
      protocolVersion: conn.protocolVersion as 4 | 5,
    }),
  );
}

/**
 * The CONNECT the broker sees: the vehicle's, with the certified id as client id, which the
 * broker's ACL confines the session to, and the router's own credentials.
 * The router holds the vehicle to its keep alive; the broker gets twice that as a safety
 * net, so that the router, which can tell the vehicle why (0x8D), is the one to end a
 * silent session.
 */
function brokerConnect(
  conn: RelayConnection,
  connect: IConnectPacket,
  vehicleId: string,
  keepAlive: number,
): Buffer {
  const { username, password } = conn.ctx.broker;
  const packet: IConnectPacket = {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: conn.protocolVersion as 4 | 5,
    clean: connect.clean ?? true,
    keepalive: Math.min(65_535, keepAlive * 2),
    clientId: vehicleId,
    username: username || vehicleId,
    ...(password ? { password } : {}),
    ...(connect.will ? { will: connect.will } : {}),
    ...(connect.properties ? { properties: connect.properties } : {}),
  };
  return encodePacket(packet, conn.protocolVersion);
}

/**
 * The broker's CONNACK, unchanged for 3.1.1. For 5.0 the router adds what it knows: the
 * assigned client id when the vehicle sent none, its own packet size limit, and the keep
 * alive it holds the vehicle to when that is not the vehicle's own.
 */
function connackForVehicle(
  conn: RelayConnection,
  connect: IConnectPacket,
  session: UpstreamSession,
  keepAlive: number,
): Buffer {
  if (conn.protocolVersion !== 5) return session.connackRaw;
  const policy = conn.ctx.policy.current.policy;
  const ours =
    (conn.vehicleId && policy.protocol.vehicleMaxPacketSize[conn.vehicleId]) ||
    policy.protocol.maxPacketSize;
  const theirs = session.connack.properties?.maximumPacketSize;
  // The broker's own Server Keep Alive answers the doubled value it was sent: not the vehicle's.
  const fromBroker = { ...session.connack.properties };
  delete fromBroker.serverKeepAlive;
  const properties: NonNullable<IConnackPacket['properties']> = {
    ...fromBroker,
    maximumPacketSize: theirs ? Math.min(theirs, ours) : ours,
    ...(keepAlive !== (connect.keepalive ?? 0) ? { serverKeepAlive: keepAlive } : {}),
    ...(connect.clientId === '' && conn.vehicleId
      ? { assignedClientIdentifier: conn.vehicleId }
      : {}),
  };
  return encodePacket({ ...session.connack, properties }, 5);
}
