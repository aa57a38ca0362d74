// Every feature's routes, registered in one place.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { ledgerRoutes } from '../ledger/ledger-routes.js';
import { accessLogRoutes } from './access-log/access-log-routes.js';
import { approvalRoutes } from './approvals/approval-routes.js';
import { catalogueRoutes } from './catalogue/catalogue-routes.js';
import { endOfLifeRoutes } from './end-of-life/end-of-life-routes.js';
import { grantRoutes } from './grants/grant-routes.js';
import { healthRoutes } from './health/health-routes.js';
import { sweepHealth } from './health/health-service.js';
import { incidentRoutes } from './incidents/incident-routes.js';
import { lifecycleRoutes } from './lifecycle/lifecycle-routes.js';
import { notificationRoutes } from './notifications/notification-routes.js';
import { orgRoutes } from './orgs/org-routes.js';
import { publicRoutes } from './public/public-routes.js';
import { recallRoutes } from './recalls/recall-routes.js';
import { reportRoutes } from './report/report-routes.js';
import { robotHistoryRoutes } from './robots/robot-history-routes.js';
import { robotRoutes } from './robots/robot-routes.js';
import { telemetryRoutes } from './telemetry/telemetry-routes.js';
import { transferRoutes } from './transfers/transfer-routes.js';

export async function registerFeatureRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(orgRoutes(ctx));
  await app.register(ledgerRoutes(ctx));
  await app.register(catalogueRoutes(ctx));
  await app.register(robotRoutes(ctx));
  await app.register(robotHistoryRoutes(ctx));
  await app.register(publicRoutes(ctx));
  await app.register(lifecycleRoutes(ctx));
  await app.register(transferRoutes(ctx));
  await app.register(grantRoutes(ctx));
  await app.register(telemetryRoutes(ctx));
  await app.register(incidentRoutes(ctx));
  await app.register(accessLogRoutes(ctx));
  await app.register(endOfLifeRoutes(ctx));
  await app.register(notificationRoutes(ctx));
  await app.register(healthRoutes(ctx));
  await app.register(recallRoutes(ctx));
  await app.register(approvalRoutes(ctx));
  await app.register(reportRoutes(ctx));
  // The health sweep, for the demo fleet, which seeds through the app (docs/health.md).
  app.decorate('healthSweep', () => sweepHealth(ctx));
}
