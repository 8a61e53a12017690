import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProxyHeader } from '../src/proxy-protocol.js';
import { bytes } from './support/bytes.js';

const SIGNATURE = '0d 0a 0d 0a 00 0d 0a 51 55 49 54 0a | signature';

const ipv4 = bytes(`
  ${SIGNATURE}
  21          | version 2, command PROXY
  11          | AF_INET, STREAM
  00 0c       | 12 bytes of addresses
  c6 33 64 07 | source 198.51.100.7
  7f 00 00 01 | destination 127.0.0.1
  d4 31       | source port 54321
  22 b3       | destination port 8883
`);

const ipv6WithTlvs = bytes(`
  ${SIGNATURE}
  21          | version 2, command PROXY
  21          | AF_INET6, STREAM
  00 2c       | 36 bytes of addresses and 8 of TLVs
  20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 07 | source 2001:db8::7
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 | destination ::1
  d4 31 22 b3 | ports
  01 00 02 68 32 | TLV ALPN "h2", skipped
  04 00 00    | TLV NOOP, empty, skipped
`);

const local = bytes(`
  ${SIGNATURE}
  20          | version 2, command LOCAL (a health check)
  00          | AF_UNSPEC
  00 00       | no addresses
`);

describe('PROXY protocol v2 header', () => {
  it('reads an IPv4 source address and the header length', () => {
    const parsed = parseProxyHeader(Buffer.concat([ipv4, Buffer.from([0x16, 0x03])]), 1_024);
    assert.deepEqual(parsed, {
      state: 'complete',
      header: { command: 'proxy', sourceAddress: '198.51.100.7', sourcePort: 54_321 },
      length: 28,
    });
  });

  it('reads an IPv6 source address and skips TLVs', () => {
    const parsed = parseProxyHeader(ipv6WithTlvs, 1_024);
    assert.equal(parsed.state, 'complete');
    assert.deepEqual(parsed.state === 'complete' && parsed.header, {
      command: 'proxy',
      sourceAddress: '2001:db8::7',
      sourcePort: 54_321,
    });
    assert.equal(parsed.state === 'complete' && parsed.length, ipv6WithTlvs.length);
  });

  it('reads LOCAL, which keeps the connection’s own address', () => {
    assert.deepEqual(parseProxyHeader(local, 1_024), {
      state: 'complete',
      header: { command: 'local' },
      length: 16,
    });
  });

  it('waits for a header split across reads, at every byte', () => {
    for (let n = 1; n < ipv4.length; n++)
      assert.equal(parseProxyHeader(ipv4.subarray(0, n), 1_024).state, 'pending', `${n} bytes`);
  });

  it('tells a TLS ClientHello from a header by its first byte', () => {
    assert.equal(parseProxyHeader(Buffer.from([0x16, 0x03, 0x01]), 1_024).state, 'absent');
  });

  const invalid: Array<[string, Buffer, number]> = [
    ['version 1 text', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n'), 1_024],
    [
      'a header longer than the bound',
      bytes(`
        ${SIGNATURE}
        21 11 | PROXY, AF_INET STREAM
        07 d0 | 2,000 bytes of addresses and TLVs
      `),
      1_024,
    ],
    [
      'version 3',
      bytes(`
        ${SIGNATURE}
        31 11 00 0c | version 3
        01 02 03 04 05 06 07 08 00 01 00 02
      `),
      1_024,
    ],
    [
      'an address block shorter than its family',
      bytes(`
        ${SIGNATURE}
        21 11 00 04 | AF_INET with 4 bytes
        01 02 03 04
      `),
      1_024,
    ],
    [
      'a TLV running past the header',
      bytes(`
        ${SIGNATURE}
        21 11 00 0f | 12 bytes of addresses, 3 of TLV
        01 02 03 04 05 06 07 08 00 01 00 02
        01 00 09    | TLV claiming 9 bytes
      `),
      1_024,
    ],
    [
      'a datagram connection',
      bytes(`
        ${SIGNATURE}
        21 12 00 0c | AF_INET, DGRAM
        01 02 03 04 05 06 07 08 00 01 00 02
      `),
      1_024,
    ],
  ];
  for (const [name, data, max] of invalid) {
    it(`refuses ${name}`, () => assert.equal(parseProxyHeader(data, max).state, 'invalid'));
  }
});
