// Every feature's routes, registered in one place.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { orgRoutes } from './orgs/org-routes.js';

export async function registerFeatureRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(orgRoutes(ctx));
}
