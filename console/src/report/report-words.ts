// The report's flags in plain sentences, as the printable page words them.
const REASONS: Record<string, string> = {
  none: 'No certification of this robot names a type approval.',
  expired: "The type approval's validity has ended.",
  hardware_revision_not_approved: "The robot's hardware revision is not one the approval covers.",
  software_not_approved: 'A software component runs a version the approval does not list.',
  disqualifying_brand: 'The robot carries a brand that disqualifies it (total loss, parts only or modified).',
  incident_hold: 'An incident still holds the robot.',
};

export const certificateReason = (reason: string) => REASONS[reason] ?? reason;

const BRANDS: Record<string, string> = {
  total_loss: 'Total loss: declared not worth repairing.',
  parts_only: 'Parts only: not to be operated again.',
  modified: 'Modified outside its approval.',
  structural_damage: 'Structural damage recorded.',
};

export const brandSentence = (brand: string) => BRANDS[brand] ?? `Brand ${brand}.`;

/** "2 years"-style numbers kept plain: the figure and its unit, or "no telemetry". */
export function figure(value: number | null | undefined, unit: string): string {
  return value === null || value === undefined ? 'no telemetry' : `${Math.round(value * 100) / 100} ${unit}`;
}
