import fp from 'fastify-plugin';
import type { ApiDeps } from '../api-deps.js';

declare module 'fastify' {
  interface FastifyInstance {
    deps: ApiDeps;
  }
}

/** Makes the object graph built by main.ts (or a test) available to every plugin. */
export default fp<{ deps: ApiDeps }>(
  async (app, options) => {
    app.decorate('deps', options.deps);
  },
  { name: 'roadcast-deps' },
);
