import { PlannedPage } from './PlannedPage.js';

export function FleetPage() {
  return <PlannedPage title="Fleet" />;
}
