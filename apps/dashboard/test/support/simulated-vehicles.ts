import { getTestPki } from '@roadcast/testing';
import { type Stack } from '@roadcast/local-stack';
import { SimulatedFleet } from '@roadcast/vehicle-client';

/** VIN-shaped ids (17 characters without I, O, Q) unique to this test process. */
export function vehicleIds(prefix: string, count: number): string[] {
  const run = String(process.pid % 100_000).padStart(5, '0');
  return Array.from(
    { length: count },
    (_, i) => `${prefix}${run}${String(i).padStart(12 - prefix.length, '0')}`,
  );
}

export async function registerVehicles(stack: Stack, ids: string[]): Promise<void> {
  const res = await fetch(`${stack.apiUrl}/v1/vehicles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      vehicles: ids.map((id) => ({
        id,
        model: 'Roadster',
        region: 'eu-west',
        softwareVersion: '1.0.0',
      })),
    }),
  });
  if (!res.ok) throw new Error(`registering vehicles answered ${res.status}: ${await res.text()}`);
}

/** Simulated cars with certificates from the test PKI that install what they are told. */
export async function simulatedFleet(
  stack: Stack,
  ids: string[],
  behaviour: { failureRate?: number; seed?: number; components?: string[] } = {},
): Promise<SimulatedFleet> {
  const pki = getTestPki();
  return new SimulatedFleet({
    vehicles: ids.map((vehicleId) => ({ vehicleId, tls: pki.vehicleTls(vehicleId) })),
    url: `mqtts://${stack.routerHost}:${stack.routerTlsPort}`,
    trustedKeys: new Map([[stack.signing.keyId, stack.signing.publicKeyPem]]),
    installedVersion: '1.0.0',
    stepMs: [100, 400],
    connectConcurrency: 8,
    failureRate: behaviour.failureRate ?? 0,
    seed: behaviour.seed ?? 11,
    ...(behaviour.components ? { components: behaviour.components } : {}),
  });
}

/** Calls the API as the stack's admin. */
export async function adminGet<T>(
  stack: Stack,
  path: string,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    headers: { authorization: `Bearer ${stack.adminKey}` },
  });
  return { status: res.status, body: (await res.json()) as T };
}
