// Coded maintenance (docs/lifecycle.md "Coded maintenance", docs/health.md): the vocabularies a
// maintenance event's data may use, so records from every maintainer can be counted alike
// (failure modes by item, mechanisms by cause), and the rules that tie them together. Pure.

export const MAINTENANCE_TRIGGERS = [
  'corrective',
  'preventive',
  'condition_based',
  'recall',
  'inspection',
] as const;
export type MaintenanceTrigger = (typeof MAINTENANCE_TRIGGERS)[number];

/** The first segment of an item path: the robot's top-level assemblies. */
export const ITEM_ROOTS = [
  'leg',
  'arm',
  'hand',
  'torso',
  'head',
  'power',
  'compute',
  'sensor',
  'safety',
] as const;

export const FAILURE_MODES = [
  'fails_to_move',
  'position_error',
  'overheating',
  'noise_vibration',
  'backlash',
  'torque_ripple',
  'encoder_fault',
  'brake_slip',
  'communication_loss',
  'fall',
  'battery_degraded',
  'other',
] as const;

export const FAILURE_MECHANISMS = [
  'wear',
  'fatigue',
  'overheating',
  'looseness',
  'misalignment',
  'corrosion',
  'breakage',
  'electrical',
  'software',
  'other',
] as const;

export const FAILURE_CAUSES = [
  'design',
  'manufacture',
  'installation',
  'operation',
  'maintenance',
  'software',
  'external',
  'unknown',
] as const;

export const MAINTENANCE_ACTIVITIES = [
  'replace',
  'repair',
  'adjust',
  'inspect',
  'service',
  'test',
  'modify',
  'overhaul',
] as const;

/** The part kind that marks a battery pack swap: the installed pack's serial is its packId. */
export const BATTERY_PACK_PART_KIND = 'battery_pack';

/**
 * An item path: dot-separated lowercase segments (letters, digits, `_`), the first one of
 * ITEM_ROOTS, e.g. `leg.left.knee.gearbox`.
 */
export const ITEM_PATH_PATTERN = `^(${ITEM_ROOTS.join('|')})(\\.[a-z0-9_]{1,40}){0,7}$`;

/** Fields a corrective maintenance must carry: what failed, how, by what mechanism, why. */
export const CORRECTIVE_REQUIRED = ['item', 'failureMode', 'failureMechanism', 'failureCause'] as const;

/** The coded fields a corrective maintenance lacks (empty when complete or not corrective). */
export function missingCorrectiveFields(data: Record<string, unknown>): string[] {
  if (data.trigger !== 'corrective') return [];
  return CORRECTIVE_REQUIRED.filter((f) => data[f] === undefined);
}

/** The problem with an item path, or null when it is one. */
export function itemPathProblem(item: string): string | null {
  if (new RegExp(ITEM_PATH_PATTERN).test(item)) return null;
  const root = item.split('.')[0] ?? '';
  if (!(ITEM_ROOTS as readonly string[]).includes(root)) {
    return `must start with one of ${ITEM_ROOTS.join(', ')}`;
  }
  return 'must be dot-separated lowercase segments (a-z, 0-9, _), at most 8';
}
