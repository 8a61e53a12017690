import type { PeerCertificate, TLSSocket } from 'node:tls';

export type IdentitySource = 'cn' | 'san:dns' | 'san:uri';

export interface VehicleIdentity {
  vehicleId: string;
  /** Policy role: the certificate's OU when the policy defines it, else `vehicle`. */
  role: string;
  fingerprint: string;
}

export type IdentityResult =
  | { ok: true; identity: VehicleIdentity }
  | {
      ok: false;
      problem: 'no-certificate' | 'certificate-rejected' | 'no-vehicle-id' | 'bad-vehicle-id';
      detail?: string;
      vehicleId?: string;
    };

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** SAN entries of one kind, from node's `DNS:a, URI:b` text. */
function subjectAltNames(cert: PeerCertificate, kind: 'DNS' | 'URI'): string[] {
  return (cert.subjectaltname ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith(`${kind}:`))
    .map((entry) => entry.slice(kind.length + 1));
}

/** The vehicle id a certificate names, from its CN or a SAN (URI SANs may be `urn:…:<id>`). */
export function vehicleIdFromCertificate(
  cert: PeerCertificate,
  source: IdentitySource,
): string | undefined {
  if (source === 'cn') return firstValue(cert.subject?.CN);
  if (source === 'san:dns') return subjectAltNames(cert, 'DNS')[0];
  const uri = subjectAltNames(cert, 'URI')[0];
  return uri?.split(':').pop();
}

/**
 * Who is on the other end of a TLS connection. The handshake accepts any certificate so
 * that a refusal can be answered in MQTT terms, counted and logged with the vehicle id; this
 * is where a certificate the fleet CA did not issue, or that is expired or revoked, is refused.
 */
export function identifyVehicle(
  socket: TLSSocket,
  options: { source: IdentitySource; idPattern: RegExp; hasRole: (role: string) => boolean },
): IdentityResult {
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return { ok: false, problem: 'no-certificate' };
  const vehicleId = vehicleIdFromCertificate(cert, options.source);
  if (!socket.authorized) {
    const detail =
      socket.authorizationError instanceof Error
        ? socket.authorizationError.message
        : String(socket.authorizationError);
    return {
      ok: false,
      problem: 'certificate-rejected',
      detail,
      ...(vehicleId ? { vehicleId } : {}),
    };
  }
  // A resumed TLS session is not verified again, and its certificate may have expired since
  // the full handshake: the validity period is checked on every connection.
  const now = Date.now();
  if (!(Date.parse(cert.valid_from) <= now && now <= Date.parse(cert.valid_to))) {
    return {
      ok: false,
      problem: 'certificate-rejected',
      detail: 'certificate is not valid now',
      ...(vehicleId ? { vehicleId } : {}),
    };
  }
  if (!vehicleId) return { ok: false, problem: 'no-vehicle-id' };
  if (!options.idPattern.test(vehicleId))
    return { ok: false, problem: 'bad-vehicle-id', vehicleId };
  const ou = firstValue(cert.subject?.OU);
  const role = ou && ou !== 'vehicle' && options.hasRole(ou) ? ou : 'vehicle';
  return { ok: true, identity: { vehicleId, role, fingerprint: cert.fingerprint256 } };
}
