import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ApprovalTerms,
  BRANDS,
  brandRefusal,
  type CertificateInput,
  type CertificateReason,
  certificateVerdict,
  DISQUALIFYING_BRANDS,
  extendApproval,
  forbidsDeployment,
} from '../../src/core/certificate.js';

const APPROVAL: ApprovalTerms = {
  approvalId: 'e1*2026/01*0001',
  modelId: '00000000-0000-4000-8000-000000000001',
  scheme: 'EU type approval',
  standards: ['ISO 10218-1', 'ISO 13482'],
  hardwareRevisions: ['1'],
  software: { locomotion: ['2.3.0', '2.3.1'], vision: ['1.0.0'] },
  validUntil: '2030-01-01T00:00:00.000Z',
};

const BEFORE_EXPIRY = new Date('2029-06-01T00:00:00Z');

function input(overrides: Partial<CertificateInput> = {}): CertificateInput {
  return {
    now: BEFORE_EXPIRY,
    approval: APPROVAL,
    configuration: { hardwareRevision: '1', software: [{ component: 'locomotion', version: '2.3.1' }] },
    brands: [],
    holdActive: false,
    ...overrides,
  };
}

const REASON_ORDER: CertificateReason[] = [
  'expired',
  'hardware_revision_not_approved',
  'software_not_approved',
  'disqualifying_brand',
  'incident_hold',
];

describe('certificateVerdict', () => {
  it('is valid when the configuration is approved, in time, unbranded and not held', () => {
    expect(certificateVerdict(input())).toEqual({ valid: true, reasons: [] });
  });

  it('says none, alone, when no certification names an approval', () => {
    expect(certificateVerdict(input({ approval: null, holdActive: true, brands: ['total_loss'] }))).toEqual({
      valid: false,
      reasons: ['none'],
    });
  });

  it('is still valid at the instant of validUntil and expired just after', () => {
    const at = new Date(APPROVAL.validUntil);
    expect(certificateVerdict(input({ now: at })).valid).toBe(true);
    expect(certificateVerdict(input({ now: new Date(at.getTime() + 1) })).reasons).toEqual(['expired']);
  });

  it('refuses an unlisted hardware revision', () => {
    const verdict = certificateVerdict(input({ configuration: { hardwareRevision: '2', software: [] } }));
    expect(verdict.reasons).toEqual(['hardware_revision_not_approved']);
  });

  it('refuses an unlisted version and a component the approval does not name', () => {
    const version = certificateVerdict(
      input({
        configuration: { hardwareRevision: '1', software: [{ component: 'locomotion', version: '2.4.0' }] },
      }),
    );
    expect(version.reasons).toEqual(['software_not_approved']);
    const component = certificateVerdict(
      input({
        configuration: { hardwareRevision: '1', software: [{ component: 'speech', version: '1.0.0' }] },
      }),
    );
    expect(component.reasons).toEqual(['software_not_approved']);
    // An inherited Object member is not an approved component.
    const inherited = certificateVerdict(
      input({
        configuration: { hardwareRevision: '1', software: [{ component: 'toString', version: '1' }] },
      }),
    );
    expect(inherited.reasons).toEqual(['software_not_approved']);
  });

  it('passes the software check for a robot that reported no software', () => {
    expect(certificateVerdict(input({ configuration: { hardwareRevision: '1', software: [] } })).valid).toBe(
      true,
    );
  });

  it('names a disqualifying brand, but not a brand that only informs', () => {
    expect(certificateVerdict(input({ brands: ['modified'] })).reasons).toEqual(['disqualifying_brand']);
    expect(certificateVerdict(input({ brands: ['water_damage', 'rebuilt'] })).valid).toBe(true);
  });

  it('names an active incident hold', () => {
    expect(certificateVerdict(input({ holdActive: true })).reasons).toEqual(['incident_hold']);
  });

  it('lists every reason that applies, in the documented order', () => {
    const verdict = certificateVerdict(
      input({
        now: new Date('2031-01-01T00:00:00Z'),
        configuration: { hardwareRevision: '9', software: [{ component: 'vision', version: '0.9' }] },
        brands: ['parts_only'],
        holdActive: true,
      }),
    );
    expect(verdict).toEqual({ valid: false, reasons: REASON_ORDER });
  });

  it('property: valid exactly when there are no reasons; reasons follow the order, without repeats', () => {
    const version = fc.constantFrom('2.3.0', '2.3.1', '2.4.0', '1.0.0');
    const component = fc.constantFrom('locomotion', 'vision', 'speech');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2025-01-01'), max: new Date('2035-01-01'), noInvalidDate: true }),
        fc.constantFrom('1', '2'),
        fc.array(fc.record({ component, version }), { maxLength: 4 }),
        fc.subarray([...BRANDS]),
        fc.boolean(),
        (now, hardwareRevision, software, brands, holdActive) => {
          const verdict = certificateVerdict({
            now,
            approval: APPROVAL,
            configuration: { hardwareRevision, software },
            brands,
            holdActive,
          });
          expect(verdict.valid).toBe(verdict.reasons.length === 0);
          expect(verdict.reasons).toEqual(REASON_ORDER.filter((r) => verdict.reasons.includes(r)));
          expect(verdict.reasons.includes('incident_hold')).toBe(holdActive);
          expect(verdict.reasons.includes('expired')).toBe(now.getTime() > Date.parse(APPROVAL.validUntil));
          expect(verdict.reasons.includes('hardware_revision_not_approved')).toBe(hardwareRevision !== '1');
          expect(verdict.reasons.includes('disqualifying_brand')).toBe(
            brands.some((b) => DISQUALIFYING_BRANDS.includes(b)),
          );
          const approved = software.every(
            (s) => APPROVAL.software[s.component]?.includes(s.version) ?? false,
          );
          expect(verdict.reasons.includes('software_not_approved')).toBe(!approved);
        },
      ),
    );
  });
});

describe('extendApproval', () => {
  it('adds revisions and versions, and new components', () => {
    const extended = extendApproval(APPROVAL, [
      { hardwareRevisions: ['2'], software: { locomotion: ['2.4.0'] } },
      { hardwareRevisions: ['1'], software: { speech: ['1.0.0'] } },
    ]);
    expect(extended.hardwareRevisions).toEqual(['1', '2']);
    expect(extended.software).toEqual({
      locomotion: ['2.3.0', '2.3.1', '2.4.0'],
      speech: ['1.0.0'],
      vision: ['1.0.0'],
    });
    expect(extended.validUntil).toBe(APPROVAL.validUntil);
  });

  it('property: the extension is a union, independent of the extensions order, and never removes', () => {
    const versions = fc.array(fc.constantFrom('1.0', '1.1', '2.0'), { maxLength: 3 });
    const extension = fc.record({
      hardwareRevisions: fc.array(fc.constantFrom('1', '2', '3'), { maxLength: 3 }),
      software: fc.dictionary(fc.constantFrom('locomotion', 'vision', 'arm'), versions, { maxKeys: 3 }),
    });
    fc.assert(
      fc.property(fc.array(extension, { maxLength: 4 }), (extensions) => {
        const forward = extendApproval(APPROVAL, extensions);
        const backward = extendApproval(APPROVAL, [...extensions].reverse());
        expect(backward).toEqual(forward);
        for (const terms of [APPROVAL, ...extensions]) {
          for (const r of terms.hardwareRevisions) expect(forward.hardwareRevisions).toContain(r);
          for (const [c, vs] of Object.entries(terms.software)) {
            for (const v of vs) expect(forward.software[c]).toContain(v);
          }
        }
        const every = new Set([APPROVAL, ...extensions].flatMap((t) => t.hardwareRevisions));
        expect(forward.hardwareRevisions).toHaveLength(every.size);
      }),
    );
  });
});

describe('brands', () => {
  it('refuses the same brand twice, allows any other (rebuilt after total_loss too)', () => {
    expect(brandRefusal(['water_damage'], 'water_damage')?.code).toBe('BRAND_ALREADY_RECORDED');
    expect(brandRefusal(['total_loss'], 'rebuilt')).toBeNull();
    expect(brandRefusal([], 'stolen')).toBeNull();
  });

  it('property: a brand is refused exactly when already present', () => {
    fc.assert(
      fc.property(fc.subarray([...BRANDS]), fc.constantFrom(...BRANDS), (existing, next) => {
        expect(brandRefusal(existing, next) !== null).toBe(existing.includes(next));
      }),
    );
  });

  it('forbids deployment only under parts_only', () => {
    expect(forbidsDeployment(['parts_only'])).toBe(true);
    expect(forbidsDeployment(['total_loss', 'modified'])).toBe(false);
  });
});
