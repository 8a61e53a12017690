import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { startMosquitto, type MosquittoBroker } from '@roadcast/testing';
import { MemoryNoticeStore, VehicleClient } from '../src/index.js';
import { PlatformSide, eventually, makeNotice, testSigner } from './helpers.js';

/** A TCP relay to the broker whose broker-to-vehicle direction can be held, like a dead zone. */
class HoldableRelay {
  held = false;
  private readonly pairs = new Set<[Socket, Socket]>();
  private constructor(readonly server: Server) {}

  static async start(target: number): Promise<HoldableRelay> {
    const server = createServer();
    const relay = new HoldableRelay(server);
    server.on('connection', (vehicle) => {
      const broker = connect({ host: '127.0.0.1', port: target });
      const pair: [Socket, Socket] = [vehicle, broker];
      relay.pairs.add(pair);
      vehicle.on('data', (chunk) => broker.write(chunk));
      broker.on('data', (chunk) => {
        if (!relay.held) vehicle.write(chunk);
      });
      const close = () => {
        vehicle.destroy();
        broker.destroy();
        relay.pairs.delete(pair);
      };
      vehicle.on('close', close).on('error', close);
      broker.on('close', close).on('error', close);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return relay;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const signer = testSigner();
let broker: MosquittoBroker;
let relay: HoldableRelay;
let platform: PlatformSide;

before(async () => {
  broker = await startMosquitto();
  relay = await HoldableRelay.start(broker.port);
  platform = await PlatformSide.connect(broker);
});

after(async () => {
  await platform.close();
  await relay.close();
  await broker.stop();
});

test('comes back after a clean disconnect that was cut short while a report awaited its PUBACK', async () => {
  const vehicleId = 'VCCUT000000000001';
  const client = new VehicleClient({
    vehicleId,
    url: `mqtt://127.0.0.1:${relay.port}`,
    brokerLogin: broker.credentials('router'),
    trustedKeys: signer.trustedKeys,
    store: new MemoryNoticeStore(),
    reconnect: { initialMs: 50, maxMs: 200 },
  });
  try {
    const notices: string[] = [];
    client.on('notice', (n: { noticeId: string }) => notices.push(n.noticeId));
    let connected = once(client, 'connected');
    await client.start();
    await connected;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const notice = makeNotice(signer.key, vehicleId);
    await platform.publish(vehicleId, notice);
    await eventually(() => notices.includes(notice.noticeId), 'notice received');

    // The broker's answers stop arriving: the next report waits for a PUBACK that does not
    // come, so the clean disconnect cannot finish and falls back to dropping the socket.
    relay.held = true;
    await client.report(notice.noticeId, 'downloading');
    await client.goOffline({ clean: true });
    relay.held = false;

    connected = once(client, 'connected');
    client.goOnline();
    await Promise.race([
      connected,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('the vehicle never came back')), 5_000),
      ),
    ]);
    await eventually(
      () => platform.acksOf(notice.noticeId).some((a) => a.state === 'downloading'),
      'the report held back reaches the platform after the reconnect',
    );
  } finally {
    await client.stop();
  }
});
