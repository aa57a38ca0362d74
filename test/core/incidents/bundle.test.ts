// The offline verifier of incident bundles (src/core/incidents/bundle.ts) on real bundles
// (test/support/incident-bundle.ts): a good one holds and says what it covers; each way of
// tampering with one fails with its code and names the item or record.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BUNDLE_ERROR_CODES,
  type BundleErrorCode,
  isBundleError,
  verifyIncidentBundle,
} from '../../../src/core/incidents/bundle.js';
import { canonicalJsonBytes, generateSignerKey, sha256 } from '../../../src/ledger/index.js';
import {
  BUNDLE_ORIGIN,
  buildIncidentBundle,
  checkpointOfAnotherLog,
  DEFAULT_BATCHES,
  INCIDENT_ID,
  type IncidentBundleFixture,
  OCCURRED_MS,
  ROBOT,
} from '../../support/incident-bundle.js';

// biome-ignore lint/suspicious/noExplicitAny: bundles are JSON documents edited freely
const clone = (value: unknown): any => structuredClone(value);

function failure(bundle: unknown, key: string): { code: string; subject: string; message: string } {
  try {
    verifyIncidentBundle(bundle, key);
  } catch (error) {
    if (!isBundleError(error)) throw error;
    return { code: error.code, subject: error.subject, message: error.message };
  }
  throw new Error('the bundle verified');
}

function expectFailure(
  fixture: IncidentBundleFixture,
  // biome-ignore lint/suspicious/noExplicitAny: bundles are JSON documents edited freely
  tamper: (bundle: any) => void,
  code: BundleErrorCode,
  subject: string | RegExp,
): string {
  const bundle = clone(fixture.bundle);
  tamper(bundle);
  const found = failure(bundle, fixture.verifierKey);
  expect(found.code, found.message).toBe(code);
  expect(found.subject).toMatch(subject);
  return found.message;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
// biome-ignore lint/suspicious/noExplicitAny: bundles are JSON documents edited freely
const item = (bundle: any, itemId: string) =>
  bundle.items.find((i: { itemId: string }) => i.itemId === itemId);
// biome-ignore lint/suspicious/noExplicitAny: bundles are JSON documents edited freely
function dropItem(bundle: any, itemId: string): void {
  bundle.items = bundle.items.filter((i: { itemId: string }) => i.itemId !== itemId);
  bundle.incident.evidence.items = bundle.incident.evidence.items.filter(
    (i: { itemId: string }) => i.itemId !== itemId,
  );
}

describe('verifying an incident bundle offline', () => {
  const good = buildIncidentBundle({
    batches: [...DEFAULT_BATCHES, { startMs: OCCURRED_MS + 60_000, samples: 5, late: true }],
  });

  it('a good bundle holds: the incident, the checkpoint, the records, the items by kind and the coverage with its gaps', () => {
    const result = verifyIncidentBundle(good.bundle, good.verifierKey);
    expect(result).toMatchObject({
      incidentId: INCIDENT_ID,
      robotId: ROBOT.robotId,
      kind: 'fall',
      severity: 'serious',
      occurredAt: '2026-11-03T14:00:00.000Z',
      window: { from: '2026-11-03T13:30:00.000Z', to: '2026-11-03T14:10:00.000Z' },
      windowIsRule: true,
      ledgerIndex: good.incidentIndex,
      origin: BUNDLE_ORIGIN,
      treeSize: good.log.size,
      otherSignatures: [],
      records: good.bundle.records.length,
      recordKinds: {
        robot_event: 2,
        telemetry_batch: 4,
        incident: 1,
        incident_evidence: 2,
        incident_hold: 1,
        incident_investigation: 1,
        incident_findings: 1,
      },
      items: {
        configuration: 1,
        control_timeline: 1,
        alerts: 1,
        events: 1,
        access_log: 1,
        telemetry: 4,
        attachment: 1,
      },
    });
    expect(result.coverage).toEqual({
      from: '2026-11-03T13:59:30.000Z',
      to: '2026-11-03T14:01:04.000Z',
      samples: 65,
      gaps: [
        { from: '2026-11-03T13:30:00.000Z', to: '2026-11-03T13:59:30.000Z' },
        { from: '2026-11-03T14:00:09.000Z', to: '2026-11-03T14:00:20.000Z' },
        { from: '2026-11-03T14:00:39.000Z', to: '2026-11-03T14:01:00.000Z' },
        { from: '2026-11-03T14:01:04.000Z', to: '2026-11-03T14:10:00.000Z' },
      ],
      missingTelemetry: false,
    });
    expect(result.holds.map((h) => h.record.action)).toEqual(['placed']);
    expect(result.investigation.map((h) => h.record.toStatus)).toEqual(['investigating']);
    expect(result.findings).toHaveLength(1);
  });

  it('a gap of exactly 5 s is no gap; 5.001 s is', () => {
    const fixture = buildIncidentBundle({
      batches: [
        { startMs: Date.parse('2026-11-03T13:30:00.000Z'), samples: 2, intervalMs: 5000 },
        { startMs: Date.parse('2026-11-03T13:30:10.001Z'), samples: 1 },
      ],
    });
    const { coverage } = verifyIncidentBundle(fixture.bundle, fixture.verifierKey);
    expect(coverage.gaps[0]).toEqual({ from: '2026-11-03T13:30:05.000Z', to: '2026-11-03T13:30:10.001Z' });
    expect(coverage.gaps).toHaveLength(2);
  });

  it('a window other than the rule one is reported, not refused', () => {
    const fixture = buildIncidentBundle({
      window: { from: '2026-11-03T13:50:00.000Z', to: '2026-11-03T14:10:00.000Z' },
    });
    const result = verifyIncidentBundle(fixture.bundle, fixture.verifierKey);
    expect(result.windowIsRule).toBe(false);
    expect(result.coverage.gaps[0]).toEqual({
      from: '2026-11-03T13:50:00.000Z',
      to: '2026-11-03T13:59:30.000Z',
    });
  });

  it('a bundle without telemetry holds, and says so: missingTelemetry, the whole window a gap', () => {
    const fixture = buildIncidentBundle({ batches: [] });
    const { coverage, items } = verifyIncidentBundle(fixture.bundle, fixture.verifierKey);
    expect(items.telemetry).toBe(0);
    expect(coverage).toEqual({
      from: null,
      to: null,
      samples: 0,
      gaps: [{ from: '2026-11-03T13:30:00.000Z', to: '2026-11-03T14:10:00.000Z' }],
      missingTelemetry: true,
    });
  });

  it('batches signed by the rotated key after a rotation hold, the filed key before it', () => {
    const fixture = buildIncidentBundle({ rotateKeyAtMs: OCCURRED_MS });
    expect(verifyIncidentBundle(fixture.bundle, fixture.verifierKey).items.telemetry).toBe(3);
  });

  it('a witness cosignature line is kept, unchecked, in otherSignatures', () => {
    const bundle = clone(good.bundle);
    bundle.checkpoint = `${bundle.checkpoint}— witness.example ${Buffer.alloc(72, 1).toString('base64')}\n`;
    expect(verifyIncidentBundle(bundle, good.verifierKey).otherSignatures).toEqual(['witness.example']);
  });

  describe('tampering fails with its code and names what', () => {
    it('an altered byte of a JWS: BUNDLE_ITEM_DIGEST on that item', () => {
      expectFailure(
        good,
        (b) => {
          const t = item(b, 'it-batch-1');
          const at = t.jws.length - 10;
          t.jws = t.jws.slice(0, at) + (t.jws[at] === 'A' ? 'B' : 'A') + t.jws.slice(at + 1);
        },
        'BUNDLE_ITEM_DIGEST',
        'item it-batch-1',
      );
    });

    it('altered content of a JSON item: BUNDLE_ITEM_DIGEST; with its sha256 recomputed, BUNDLE_ITEM_UNCOMMITTED', () => {
      const edit = (b: { items: unknown[] }) => {
        const config = item(b, 'it-config');
        config.content.software[0].version = '2.2.9';
        return config;
      };
      expectFailure(good, edit, 'BUNDLE_ITEM_DIGEST', 'item it-config');
      expectFailure(
        good,
        (b) => {
          const config = edit(b);
          config.sha256 = hex(sha256(canonicalJsonBytes(config.content)));
        },
        'BUNDLE_ITEM_UNCOMMITTED',
        'item it-config',
      );
    });

    it('altered bytes of an attachment, or its stated size', () => {
      expectFailure(
        good,
        (b) => {
          item(b, 'it-photo').contentBase64 = Buffer.from('another photograph of the scene!!!!').toString(
            'base64',
          );
        },
        'BUNDLE_ITEM_DIGEST',
        'item it-photo',
      );
      expectFailure(good, (b) => item(b, 'it-photo').size++, 'BUNDLE_ITEM_DIGEST', 'item it-photo');
      expectFailure(
        good,
        (b) => {
          item(b, 'it-photo').filename = 'other.jpg';
        },
        'BUNDLE_ITEM_UNCOMMITTED',
        'item it-photo',
      );
    });

    it.each([
      ['a frozen JSON item', 'it-alerts'],
      ['a frozen telemetry batch', 'it-batch-0'],
      ['a late telemetry batch', 'it-batch-3'],
      ['a late attachment', 'it-photo'],
    ])('a dropped item (%s): BUNDLE_ITEM_MISSING', (_what, itemId) => {
      expectFailure(good, (b) => dropItem(b, itemId), 'BUNDLE_ITEM_MISSING', `item ${itemId}`);
    });

    it('an extra item no record commits: BUNDLE_ITEM_UNCOMMITTED', () => {
      expectFailure(
        good,
        (b) => {
          const content = { note: 'added afterwards' };
          const extra = {
            itemId: 'it-extra',
            kind: 'events',
            sha256: hex(sha256(canonicalJsonBytes(content))),
            ledgerIndex: good.incidentIndex,
            content,
          };
          b.items.push(extra);
          b.incident.evidence.items.push({ ...extra, content: undefined });
        },
        'BUNDLE_ITEM_UNCOMMITTED',
        'item it-extra',
      );
    });

    it("an item's ledgerIndex that is not its record's: BUNDLE_ITEM_UNCOMMITTED", () => {
      expectFailure(
        good,
        (b) => item(b, 'it-batch-3').ledgerIndex--,
        'BUNDLE_ITEM_UNCOMMITTED',
        'item it-batch-3',
      );
    });

    it('an item the incident does not list as evidence: BUNDLE_INCIDENT_MISMATCH', () => {
      expectFailure(
        good,
        (b) => {
          b.incident.evidence.items = b.incident.evidence.items.filter(
            (i: { itemId: string }) => i.itemId !== 'it-events',
          );
        },
        'BUNDLE_INCIDENT_MISMATCH',
        'item it-events',
      );
    });

    it('a wrong proof: BUNDLE_RECORD_INVALID naming the record and its ledger index', () => {
      const message = expectFailure(
        good,
        (b) => {
          const proof = b.records[3].proof;
          proof[0] = proof[1];
        },
        'BUNDLE_RECORD_INVALID',
        `record 3 (ledger index ${good.bundle.records[3].opening.index})`,
      );
      expect(message).toContain('OPENING_NOT_INCLUDED');
    });

    it('a record altered inside its opening: BUNDLE_RECORD_INVALID', () => {
      expectFailure(
        good,
        (b) => {
          const r = b.records.find((x: { opening: { kind: string } }) => x.opening.kind === 'incident');
          const record = JSON.parse(Buffer.from(r.opening.record, 'base64').toString('utf8'));
          record.severity = 'minor';
          r.opening.record = Buffer.from(canonicalJsonBytes(record)).toString('base64');
        },
        'BUNDLE_RECORD_INVALID',
        `ledger index ${good.incidentIndex}`,
      );
    });

    it('the wrong key: BUNDLE_CHECKPOINT_INVALID', () => {
      const other = generateSignerKey(BUNDLE_ORIGIN).verifierKey;
      const found = failure(good.bundle, other);
      expect(found.code).toBe('BUNDLE_CHECKPOINT_INVALID');
      expect(found.subject).toBe('checkpoint');
      expect(failure(good.bundle, 'not a key').code).toBe('BUNDLE_KEY_INVALID');
    });

    it('the checkpoint of another log: BUNDLE_CHECKPOINT_INVALID', () => {
      expectFailure(
        good,
        (b) => {
          b.checkpoint = checkpointOfAnotherLog(good);
        },
        'BUNDLE_CHECKPOINT_INVALID',
        'checkpoint',
      );
    });

    it('a batch signed by a key not live when it was received: BUNDLE_TELEMETRY_INVALID', () => {
      const fixture = buildIncidentBundle({
        rotateKeyAtMs: OCCURRED_MS - 60_000,
        batches: [DEFAULT_BATCHES[0]!, { ...DEFAULT_BATCHES[1]!, key: 'filed' }],
      });
      const message = expectFailure(fixture, () => {}, 'BUNDLE_TELEMETRY_INVALID', 'item it-batch-1');
      expect(message).toContain('live when it was received');
    });

    it('a batch signed by a key the robot never registered: BUNDLE_TELEMETRY_INVALID', () => {
      const fixture = buildIncidentBundle({ batches: [{ ...DEFAULT_BATCHES[0]!, key: 'foreign' }] });
      expectFailure(fixture, () => {}, 'BUNDLE_TELEMETRY_INVALID', 'item it-batch-0');
    });

    it('a telemetry item of another robot: BUNDLE_TELEMETRY_INVALID', () => {
      const fixture = buildIncidentBundle({
        batches: [DEFAULT_BATCHES[0]!, { ...DEFAULT_BATCHES[1]!, robot: 'other' }],
      });
      const message = expectFailure(fixture, () => {}, 'BUNDLE_TELEMETRY_INVALID', 'item it-batch-1');
      expect(message).toContain("not of the incident's robot");
    });

    it('a telemetry item without its telemetry_batch record: BUNDLE_TELEMETRY_INVALID', () => {
      expectFailure(
        good,
        (b) => {
          const digest = item(b, 'it-batch-2').sha256;
          b.records = b.records.filter(
            (r: { opening: { kind: string; record: string } }) =>
              r.opening.kind !== 'telemetry_batch' ||
              !Buffer.from(r.opening.record, 'base64').toString('utf8').includes(digest),
          );
        },
        'BUNDLE_TELEMETRY_INVALID',
        'item it-batch-2',
      );
    });

    it('a batch with no sample in the window: BUNDLE_TELEMETRY_INVALID', () => {
      const fixture = buildIncidentBundle({
        batches: [DEFAULT_BATCHES[0]!, { startMs: OCCURRED_MS + 11 * 60_000, samples: 3 }],
      });
      expectFailure(fixture, () => {}, 'BUNDLE_TELEMETRY_INVALID', 'item it-batch-1');
    });

    it.each([
      ['severity', (b: { incident: Record<string, unknown> }) => (b.incident.severity = 'minor')],
      ['kind', (b: { incident: Record<string, unknown> }) => (b.incident.kind = 'collision')],
      [
        'robotId',
        (b: { incident: Record<string, unknown> }) => (b.incident.robotId = 'CNB7K2B0A3T511000000000123463'),
      ],
      [
        'occurredAt',
        (b: { incident: Record<string, unknown> }) => (b.incident.occurredAt = '2026-11-03T14:00:01.000Z'),
      ],
      [
        'window',
        // biome-ignore lint/suspicious/noExplicitAny: JSON edited freely
        (b: any) =>
          (b.incident.evidence.window = {
            from: '2026-11-03T13:35:00.000Z',
            to: b.incident.evidence.window.to,
          }),
      ],
      // biome-ignore lint/suspicious/noExplicitAny: JSON edited freely
      ['parties', (b: any) => b.incident.parties.pop()],
      ['ledgerIndex', (b: { incident: Record<string, unknown> }) => (b.incident.ledgerIndex = 0)],
    ])('the incident JSON disagreeing with its record (%s): BUNDLE_INCIDENT_MISMATCH', (_field, edit) => {
      expectFailure(good, edit, 'BUNDLE_INCIDENT_MISMATCH', `incident ${INCIDENT_ID}`);
    });

    it('no incident record of the incident: BUNDLE_INCIDENT_MISMATCH', () => {
      expectFailure(
        good,
        (b) => {
          b.records = b.records.filter((r: { opening: { kind: string } }) => r.opening.kind !== 'incident');
        },
        'BUNDLE_INCIDENT_MISMATCH',
        'incident',
      );
    });

    it('another incident: BUNDLE_INCIDENT_MISMATCH on the first of its records', () => {
      expectFailure(
        good,
        (b) => {
          b.incident.incidentId = 'inc-other';
        },
        'BUNDLE_INCIDENT_MISMATCH',
        /^record \d+ \(ledger index \d+\)$/,
      );
    });

    // biome-ignore lint/suspicious/noExplicitAny: JSON edited freely
    const malformed: [string, (b: any) => unknown, string][] = [
      ['not an object', () => 'bundle', 'bundle'],
      ['another format', (b) => ({ ...b, format: 'roboledger-incident-bundle/2' }), 'bundle'],
      [
        'a proof hash not base64',
        (b) => {
          b.records[0].proof[0] = 'xyz';
        },
        'record 0',
      ],
      [
        'an unknown item kind',
        (b) => {
          b.items[0].kind = 'video';
        },
        'item it-config',
      ],
      ['an item twice', (b) => b.items.push(b.items[0]) && undefined, 'item it-config'],
    ];
    it.each(malformed)('a malformed bundle (%s): BUNDLE_MALFORMED', (_what, edit, subject) => {
      const bundle = clone(good.bundle);
      const found = failure(edit(bundle) ?? bundle, good.verifierKey);
      expect(found.code).toBe('BUNDLE_MALFORMED');
      expect(found.subject).toBe(subject);
    });
  });

  it('every error code is documented in docs/incidents.md', () => {
    const doc = readFileSync(new URL('../../../docs/incidents.md', import.meta.url), 'utf8');
    for (const code of Object.keys(BUNDLE_ERROR_CODES)) expect(doc, code).toContain(`\`${code}\``);
  });
});
