import { PlannedPage } from './PlannedPage.js';

export function LedgerPage() {
  return <PlannedPage title="Ledger" />;
}
