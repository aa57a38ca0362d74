// The console's pages. Code-based routes: one file lists every path the platform falls back to
// index.html for (src/server/http/console.ts serves any non-API path).
import { createRootRoute, createRoute, createRouter } from '@tanstack/react-router';
import { Layout, NotFound } from './components/Layout.js';
import { AlertsPage } from './pages/AlertsPage.js';
import { CheckPage } from './pages/CheckPage.js';
import { FleetPage } from './pages/FleetPage.js';
import { HomePage } from './pages/HomePage.js';
import { IncidentPage } from './pages/IncidentPage.js';
import { IncidentsPage } from './pages/IncidentsPage.js';
import { LedgerPage } from './pages/LedgerPage.js';
import { RecallPage, RecallsPage } from './pages/RecallsPage.js';
import { ReportPage, SharedReportPage } from './pages/ReportPage.js';
import { RobotPage } from './pages/RobotPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { TransfersPage } from './pages/TransfersPage.js';

const rootRoute = createRootRoute({ component: Layout, notFoundComponent: NotFound });

const page = <P extends string>(path: P, component: () => React.ReactNode) =>
  createRoute({ getParentRoute: () => rootRoute, path, component });

export const robotRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/robots/$robotId',
  component: RobotPage,
});

const routeTree = rootRoute.addChildren([
  page('/', HomePage),
  page('/check', CheckPage),
  page('/sign-in', SignInPage),
  page('/fleet', FleetPage),
  robotRoute,
  page('/ledger', LedgerPage),
  page('/alerts', AlertsPage),
  page('/incidents', IncidentsPage),
  page('/incidents/$incidentId', IncidentPage),
  page('/transfers', TransfersPage),
  page('/recalls', RecallsPage),
  page('/recalls/$campaignId', RecallPage),
  page('/robots/$robotId/report', ReportPage),
  page('/report/$token', SharedReportPage),
]);

export const router = createRouter({ routeTree, defaultPreload: false });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
