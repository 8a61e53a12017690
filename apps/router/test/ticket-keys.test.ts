import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseTicketKeyFile, ticketKeysFor } from '../src/tls-files.js';

describe('session-ticket keys', () => {
  const secret = randomBytes(48);
  const trust = { ca: Buffer.from('ca'), crl: Buffer.from('crl-1') };

  it('are the same in every replica that reads the same files', () => {
    const keys = ticketKeysFor(secret, trust);
    assert.equal(keys.length, 48);
    assert.deepEqual(ticketKeysFor(Buffer.from(secret), { ...trust }), keys);
  });

  it('change with the CRL, the CA and the secret, and are random without a secret', () => {
    const keys = ticketKeysFor(secret, trust);
    assert.notDeepEqual(ticketKeysFor(secret, { ...trust, crl: Buffer.from('crl-2') }), keys);
    assert.notDeepEqual(ticketKeysFor(secret, { ...trust, crl: undefined }), keys);
    assert.notDeepEqual(ticketKeysFor(secret, { ...trust, ca: Buffer.from('other') }), keys);
    assert.notDeepEqual(ticketKeysFor(randomBytes(48), trust), keys);
    assert.notDeepEqual(ticketKeysFor(undefined, trust), ticketKeysFor(undefined, trust));
  });

  it('come from a file of 48 bytes in base64 and nothing else', () => {
    assert.deepEqual(parseTicketKeyFile(`${secret.toString('base64')}\n`), secret);
    for (const bad of ['', 'short', randomBytes(32).toString('base64'), secret.toString('hex')])
      assert.throws(() => parseTicketKeyFile(bad), /48 bytes in base64/);
  });
});
