// Type approvals, the validity of a robot's certificate, and brands (docs/certificates.md).
// Pure: the server loads the approval named by the robot's latest certification (with its
// extensions), the robot's configuration, its brands and whether an incident hold is active,
// and these functions decide.

/** Title brands: permanent marks on a robot's history, recorded by the registry or a regulator. */
export const BRANDS = [
  'structural_damage',
  'water_damage',
  'fire_damage',
  'total_loss',
  'rebuilt',
  'parts_only',
  'modified',
  'hours_not_actual',
  'stolen',
  'recovered',
] as const;
export type Brand = (typeof BRANDS)[number];

/** Brands under which a certificate is never valid, whatever the approval says. */
export const DISQUALIFYING_BRANDS: readonly Brand[] = ['total_loss', 'parts_only', 'modified'];

export type CertificateReason =
  | 'none'
  | 'expired'
  | 'hardware_revision_not_approved'
  | 'software_not_approved'
  | 'disqualifying_brand'
  | 'incident_hold';

/** Every reason, in the order a verdict lists them (`none` only ever alone). */
export const CERTIFICATE_REASONS = [
  'none',
  'expired',
  'hardware_revision_not_approved',
  'software_not_approved',
  'disqualifying_brand',
  'incident_hold',
] as const satisfies readonly CertificateReason[];

export interface ApprovalTerms {
  approvalId: string;
  modelId: string;
  scheme: string;
  standards: string[];
  hardwareRevisions: string[];
  /** Approved versions per software component. */
  software: Record<string, string[]>;
  validUntil: string /* ISO */;
}

export interface ApprovalExtension {
  hardwareRevisions: string[];
  software: Record<string, string[]>;
}

/** The approval as extended: union of revisions and of versions per component. */
export function extendApproval(
  approval: ApprovalTerms,
  extensions: readonly ApprovalExtension[],
): ApprovalTerms {
  const revisions = new Set(approval.hardwareRevisions);
  const software = new Map<string, Set<string>>();
  const addSoftware = (from: Record<string, string[]>) => {
    for (const [component, versions] of Object.entries(from)) {
      const known = software.get(component) ?? new Set<string>();
      for (const version of versions) known.add(version);
      software.set(component, known);
    }
  };
  addSoftware(approval.software);
  for (const extension of extensions) {
    for (const revision of extension.hardwareRevisions) revisions.add(revision);
    addSoftware(extension.software);
  }
  // Sorted so that the merged terms do not depend on the order extensions were read in.
  const mergedSoftware: Record<string, string[]> = {};
  for (const component of [...software.keys()].sort()) {
    mergedSoftware[component] = [...software.get(component)!].sort();
  }
  return { ...approval, hardwareRevisions: [...revisions].sort(), software: mergedSoftware };
}

export interface RobotConfiguration {
  hardwareRevision: string;
  software: { component: string; version: string }[];
}

export interface CertificateInput {
  now: Date;
  /** Already extended; null: no certification naming an approval. */
  approval: ApprovalTerms | null;
  configuration: RobotConfiguration;
  brands: readonly string[];
  holdActive: boolean;
}

export interface CertificateVerdict {
  valid: boolean;
  reasons: CertificateReason[];
}

/**
 * Whether the robot's certificate holds now. Without an approval the only reason is `none`;
 * otherwise every reason that applies, in a fixed order (expiry, hardware, software, brands,
 * hold), so a reader sees all that must be fixed at once.
 */
export function certificateVerdict(input: CertificateInput): CertificateVerdict {
  const { approval } = input;
  if (approval === null) return { valid: false, reasons: ['none'] };
  const reasons: CertificateReason[] = [];
  const validUntil = Date.parse(approval.validUntil);
  // An unreadable validUntil is never stored (the routes validate it); treat it as expired.
  if (!(input.now.getTime() <= validUntil)) reasons.push('expired');
  if (!approval.hardwareRevisions.includes(input.configuration.hardwareRevision)) {
    reasons.push('hardware_revision_not_approved');
  }
  const softwareApproved = input.configuration.software.every(({ component, version }) =>
    Object.hasOwn(approval.software, component) ? approval.software[component]!.includes(version) : false,
  );
  if (!softwareApproved) reasons.push('software_not_approved');
  if (input.brands.some((brand) => (DISQUALIFYING_BRANDS as readonly string[]).includes(brand))) {
    reasons.push('disqualifying_brand');
  }
  if (input.holdActive) reasons.push('incident_hold');
  return { valid: reasons.length === 0, reasons };
}

/**
 * Brand rules: brands are permanent (never removed); the same brand twice is refused; any
 * other brand may follow any other (`rebuilt` after `total_loss` included: the total loss
 * stays on the record). Returns null when `next` may be recorded, else a coded refusal.
 */
export function brandRefusal(
  existing: readonly string[],
  next: Brand,
): null | { code: string; message: string } {
  if (existing.includes(next)) {
    return { code: 'BRAND_ALREADY_RECORDED', message: `the robot already carries the brand ${next}` };
  }
  return null;
}

/** A robot branded `parts_only` may never be deployed (put in service) again. */
export function forbidsDeployment(brands: readonly string[]): boolean {
  return brands.includes('parts_only');
}
