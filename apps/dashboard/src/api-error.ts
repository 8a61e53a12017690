/** An error answer of the API (`{code, message, requestId, details?}`) or a network failure. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ReadonlyArray<{ path: string; message: string }> = [],
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }

  /** One line per problem, for showing beside a form. */
  lines(): string[] {
    if (this.details.length === 0) return [this.message];
    return [this.message, ...this.details.map((d) => `${d.path}: ${d.message}`)];
  }
}

export async function errorFromResponse(res: Response): Promise<ApiRequestError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (body && typeof body === 'object' && 'code' in body && 'message' in body) {
    const b = body as { code: string; message: string; requestId?: string; details?: unknown };
    const details = Array.isArray(b.details)
      ? (b.details as Array<{ path: string; message: string }>)
      : [];
    return new ApiRequestError(res.status, b.code, b.message, details, b.requestId);
  }
  return new ApiRequestError(res.status, 'HTTP_ERROR', `the server answered ${res.status}`);
}
