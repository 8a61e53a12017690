import fp from 'fastify-plugin';

/** Headers every answer carries: nothing is content-sniffed, framed or sent as a referrer. */
export const COMMON_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

// API answers are data, never a document: no script runs in them and no cache keeps them.
const API_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
};

/**
 * Security headers on every answer, errors and 404s included. Pages that set their own
 * policy (the dashboard, the OpenAPI browser) keep it; `/v1`, health and metrics answers get
 * a policy that allows nothing and are never cached. Strict-Transport-Security belongs to
 * the TLS-terminating ingress in front of the API.
 */
export default fp(
  async (app) => {
    app.addHook('onSend', async (request, reply) => {
      for (const [name, value] of Object.entries(COMMON_SECURITY_HEADERS)) {
        if (!reply.hasHeader(name)) reply.header(name, value);
      }
      if (request.url.startsWith('/docs')) return;
      const contentType = String(reply.getHeader('content-type') ?? '');
      if (contentType.startsWith('text/html')) return;
      for (const [name, value] of Object.entries(API_HEADERS)) {
        if (!reply.hasHeader(name)) reply.header(name, value);
      }
    });
  },
  { name: 'roadcast-security-headers' },
);
