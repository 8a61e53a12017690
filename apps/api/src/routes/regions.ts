import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { listRegions, setRegionTimeZone } from '@roadcast/campaigns';
import { Region, RegionId, RegionList, RegionUpdateRequest } from '@roadcast/contracts';
import { errorResponses } from '../errors.js';

const tags = ['regions'];
const RegionParams = Type.Object({ id: RegionId });

/**
 * Regions and their time zones: a campaign's maintenance windows are read in the local time
 * of each vehicle's region (docs/decisions/0348). A region nobody configured is UTC.
 */
const regionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const pool = app.deps.db.pool;

  app.get(
    '/v1/regions',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags,
        summary: 'Configured regions and their time zones',
        response: { 200: RegionList, ...errorResponses() },
      },
    },
    async () => ({ items: await listRegions(pool) }),
  );

  app.put(
    '/v1/regions/:id',
    {
      config: { minRole: 'admin' },
      schema: {
        tags,
        summary: "Set a region's time zone (IANA name), creating the region if needed",
        params: RegionParams,
        body: RegionUpdateRequest,
        response: { 200: Region, ...errorResponses(400) },
      },
    },
    async (request) => {
      const region = await setRegionTimeZone(pool, request.params.id, request.body.timeZone);
      await request.audit({
        action: 'region.update',
        targetType: 'region',
        targetId: region.id,
        details: { timeZone: region.timeZone },
      });
      return region;
    },
  );
};

export default regionRoutes;
