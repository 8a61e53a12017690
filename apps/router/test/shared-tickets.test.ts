/**
 * Two router processes that share a ticket secret: a vehicle resumes its TLS session on
 * either, and after a new CRL no earlier session resumes anywhere, so a revoked vehicle meets
 * a full handshake and is refused.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { getTestPki } from '@roadcast/testing';
import { startStack, type Stack } from '@roadcast/local-stack';
import { RawVehicle, connectPacket } from './support/vehicle.js';

const REVOKED = 'WVWZZZ1JZXW000951';
const KEPT = 'WVWZZZ1JZXW000952';

interface Attempt {
  code: number | undefined;
  resumed: boolean;
  ticket: Buffer | undefined;
}

async function connect(port: number, vehicleId: string, session?: Buffer): Promise<Attempt> {
  const raw = await RawVehicle.open(
    port,
    getTestPki().vehicle(vehicleId),
    5,
    session ? { session } : {},
  );
  raw.sendPacket(connectPacket(vehicleId, 5));
  const connack = await raw.next('connack');
  const attempt = {
    code: connack?.cmd === 'connack' ? connack.reasonCode : undefined,
    resumed: raw.socket.isSessionReused(),
    ticket: raw.tlsSession,
  };
  raw.close();
  return attempt;
}

describe('session tickets shared by router replicas', { timeout: 120_000 }, () => {
  let stack: Stack;
  let dir: string;
  let crlFile: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roadcast-router-tickets-'));
    crlFile = join(dir, 'crl.pem');
    copyFileSync(getTestPki().crlFile, crlFile);
    const ticketKeyFile = join(dir, 'ticket.key');
    writeFileSync(ticketKeyFile, `${randomBytes(48).toString('base64')}\n`, { mode: 0o600 });
    stack = await startStack({
      label: 'tickets',
      apps: ['router'],
      routers: 2,
      pools: [{ id: 'pool-a', brokers: 1 }],
      env: {
        router: {
          TLS_CRL_FILE: crlFile,
          ROUTER_TLS_TICKET_KEY_FILE: ticketKeyFile,
          ROUTER_TLS_RELOAD_MS: '1000',
        },
      },
    });
  });
  after(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes on the other replica, and after a new CRL nowhere', async () => {
    const [a, b] = stack.routers.map((r) => r.tlsPort) as [number, number];
    const first = await connect(a, REVOKED);
    assert.deepEqual([first.code, first.resumed], [0, false]);
    assert.ok(first.ticket, 'replica A hands out a ticket');
    const onB = await connect(b, REVOKED, first.ticket);
    assert.deepEqual([onB.code, onB.resumed], [0, true], 'replica B resumes A’s session');
    const kept = await connect(a, KEPT);
    assert.ok(kept.ticket);

    const pki = getTestPki();
    writeFileSync(
      crlFile,
      pki.authority.createCrl(
        [{ serialNumber: pki.vehicle(REVOKED).serialNumber, revokedAt: new Date() }],
        { validDays: 365, crlNumber: 2 },
      ),
    );
    // Both replicas notice the file within their reload interval; until then old tickets work.
    const deadline = Date.now() + 20_000;
    let stale = [true, true];
    while (stale.some(Boolean) && Date.now() < deadline) {
      await delay(250);
      stale = [
        (await connect(a, KEPT, kept.ticket)).resumed,
        (await connect(b, KEPT, kept.ticket)).resumed,
      ];
    }
    assert.deepEqual(stale, [false, false], 'no ticket from before the CRL resumes anywhere');

    for (const port of [a, b]) {
      const revoked = await connect(port, REVOKED, onB.ticket ?? first.ticket);
      assert.deepEqual([revoked.code, revoked.resumed], [0x87, false], 'full handshake, refused');
    }
    // The replicas agree on the keys that follow the CRL.
    const fresh = await connect(a, KEPT);
    assert.deepEqual([fresh.code, fresh.resumed], [0, false]);
    const again = await connect(b, KEPT, fresh.ticket);
    assert.deepEqual([again.code, again.resumed], [0, true]);
  });
});
