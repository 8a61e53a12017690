import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_TABLE } from '@roadcast/contracts';
import { ReasonCode } from '@roadcast/mqtt';
import { REFUSALS, REFUSAL_CODES, refusalReason } from '../src/refusals.js';

// What each answered refusal says on the wire (MQTT 5.0 section 2.4); the codes come from the
// error table, so a change there that would change an answer shows here.
const EXPECTED: Record<string, number | null> = {
  'network-denied': null,
  banned: null,
  'preauth-saturated': null,
  'preauth-address-saturated': null,
  'proxy-untrusted': null,
  'proxy-missing': null,
  'proxy-invalid': null,
  'proxy-timeout': null,
  'connect-timeout': null,
  'unsupported-protocol': ReasonCode.unsupportedProtocolVersion,
  'no-certificate': ReasonCode.notAuthorized,
  'certificate-rejected': ReasonCode.notAuthorized,
  'no-vehicle-id': ReasonCode.notAuthorized,
  'bad-vehicle-id': ReasonCode.notAuthorized,
  'client-id-mismatch': ReasonCode.clientIdentifierNotValid,
  'username-mismatch': ReasonCode.badUserNameOrPassword,
  'will-not-authorized': ReasonCode.notAuthorized,
  'connection-rate': ReasonCode.connectionRateExceeded,
  'ip-connection-rate': ReasonCode.connectionRateExceeded,
  'max-connections': ReasonCode.quotaExceeded,
  'keep-alive-not-allowed': ReasonCode.notAuthorized,
  'no-broker': ReasonCode.serverUnavailable,
  'shutting-down': ReasonCode.serverShuttingDown,
  'packet-too-large': ReasonCode.packetTooLarge,
  malformed: ReasonCode.malformedPacket,
  'protocol-error': ReasonCode.protocolError,
  'topic-name-invalid': ReasonCode.topicNameInvalid,
  'publish-not-authorized': ReasonCode.notAuthorized,
  'subscribe-not-authorized': ReasonCode.notAuthorized,
  'subscribe-invalid': ReasonCode.topicFilterInvalid,
  'shared-subscription': ReasonCode.sharedSubscriptionsNotSupported,
  'message-rate': ReasonCode.messageRateTooHigh,
};

test('every refusal answers the reason code of its error-table entry, as MQTT 5 pairs them', () => {
  assert.deepEqual(REFUSALS, EXPECTED);
  for (const [refusal, code] of Object.entries(REFUSAL_CODES)) {
    if (code === null) continue;
    assert.equal(ERROR_TABLE[code].reason, EXPECTED[refusal], refusal);
  }
  assert.equal(refusalReason('publish-not-authorized'), 0x87);
  assert.equal(refusalReason('subscribe-invalid'), 0x8f);
});
