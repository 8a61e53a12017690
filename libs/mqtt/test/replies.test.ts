import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ReasonCode,
  connackRefusal,
  disconnectWith,
  pubackWith,
  subackWith,
} from '../src/index.js';
import { hex } from './hex-fixture.js';

describe('router replies', () => {
  const cases: Array<[string, Buffer | null, Buffer | null]> = [
    [
      '3.1.1 CONNACK not authorized',
      connackRefusal(4, ReasonCode.notAuthorized),
      hex(`
        20 02 | CONNACK, remaining length 2
        00    | session present 0 [MQTT-3.2.2-4]
        05    | return code 5: not authorized
      `),
    ],
    [
      '3.1.1 CONNACK for a quota refusal says server unavailable',
      connackRefusal(4, ReasonCode.quotaExceeded),
      hex(`
        20 02 | CONNACK, remaining length 2
        00    | session present 0
        03    | return code 3: server unavailable
      `),
    ],
    [
      '3.1.1 has no CONNACK for an oversized CONNECT',
      connackRefusal(4, ReasonCode.packetTooLarge),
      null,
    ],
    [
      '5.0 CONNACK 0x87 not authorized',
      connackRefusal(5, ReasonCode.notAuthorized),
      hex(`
        20 03 | CONNACK, remaining length 3
        00    | session present 0
        87    | reason 0x87 not authorized
        00    | properties: none
      `),
    ],
    [
      '5.0 CONNACK 0x9F connection rate exceeded',
      connackRefusal(5, ReasonCode.connectionRateExceeded),
      hex(`
        20 03 | CONNACK, remaining length 3
        00    | session present 0
        9f    | reason 0x9F connection rate exceeded
        00    | properties: none
      `),
    ],
    [
      '5.0 DISCONNECT 0x9C use another server',
      disconnectWith(5, ReasonCode.useAnotherServer),
      hex(`
        e0 02 | DISCONNECT, remaining length 2
        9c    | reason 0x9C use another server
        00    | properties: none
      `),
    ],
    [
      '5.0 DISCONNECT 0x9D with a server reference',
      disconnectWith(5, ReasonCode.serverMoved, 'h:1'),
      hex(`
        e0 08          | DISCONNECT, remaining length 8
        9d             | reason 0x9D server moved
        06             | properties length 6
        1c 00 03 683a31 | server reference "h:1"
      `),
    ],
    [
      '3.1.1 has no DISCONNECT from the server',
      disconnectWith(4, ReasonCode.serverShuttingDown),
      null,
    ],
    [
      '3.1.1 SUBACK: granted QoS 1, failure 0x80',
      subackWith(4, 10, [1, ReasonCode.notAuthorized]),
      hex(`
        90 04 | SUBACK, remaining length 4
        00 0a | packet id 10
        01    | granted QoS 1
        80    | failure [MQTT-3.9.3-2]
      `),
    ],
    [
      '5.0 SUBACK: granted QoS 1, 0x87 not authorized',
      subackWith(5, 10, [1, ReasonCode.notAuthorized]),
      hex(`
        90 05 | SUBACK, remaining length 5
        00 0a | packet id 10
        00    | properties: none
        01    | granted QoS 1
        87    | reason 0x87 not authorized
      `),
    ],
    [
      '5.0 PUBACK 0x87 not authorized',
      pubackWith(7, ReasonCode.notAuthorized),
      hex(`
        40 04 | PUBACK, remaining length 4
        00 07 | packet id 7
        87    | reason 0x87 not authorized
        00    | properties: none
      `),
    ],
  ];
  for (const [name, actual, expected] of cases) {
    it(name, () => assert.deepEqual(actual, expected));
  }
});
