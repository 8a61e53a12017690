import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ApiError, errorResponses } from '../errors.js';
import type { EventFanout, StartingPoint } from '../services/event-fanout.js';
import { COMMON_SECURITY_HEADERS } from '../plugins/security-headers.js';

const STREAM_ID = '^\\d{1,20}-\\d{1,20}$';
const MAX_ID_PART = 2n ** 64n - 1n;

/** A client's resume id in Redis's canonical form, or a 400 when Redis could not take it. */
function canonicalStreamId(id: string): string {
  const [ms, seq] = id.split('-').map(BigInt) as [bigint, bigint];
  if (ms >= MAX_ID_PART || seq > MAX_ID_PART) {
    throw new ApiError('ROADCAST_ERR_VALIDATION', 'the event id is out of range');
  }
  return `${ms}-${seq}`;
}

/**
 * Server-sent events of campaign progress and fleet changes, read from the Redis stream
 * `${prefix}:events` by one reader per process and fanned out to every stream. Each event's
 * id is its stream id, so a client that reconnects with Last-Event-ID first gets what it
 * missed, then live events; a new client gets every event written after it connected. Quiet
 * periods carry heartbeat comments.
 */
const eventRoutes: FastifyPluginAsyncTypebox<{ fanout: EventFanout }> = async (app, options) => {
  const { fanout } = options;

  app.get(
    '/v1/events',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags: ['events'],
        summary: 'Live campaign progress and fleet changes (text/event-stream)',
        headers: Type.Object({
          'last-event-id': Type.Optional(Type.String({ pattern: STREAM_ID })),
        }),
        querystring: Type.Object(
          {
            since: Type.Optional(
              Type.String({ pattern: STREAM_ID, description: 'Start after this event id' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.String({ description: 'An event stream' }),
          ...errorResponses(),
        },
      },
    },
    async (request, reply) => {
      const given = request.headers['last-event-id'] ?? request.query.since;
      const afterId = given === undefined ? undefined : canonicalStreamId(given);
      const keyId = request.principal!.keyId;
      const release = fanout.reserve(keyId);
      let start: StartingPoint;
      try {
        start = await fanout.startingPoint(afterId);
      } catch (err) {
        release();
        throw err;
      }
      reply.hijack();
      reply.raw.writeHead(200, {
        ...COMMON_SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': String(request.id),
      });
      reply.raw.write('retry: 3000\n\n');
      fanout.attach(keyId, reply.raw, release, start);
    },
  );
};

export default eventRoutes;
