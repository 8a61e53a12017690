import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '@roadcast/contracts';
import { API_ERRORS, isApiErrorCode, type ApiErrorCode } from '../errors.js';
import { unavailableDependency } from '../services/dependency-errors.js';
import { DependencyUnavailableError } from '../services/dependency-health.js';

const BY_STATUS: Record<number, ApiErrorCode> = {
  400: 'ROADCAST_ERR_VALIDATION',
  401: 'ROADCAST_ERR_UNAUTHORIZED',
  403: 'ROADCAST_ERR_FORBIDDEN',
  404: 'ROADCAST_ERR_NOT_FOUND',
  405: 'ROADCAST_ERR_METHOD_NOT_ALLOWED',
  409: 'ROADCAST_ERR_CONFLICT',
  413: 'ROADCAST_ERR_PAYLOAD_TOO_LARGE',
  415: 'ROADCAST_ERR_UNSUPPORTED_MEDIA_TYPE',
  429: 'ROADCAST_ERR_RATE_LIMITED',
};

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  body: Omit<ErrorBody, 'requestId'>,
) {
  return reply
    .status(status)
    .type('application/json')
    .send({ ...body, requestId: String(request.id) });
}

/**
 * One place that turns every failure into `{code, message, requestId}`: coded errors keep
 * their code and status, validation problems list their paths, and any 5xx says nothing
 * about what went wrong inside (it is logged with the request id instead). A dependency
 * that is unavailable is a 503 with Retry-After naming it, counted and logged once per
 * interval by the dependency health rather than once per request.
 */
export default fp(
  async (app) => {
    const health = app.deps.health;
    app.setErrorHandler((error: FastifyError & { details?: unknown }, request, reply) => {
      const dependency =
        error instanceof DependencyUnavailableError
          ? error.dependency
          : unavailableDependency(error);
      if (dependency) {
        health.reportFailure(dependency, error);
        const unavailable = new DependencyUnavailableError(dependency);
        reply.header('retry-after', health.retryAfterSeconds);
        return send(reply, request, 503, {
          code: unavailable.code,
          message: unavailable.message,
          dependency,
        });
      }
      const validation = error.validation;
      if (validation) {
        return send(reply, request, 400, {
          code: 'ROADCAST_ERR_VALIDATION',
          message: 'the request is not valid',
          details: validation.slice(0, 20).map((v) => ({
            path: `${error.validationContext ?? 'body'}${v.instancePath || ''}`,
            message: v.message ?? 'invalid',
          })),
        });
      }
      const code = (error as { code?: unknown }).code;
      // Coded 5xx errors (an overloaded process) say nothing internal either.
      if (isApiErrorCode(code) && (API_ERRORS[code] < 500 || API_ERRORS[code] === 503)) {
        const details = Array.isArray(error.details)
          ? (error.details as ErrorBody['details'])
          : undefined;
        return send(reply, request, API_ERRORS[code], {
          code,
          message: error.message,
          ...(details ? { details } : {}),
        });
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        const mapped =
          code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
            ? 'ROADCAST_ERR_MALFORMED_JSON'
            : (BY_STATUS[status] ?? 'ROADCAST_ERR_VALIDATION');
        return send(reply, request, BY_STATUS[status] ? status : 400, {
          code: mapped,
          message: error.message,
        });
      }
      request.log.error({ err: error }, 'request failed');
      const unavailable = status === 503;
      return send(reply, request, unavailable ? 503 : 500, {
        code: unavailable ? 'ROADCAST_ERR_UNAVAILABLE' : 'ROADCAST_ERR_INTERNAL',
        message: unavailable ? 'a dependency is unavailable; try again' : 'internal error',
      });
    });
    app.setNotFoundHandler((request, reply) =>
      send(reply, request, 404, {
        code: 'ROADCAST_ERR_NOT_FOUND',
        message: `no route ${request.method} ${request.url.split('?')[0]}`,
      }),
    );
  },
  { name: 'roadcast-error-handler', dependencies: ['roadcast-deps'] },
);
