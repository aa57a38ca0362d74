import { describe, expect, it } from 'vitest';
import {
  batchJoinsEvidence,
  canMoveInvestigation,
  DAY_MS,
  evidenceWindow,
  finalReportDue,
  HOUR_MS,
  INCIDENT_KINDS,
  INCIDENT_SEVERITIES,
  INVESTIGATION_STATUSES,
  type IncidentSeverity,
  type InvestigationStatus,
  inWindow,
  isOverdue,
  MINUTE_MS,
  preliminaryReportDue,
  reportingDeadline,
  severityHoldsRobot,
} from '../../../src/core/incidents/incident.js';

// Injected instants only: the rules never read the clock.
const T = Date.UTC(2026, 10, 3, 14, 0, 0); // 2026-11-03T14:00:00Z

describe('incident names', () => {
  it('are the pinned kinds and severities', () => {
    expect(INCIDENT_KINDS).toEqual([
      'injury',
      'property_damage',
      'collision',
      'fall',
      'malfunction',
      'near_miss',
      'data_breach',
      'information_leak',
      'cybersecurity',
      'other',
    ]);
    expect(INCIDENT_SEVERITIES).toEqual(['fatal', 'serious', 'moderate', 'minor', 'near_miss']);
  });
});

describe('investigation status order', () => {
  it('is reported, investigating, preliminary_report, final_report, closed', () => {
    expect(INVESTIGATION_STATUSES).toEqual([
      'reported',
      'investigating',
      'preliminary_report',
      'final_report',
      'closed',
    ]);
  });

  // Row: from; columns: to, in INVESTIGATION_STATUSES order. `y` allowed, `-` refused.
  // biome-ignore format: the table reads as a table
  const TABLE: Record<InvestigationStatus, string> = {
    //                   rep inv pre fin clo
    reported:           '-   y   y   y   y',
    investigating:      '-   -   y   y   y',
    preliminary_report: '-   -   -   y   y',
    final_report:       '-   -   -   -   y',
    closed:             '-   -   -   -   -',
  };

  for (const from of INVESTIGATION_STATUSES) {
    const row = TABLE[from].split(/\s+/);
    INVESTIGATION_STATUSES.forEach((to, i) => {
      it(`${from} -> ${to}: ${row[i] === 'y' ? 'allowed' : 'refused'}`, () => {
        expect(canMoveInvestigation(from, to)).toBe(row[i] === 'y');
      });
    });
  }
});

describe('evidence window', () => {
  it('runs from 30 minutes before occurredAt to 10 minutes after, both ends included', () => {
    const w = evidenceWindow(T);
    expect(w).toEqual({ from: T - 30 * MINUTE_MS, to: T + 10 * MINUTE_MS });
    expect(new Date(w.from).toISOString()).toBe('2026-11-03T13:30:00.000Z');
    expect(new Date(w.to).toISOString()).toBe('2026-11-03T14:10:00.000Z');
    expect(inWindow(w, w.from)).toBe(true);
    expect(inWindow(w, w.to)).toBe(true);
    expect(inWindow(w, w.from - 1)).toBe(false);
    expect(inWindow(w, w.to + 1)).toBe(false);
  });

  const cases: [string, number[], number, boolean][] = [
    ['a batch of the window arriving at once', [T - MINUTE_MS], T, true],
    ['a batch of the window arriving exactly 24 h after', [T], T + 24 * HOUR_MS, true],
    ['a batch of the window arriving 1 ms too late', [T], T + 24 * HOUR_MS + 1, false],
    [
      'a batch with one sample on the window start',
      [T - 40 * MINUTE_MS, T - 30 * MINUTE_MS],
      T + HOUR_MS,
      true,
    ],
    ['a batch with one sample on the window end', [T + 10 * MINUTE_MS], T + HOUR_MS, true],
    ['a batch just before the window', [T - 30 * MINUTE_MS - 1], T + HOUR_MS, false],
    ['a batch just after the window', [T + 10 * MINUTE_MS + 1], T + HOUR_MS, false],
    ['a batch without samples', [], T + HOUR_MS, false],
  ];
  for (const [name, samples, arrivedAt, joins] of cases) {
    it(`late-window rule: ${name} ${joins ? 'joins' : 'does not join'} the evidence`, () => {
      expect(batchJoinsEvidence(T, samples, arrivedAt)).toBe(joins);
    });
  }
});

describe('reporting deadline', () => {
  const cases: [IncidentSeverity, boolean, number | null][] = [
    ['fatal', false, 10],
    ['serious', false, 15],
    ['moderate', false, null],
    ['minor', false, null],
    ['near_miss', false, null],
    ['fatal', true, 2],
    ['serious', true, 2],
    ['moderate', true, 2],
    ['minor', true, 2],
    ['near_miss', true, 2],
  ];
  for (const [severity, widespread, days] of cases) {
    it(`${severity}${widespread ? ', widespread' : ''}: ${days === null ? 'none' : `awareAt + ${days} days`}`, () => {
      expect(reportingDeadline(severity, widespread, T)).toBe(days === null ? null : T + days * DAY_MS);
    });
  }

  it('counts days of 24 hours from awareAt, to the millisecond', () => {
    const awareAt = Date.UTC(2026, 2, 27, 23, 59, 59, 999); // a daylight-saving weekend changes nothing
    expect(new Date(reportingDeadline('serious', false, awareAt)!).toISOString()).toBe(
      '2026-04-11T23:59:59.999Z',
    );
  });
});

describe('hold', () => {
  it('is put by fatal and serious incidents only', () => {
    expect(INCIDENT_SEVERITIES.filter(severityHoldsRobot)).toEqual(['fatal', 'serious']);
  });
});

describe('report due dates', () => {
  it('preliminary 30 days, final 365 days after the report', () => {
    expect(preliminaryReportDue(T)).toBe(T + 30 * DAY_MS);
    expect(finalReportDue(T)).toBe(T + 365 * DAY_MS);
  });

  const prelim = T + 30 * DAY_MS;
  const final = T + 365 * DAY_MS;
  // [status, now, overdue]
  const cases: [InvestigationStatus, number, boolean][] = [
    ['reported', T, false],
    ['reported', prelim, false],
    ['reported', prelim + 1, true],
    ['investigating', prelim, false],
    ['investigating', prelim + 1, true],
    ['preliminary_report', prelim + 1, false],
    ['preliminary_report', final, false],
    ['preliminary_report', final + 1, true],
    ['final_report', final + 1, false],
    ['closed', prelim + 1, false],
    ['closed', final + 1, false],
    ['investigating', final + 1, true],
  ];
  for (const [status, now, overdue] of cases) {
    it(`${status} at report + ${(now - T) / DAY_MS} days: ${overdue ? 'overdue' : 'not overdue'}`, () => {
      expect(isOverdue(status, T, now)).toBe(overdue);
    });
  }
});
