// The software configuration at an instant (src/core/incidents/configuration.ts): updates set
// against the robot's own attestations, table-driven.
import { describe, expect, it } from 'vitest';
import { softwareAt } from '../../../src/core/incidents/configuration.js';

const T = (minutes: number) => minutes * 60_000;
const AT = T(1000);

describe('softwareAt', () => {
  it('takes the last update before the instant, ignores updates after it', () => {
    const out = softwareAt(
      [
        { component: 'loco', toVersion: '1', at: T(100), providerOrgId: 'p' },
        { component: 'loco', toVersion: '2', at: T(900), providerOrgId: 'q' },
        { component: 'loco', toVersion: '3', at: T(1001), providerOrgId: 'r' },
      ],
      [],
      AT,
      'maker',
    );
    expect(out).toEqual([
      {
        component: 'loco',
        version: '2',
        providerOrgId: 'q',
        since: T(900),
        attested: false,
        attestedVersion: null,
      },
    ]);
  });

  const cases: [
    string,
    Record<string, string>[],
    {
      component: string;
      version: string;
      attested: boolean;
      attestedVersion: string | null;
      providerOrgId: string;
    }[],
  ][] = [
    [
      'attested at the updated version',
      [{ loco: '2' }],
      [{ component: 'loco', version: '2', attested: true, attestedVersion: '2', providerOrgId: 'q' }],
    ],
    [
      'updated on paper, the robot still runs the old version',
      [{ loco: '1' }],
      [{ component: 'loco', version: '2', attested: false, attestedVersion: '1', providerOrgId: 'q' }],
    ],
    [
      'the latest report decides, not an older one',
      [{ loco: '2' }, { loco: '1' }],
      [{ component: 'loco', version: '2', attested: false, attestedVersion: '1', providerOrgId: 'q' }],
    ],
    [
      'a component only the robot reports is the manufacturer’s',
      [{ loco: '2', vision: '5' }],
      [
        { component: 'loco', version: '2', attested: true, attestedVersion: '2', providerOrgId: 'q' },
        { component: 'vision', version: '5', attested: true, attestedVersion: '5', providerOrgId: 'maker' },
      ],
    ],
  ];
  for (const [name, reports, expected] of cases) {
    it(name, () => {
      const out = softwareAt(
        [{ component: 'loco', toVersion: '2', at: T(900), providerOrgId: 'q' }],
        reports.map((software, i) => ({ at: T(950 + i), seq: i, software })),
        AT,
        'maker',
      );
      expect(out.map(({ since: _since, ...rest }) => rest)).toEqual(expected);
    });
  }

  it('dates an attested-only component from the first report of its run, reports after the instant ignored', () => {
    const out = softwareAt(
      [],
      [
        { at: T(10), seq: 1, software: { vision: '4' } },
        { at: T(20), seq: 2, software: { vision: '5' } },
        { at: T(30), seq: 3, software: { other: 'x' } },
        { at: T(40), seq: 4, software: { vision: '5' } },
        { at: T(2000), seq: 5, software: { vision: '6' } },
      ],
      AT,
      'maker',
    );
    expect(out).toEqual([
      {
        component: 'vision',
        version: '5',
        providerOrgId: 'maker',
        since: T(20),
        attested: true,
        attestedVersion: '5',
      },
    ]);
  });
});
