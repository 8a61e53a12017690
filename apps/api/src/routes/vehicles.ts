import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  PoolAssignmentRequest,
  VehicleBulkRequest,
  VehicleBulkResult,
  VehicleDetail,
  VehicleId,
  VehicleList,
  VehicleListQuery,
} from '@roadcast/contracts';
import { appendEvent } from '@roadcast/queue';
import { ApiError, errorResponses } from '../errors.js';
import { getVehicle, listVehicles, upsertVehicles } from '../services/vehicle-store.js';

const tags = ['vehicles'];
const IdParams = Type.Object({ id: VehicleId() });

/** The fleet: bulk registration, lookups with presence, filtered lists, pool pinning. */
const vehicleRoutes: FastifyPluginAsyncTypebox<{ bulkBodyLimitBytes: number }> = async (
  app,
  options,
) => {
  const { db, presence, sticky, topology, redis, prefix, health } = app.deps;

  app.post(
    '/v1/vehicles',
    {
      bodyLimit: options.bulkBodyLimitBytes,
      config: { minRole: 'operator' },
      schema: {
        tags,
        summary: 'Register or update up to 10,000 vehicles',
        body: VehicleBulkRequest,
        response: { 200: VehicleBulkResult, ...errorResponses(413) },
      },
    },
    async (request) => {
      const result = await upsertVehicles(db.pool, request.body.vehicles);
      await request.audit({
        action: 'vehicles.upsert',
        targetType: 'vehicle',
        targetId: null,
        details: result,
      });
      await appendEvent(redis, prefix, {
        type: 'fleet.vehicles',
        at: new Date().toISOString(),
        data: { ...result },
      }).catch((err: unknown) => health.bestEffortFailed(err, 'event not recorded'));
      return result;
    },
  );

  app.get(
    '/v1/vehicles',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags,
        summary: 'List vehicles by model, region, software version or tag',
        querystring: VehicleListQuery,
        response: { 200: VehicleList, ...errorResponses() },
      },
    },
    async (request) => listVehicles(db.pool, request.query),
  );

  app.get(
    '/v1/vehicles/:id',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags,
        summary: 'A vehicle with its pool, presence and open deliveries',
        params: IdParams,
        response: { 200: VehicleDetail, ...errorResponses(404) },
      },
    },
    async (request) => {
      const vehicle = await getVehicle(db.pool, presence, request.params.id);
      if (!vehicle) throw new ApiError('ROADCAST_ERR_VEHICLE_NOT_FOUND', 'vehicle not found');
      return vehicle;
    },
  );

  app.put(
    '/v1/vehicles/:id/pool',
    {
      // The Redis copy of the assignment is overwritten too; a stale one would win for a day.
      config: { minRole: 'operator', requires: ['redis'] },
      schema: {
        tags,
        summary: 'Pin or move a vehicle to an edge pool',
        params: IdParams,
        body: PoolAssignmentRequest,
        response: { 200: VehicleDetail, ...errorResponses(404) },
      },
    },
    async (request) => {
      const { poolId, mode } = request.body;
      await topology.refresh();
      if (mode === 'move') await sticky.move(request.params.id, poolId);
      else await sticky.pin(request.params.id, poolId);
      await request.audit({
        action: `vehicle.${mode}`,
        targetType: 'vehicle',
        targetId: request.params.id,
        details: { poolId },
      });
      const vehicle = await getVehicle(db.pool, presence, request.params.id);
      if (!vehicle) throw new ApiError('ROADCAST_ERR_VEHICLE_NOT_FOUND', 'vehicle not found');
      return vehicle;
    },
  );
};

export default vehicleRoutes;
