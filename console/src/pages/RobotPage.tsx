import { PlannedPage } from './PlannedPage.js';

export function RobotPage() {
  return <PlannedPage title="Robot" />;
}
