import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isRoadcastError, type ErrorBody, type RoadcastError } from '@roadcast/contracts';
import type { ApiErrorCode } from '../errors.js';
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

/**
 * The coded error `error` is, or stands for: a Roadcast error as it is, and a driver's failure
 * that means Postgres or Redis is unavailable as the dependency outage it is.
 */
function codedError(error: unknown): RoadcastError | undefined {
  if (isRoadcastError(error)) return error;
  const dependency = unavailableDependency(error);
  return dependency ? new DependencyUnavailableError(dependency) : undefined;
}

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
      const coded = codedError(error);
      if (isRoadcastError(coded, 'ROADCAST_ERR_DEPENDENCY_UNAVAILABLE')) {
        const { dependency } = coded as DependencyUnavailableError;
        health.reportFailure(dependency, error);
        reply.header('retry-after', health.retryAfterSeconds);
        return send(reply, request, coded.statusCode ?? 503, {
          code: coded.code,
          message: coded.message,
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
      // A coded error is answered with the status the error table gives its code; coded 5xx
      // errors other than 503 (nothing to retry) say nothing internal either.
      const status = coded?.statusCode;
      if (coded && status !== undefined && (status < 500 || status === 503)) {
        const details = Array.isArray(error.details)
          ? (error.details as ErrorBody['details'])
          : undefined;
        return send(reply, request, status, {
          code: coded.code,
          message: coded.message,
          ...(details ? { details } : {}),
        });
      }
      const code = (error as { code?: unknown }).code;
      const fastifyStatus = coded ? 500 : (error.statusCode ?? 500);
      if (fastifyStatus >= 400 && fastifyStatus < 500) {
        const mapped =
          code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
            ? 'ROADCAST_ERR_MALFORMED_JSON'
            : (BY_STATUS[fastifyStatus] ?? 'ROADCAST_ERR_VALIDATION');
        return send(reply, request, BY_STATUS[fastifyStatus] ? fastifyStatus : 400, {
          code: mapped,
          message: error.message,
        });
      }
      request.log.error({ err: error }, 'request failed');
      const unavailable = fastifyStatus === 503;
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
