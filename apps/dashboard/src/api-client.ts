import { ApiRequestError, errorFromResponse } from './api-error.js';

export type Role = 'viewer' | 'operator' | 'admin';

/** The REST API of this origin, called with the operator's key. */
export class ApiClient {
  constructor(readonly key: string) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.key}`, accept: 'application/json', ...extra };
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ApiRequestError(0, 'NETWORK', 'the API cannot be reached');
    }
    if (!res.ok) throw await errorFromResponse(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  /**
   * Checks the key and finds out whether it may do admin work. The API has no "who am I":
   * listing API keys needs the admin role, so its answer tells admin keys apart. Operator
   * and viewer keys both see operator actions; the API refuses what a viewer may not do.
   */
  async role(): Promise<Role> {
    await this.get('/v1/campaigns?limit=1');
    try {
      await this.get('/v1/api-keys');
      return 'admin';
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 403) return 'operator';
      throw err;
    }
  }
}
