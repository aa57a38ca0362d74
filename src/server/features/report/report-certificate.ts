// Placeholder until the approvals branch is merged.
import type { ReportProvenRecord } from '../../../core/report/report-format.js';
import type { AppContext } from '../../app-context.js';
import type { LedgerReader } from '../../ledger/ledger-reader.js';
import type { RobotRow } from '../robots/robot-access.js';

export async function certificateOf(_ctx: AppContext, _robot: RobotRow, _now: Date) {
  return {
    treeSize: undefined as number | undefined,
    verdict: { valid: false, reasons: ['none'], approvalId: null as string | null },
    section: [] as Record<string, unknown>[],
    approvals: async (_treeSize: number, _reader: LedgerReader): Promise<ReportProvenRecord[]> => [],
  };
}
