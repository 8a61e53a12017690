import { sign } from 'node:crypto';
import type { LegacyNotice, Notice } from '@roadcast/contracts';
import {
  canonicalize,
  generateSigningKeyPair,
  loadSigningKey,
  type SigningKey,
} from '../src/index.js';

export const now = new Date('2026-11-21T12:00:00.000Z');

export interface TestKey {
  key: SigningKey;
  publicKeyPem: string;
}

export function testKey(keyId: string): TestKey {
  const pair = generateSigningKeyPair(keyId);
  return { key: loadSigningKey(pair.privateKeyPem, keyId), publicKeyPem: pair.publicKeyPem };
}

export function trust(...keys: TestKey[]): Map<string, string> {
  return new Map(keys.map((k) => [k.key.keyId, k.publicKeyPem]));
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export function vehicle(i: number): string {
  return `VIN${String(i).padStart(14, '0')}`;
}

/** The notice of vehicle number `i` in one campaign. */
export function sampleNotice(i: number, overrides: Partial<Notice> = {}): Notice {
  return {
    noticeId: `${hex(i, 8)}-9d0b-4c8e-9a51-${hex(i, 12)}`,
    campaignId: '0b7e2d11-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    vehicleId: vehicle(i),
    type: 'update',
    update: {
      id: 'ecu-gateway',
      version: '4.2.0',
      url: 'https://updates.example.com/ecu-gateway/4.2.0.bin',
      sha256: 'a'.repeat(64),
      size: 1_048_576,
    },
    priority: 5,
    issuedAt: '2026-11-21T11:00:00.000Z',
    expiresAt: '2026-11-28T11:00:00.000Z',
    ...overrides,
  };
}

export function batchOf(size: number): Notice[] {
  return Array.from({ length: size }, (_, i) => sampleNotice(i));
}

/** A notice of the legacy per-notice format, signed as the platform signed before batches. */
export function legacyNotice(key: SigningKey, overrides: Partial<LegacyNotice> = {}): LegacyNotice {
  const { vehicleId: _vehicleId, ...content } = sampleNotice(1);
  const unsigned = { ...content, keyId: key.keyId, ...overrides };
  const signature = sign(null, Buffer.from(canonicalize(unsigned)), key.privateKey);
  return { ...unsigned, signature: signature.toString('base64url') };
}

/** Splits a payload into its leaf text and its parsed proof, for tampering. */
export function split(payload: Buffer): { leaf: string; proof: Record<string, unknown> } {
  const text = payload.toString('utf8');
  const at = text.indexOf(',"proof":');
  return {
    leaf: text.slice('{"notice":'.length, at),
    proof: JSON.parse(text.slice(at + ',"proof":'.length, -1)) as Record<string, unknown>,
  };
}

/** Joins a leaf and a proof back into a payload, laid out as the platform lays it out. */
export function join(leaf: string, proof: Record<string, unknown>): Buffer {
  return Buffer.from(`{"notice":${leaf},"proof":${canonicalize(proof)}}`, 'utf8');
}
