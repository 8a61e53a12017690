import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ComponentInventory,
  ComponentInventoryQuery,
  ComponentList,
  ComponentParams,
} from '@roadcast/contracts';
import { errorResponses } from '../errors.js';
import { componentInventory, listComponents } from '../services/inventory-store.js';

const tags = ['inventory'];

/** The fleet inventory: versions vehicles report per component, and campaign compliance. */
const inventoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.deps;

  app.get(
    '/v1/inventory/components',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags,
        summary: 'Components vehicles report on their status topic, with how many report each',
        response: { 200: ComponentList, ...errorResponses() },
      },
    },
    async () => listComponents(db.pool),
  );

  app.get(
    '/v1/inventory/components/:component',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags,
        summary:
          'Vehicles per reported version of a component; with campaignId, how many of its targets run the offered version',
        params: ComponentParams,
        querystring: ComponentInventoryQuery,
        response: { 200: ComponentInventory, ...errorResponses(404) },
      },
    },
    async (request) =>
      componentInventory(db.pool, request.params.component, request.query.campaignId),
  );
};

export default inventoryRoutes;
