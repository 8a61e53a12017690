import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { lastEventId, readEvents } from '@roadcast/queue';
import { errorResponses } from '../errors.js';

const STREAM_ID = '^\\d{1,20}-\\d{1,20}$';

/**
 * Server-sent events of campaign progress and fleet changes, read from the Redis stream
 * `${prefix}:events`. Each event's id is its stream id, so a client that reconnects with
 * Last-Event-ID continues where it left off; quiet periods carry heartbeat comments.
 */
const eventRoutes: FastifyPluginAsyncTypebox<{ heartbeatMs: number }> = async (app, options) => {
  const { redis, prefix } = app.deps;
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

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
        response: { 200: Type.String({ description: 'An event stream' }), ...errorResponses() },
      },
    },
    async (request, reply) => {
      const resumeFrom = request.headers['last-event-id'] ?? request.query.since;
      let last = resumeFrom ?? (await lastEventId(redis, prefix));
      const conn = redis.duplicate();
      conn.on('error', () => undefined);
      let closed = false;
      const end = () => {
        if (closed) return;
        closed = true;
        open.delete(end);
        conn.disconnect();
        reply.raw.end();
      };
      open.add(end);
      request.raw.on('close', end);
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': String(request.id),
      });
      reply.raw.write('retry: 3000\n\n');
      while (!closed) {
        try {
          const events = await readEvents(conn, prefix, last, {
            blockMs: options.heartbeatMs,
            count: 200,
          });
          if (closed) break;
          if (events.length === 0) reply.raw.write(': heartbeat\n\n');
          for (const { id, event } of events) {
            reply.raw.write(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
            last = id;
          }
        } catch (err) {
          if (closed) break;
          request.log.warn({ err: (err as Error).message }, 'event stream read failed; retrying');
          await sleep(1_000);
        }
      }
    },
  );
};

export default eventRoutes;
