import type { CampaignCreateRequest, CampaignDetail, VehicleInput } from '@roadcast/contracts';

const VEHICLES_PER_REQUEST = 5_000;

/** The few REST calls the simulator makes, with the operator's API key. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  async registerVehicles(vehicles: VehicleInput[]): Promise<{ created: number; updated: number }> {
    const total = { created: 0, updated: 0 };
    for (let i = 0; i < vehicles.length; i += VEHICLES_PER_REQUEST) {
      const result = await this.request<{ created: number; updated: number }>(
        'POST',
        '/v1/vehicles',
        {
          vehicles: vehicles.slice(i, i + VEHICLES_PER_REQUEST),
        },
      );
      total.created += result.created;
      total.updated += result.updated;
    }
    return total;
  }

  createCampaign(request: CampaignCreateRequest): Promise<{ id: string }> {
    return this.request('POST', '/v1/campaigns', request);
  }

  getCampaign(id: string): Promise<CampaignDetail> {
    return this.request('GET', `/v1/campaigns/${encodeURIComponent(id)}`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // Not JSON: the raw start of the body says enough.
      }
      throw new Error(`${method} ${path} failed with ${response.status}: ${message}`);
    }
    return JSON.parse(text) as T;
  }
}
