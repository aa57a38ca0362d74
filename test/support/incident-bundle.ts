// Real `roboledger-incident-bundle/1` bundles for the offline verifier's tests and benchmarks:
// a log signer key, records committed under fresh salts into an in-memory version 2 log
// (test/ledger/v2-log.ts), inclusion proofs and a signed checkpoint from src/ledger, telemetry
// batches signed as compact EdDSA JWS by the robot's device key. The format is the one
// `GET /v1/incidents/{id}/bundle` emits (docs/incidents.md "Verifying a bundle offline").
// Free of vitest, so that a benchmark can use it too.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { signTelemetryBatch } from '../../src/core/simulation/index.js';
import { formatCheckpoint } from '../../src/ledger/checkpoint.js';
import {
  canonicalJsonBytes,
  generateSignerKey,
  makeSalt,
  noteSigner,
  type OpeningJson,
  sha256,
  signNote,
} from '../../src/ledger/index.js';
import { V2TestLog } from '../ledger/v2-log.js';
import { healthySample } from './telemetry-fleet.js';

export const BUNDLE_ORIGIN = 'bundle.roboledger.example/ledger';
export const INCIDENT_ID = 'inc-7f3c9a10-0001';
export const OCCURRED_AT = '2026-11-03T14:00:00.000Z';
export const OCCURRED_MS = Date.parse(OCCURRED_AT);
export const WINDOW = { from: '2026-11-03T13:30:00.000Z', to: '2026-11-03T14:10:00.000Z' };
export const ROBOT = {
  robot: '0b6c3f9e-1d2a-4c5b-8e7f-000000000001',
  robotId: 'CNB7K2B0A3T511000000000123455',
};
export const OTHER_ROBOT = {
  robot: '0b6c3f9e-1d2a-4c5b-8e7f-000000000002',
  robotId: 'CNB7K2B0A3T511000000000123463',
};
const FILED_AT = '2026-05-01T00:00:00.000Z';
const JOINTS = 4;

interface DeviceKey {
  privateKey: KeyObject;
  /** base64url of the raw 32 bytes, as a filing or key rotation names it. */
  publicKey: string;
}

function deviceKey(): DeviceKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: publicKey.export({ format: 'jwk' }).x! };
}

/** One telemetry batch of the bundle: `samples` samples `intervalMs` apart from `startMs`. */
export interface BatchSpec {
  startMs: number;
  samples: number;
  intervalMs?: number;
  /** Default: 1 s after the last sample. */
  receivedAtMs?: number;
  /** Which key signs it (default: the key live at receipt). */
  key?: 'filed' | 'rotated' | 'foreign';
  /** The robot whose batch it is (default: the incident's). */
  robot?: 'incident' | 'other';
  /** Joins the evidence after the report, by an incident_evidence record (default: false). */
  late?: boolean;
}

export interface BundleOptions {
  /** Default: three batches, 13:59:30-13:59:49, 13:59:50-14:00:09, 14:00:20-14:00:39, 1 s apart. */
  batches?: BatchSpec[];
  /** A key rotation recorded at this instant (the rotated key signs batches received from then). */
  rotateKeyAtMs?: number;
  /** Add a late attachment (default: true). */
  attachment?: boolean;
  /** Records of no interest before and after the incident's (default: 5). */
  noise?: number;
  /** The evidence window recorded and shown (default: the rule's, WINDOW). */
  window?: { from: string; to: string };
}

export interface IncidentBundleFixture {
  // biome-ignore lint/suspicious/noExplicitAny: a JSON document the tests edit freely
  bundle: any;
  verifierKey: string;
  signerKey: string;
  log: V2TestLog;
  /** Ledger index of each item by itemId, and the index of the incident record. */
  incidentIndex: number;
}

export const DEFAULT_BATCHES: BatchSpec[] = [
  { startMs: OCCURRED_MS - 30_000, samples: 20 },
  { startMs: OCCURRED_MS - 10_000, samples: 20 },
  { startMs: OCCURRED_MS + 20_000, samples: 20 },
];

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const iso = (ms: number) => new Date(ms).toISOString();

const PARTIES = [
  { role: 'operator', orgId: 'org-owner' },
  { role: 'manufacturer', orgId: 'org-maker' },
  { role: 'software_provider', orgId: 'org-loco', component: 'locomotion' },
];

function jsonItems(): { itemId: string; kind: string; content: unknown }[] {
  return [
    {
      itemId: 'it-config',
      kind: 'configuration',
      content: {
        software: [
          {
            component: 'locomotion',
            version: '2.3.0',
            providerOrgId: 'org-loco',
            since: '2026-11-02T18:00:00.000Z',
          },
        ],
        faultCodes: [{ code: 'LOCO_BAL_SW', component: 'locomotion', origin: 'software' }],
      },
    },
    {
      itemId: 'it-control',
      kind: 'control_timeline',
      content: [{ from: WINDOW.from, to: WINDOW.to, mode: 'autonomous', source: 'loco-stack/2.3.0' }],
    },
    { itemId: 'it-alerts', kind: 'alerts', content: [] },
    {
      itemId: 'it-events',
      kind: 'events',
      content: [{ type: 'software_update', at: '2026-11-02T18:00:00.000Z', component: 'locomotion' }],
    },
    {
      itemId: 'it-access',
      kind: 'access_log',
      content: [{ orgId: 'org-owner', at: OCCURRED_AT, action: 'read' }],
    },
  ];
}

/**
 * Builds a bundle that verifies (unless a spec asks for a flaw: a batch signed by a retired or
 * foreign key, or of another robot). Salts are fresh (makeSalt); the checkpoint covers the log
 * as built, noise records included, so every proof has several hashes.
 */
export function buildIncidentBundle(options: BundleOptions = {}): IncidentBundleFixture {
  const { signerKey, verifierKey } = generateSignerKey(BUNDLE_ORIGIN);
  const log = new V2TestLog(BUNDLE_ORIGIN, () => makeSalt());
  const noise = options.noise ?? 5;
  const keys = { filed: deviceKey(), rotated: deviceKey(), foreign: deviceKey(), other: deviceKey() };
  const proven: number[] = [];

  for (let i = 0; i < noise; i++)
    log.append('organisation', { kind: 'organisation', id: `org-${i}`, name: `Org ${i}` });
  const filing = (robot: typeof ROBOT, key: DeviceKey) =>
    log.appendChained('records', 'robot_event', robot, {
      id: `ev-filing-${robot.robot.slice(-4)}`,
      type: 'filing',
      occurredAt: FILED_AT,
      recordedAt: FILED_AT,
      actorOrgId: 'org-maker',
      fromStatus: null,
      toStatus: 'registered',
      data: { devicePublicKey: key.publicKey },
    });
  proven.push(filing(ROBOT, keys.filed).index);
  proven.push(filing(OTHER_ROBOT, keys.other).index);
  if (options.rotateKeyAtMs !== undefined) {
    const at = iso(options.rotateKeyAtMs);
    proven.push(
      log.appendChained('records', 'robot_event', ROBOT, {
        id: 'ev-rotation',
        type: 'key_rotation',
        occurredAt: at,
        recordedAt: at,
        actorOrgId: 'org-owner',
        fromStatus: null,
        toStatus: null,
        data: { devicePublicKey: keys.rotated.publicKey },
      }).index,
    );
  }

  // Telemetry: each batch signed and committed as a telemetry_batch record.
  const seqs = { incident: 0, other: 0 };
  const telemetry = (options.batches ?? DEFAULT_BATCHES).map((spec, i) => {
    const which = spec.robot ?? 'incident';
    const robot = which === 'other' ? OTHER_ROBOT : ROBOT;
    const interval = spec.intervalMs ?? 1000;
    const samples = Array.from({ length: spec.samples }, (_, s) =>
      healthySample(JOINTS, spec.startMs + s * interval),
    );
    const receivedAtMs = spec.receivedAtMs ?? spec.startMs + (spec.samples - 1) * interval + 1000;
    const rotated = options.rotateKeyAtMs !== undefined && receivedAtMs >= options.rotateKeyAtMs;
    const key = which === 'other' ? keys.other : keys[spec.key ?? (rotated ? 'rotated' : 'filed')];
    const seq = seqs[which]++;
    const jws = signTelemetryBatch({ robotId: robot.robotId, seq, samples }, key.privateKey, robot.robotId);
    const jwsSha256 = hex(sha256(new TextEncoder().encode(jws)));
    const record = log.appendChained('batches', 'telemetry_batch', robot, {
      id: `${robot.robot}:${seq}`,
      seq,
      jwsSha256,
      firstSampleAt: samples[0]!.t,
      lastSampleAt: samples[samples.length - 1]!.t,
      sampleCount: samples.length,
      receivedAt: iso(receivedAtMs),
    });
    proven.push(record.index);
    return { itemId: `it-batch-${i}`, kind: 'telemetry', sha256: jwsSha256, jws, late: spec.late ?? false };
  });

  const json = jsonItems().map((item) => ({
    ...item,
    sha256: hex(sha256(canonicalJsonBytes(item.content))),
  }));
  const frozen = [...json, ...telemetry.filter((t) => !t.late)];
  const reportedAt = iso(OCCURRED_MS + 3_600_000);
  const incidentRecord = log.appendChained('records', 'incident', ROBOT, {
    incidentId: INCIDENT_ID,
    incidentKind: 'fall',
    severity: 'serious',
    occurredAt: OCCURRED_AT,
    awareAt: iso(OCCURRED_MS + 600_000),
    reportedAt,
    reportedBy: 'org-owner',
    widespread: false,
    window: options.window ?? WINDOW,
    parties: PARTIES,
    items: frozen.map((i) => ({ itemId: i.itemId, kind: i.kind, sha256: i.sha256 })),
  });
  proven.push(incidentRecord.index);
  const indexOf = new Map(frozen.map((i) => [i.itemId, incidentRecord.index]));

  const holdRecord = log.append('incident_hold', {
    kind: 'incident_hold',
    incidentId: INCIDENT_ID,
    action: 'placed',
    at: reportedAt,
    by: 'org-owner',
  });
  proven.push(holdRecord.index);

  const evidence = (
    itemId: string,
    itemKind: string,
    digest: string,
    extra: Record<string, unknown> = {},
  ) => {
    const r = log.appendChained('records', 'incident_evidence', ROBOT, {
      incidentId: INCIDENT_ID,
      itemId,
      itemKind,
      sha256: digest,
      addedAt: iso(OCCURRED_MS + 7_200_000),
      addedBy: 'org-owner',
      ...extra,
    });
    proven.push(r.index);
    indexOf.set(itemId, r.index);
  };
  for (const t of telemetry.filter((t) => t.late)) evidence(t.itemId, 'telemetry', t.sha256);
  const attachment =
    options.attachment === false
      ? undefined
      : {
          itemId: 'it-photo',
          kind: 'attachment',
          bytes: new TextEncoder().encode('a photograph of the scene, as bytes'),
          mediaType: 'image/jpeg',
          filename: 'scene.jpg',
        };
  if (attachment) {
    evidence(attachment.itemId, 'attachment', hex(sha256(attachment.bytes)), {
      size: attachment.bytes.length,
      mediaType: attachment.mediaType,
      filename: attachment.filename,
    });
  }
  proven.push(
    log.append('incident_investigation', {
      kind: 'incident_investigation',
      incidentId: INCIDENT_ID,
      fromStatus: 'reported',
      toStatus: 'investigating',
      at: iso(OCCURRED_MS + 86_400_000),
    }).index,
  );
  const findings = { summary: 'The balance controller failed after the update.', rootCause: 'software' };
  proven.push(
    log.append('incident_findings', {
      kind: 'incident_findings',
      incidentId: INCIDENT_ID,
      at: iso(OCCURRED_MS + 2 * 86_400_000),
      findings,
    }).index,
  );
  for (let i = 0; i < noise; i++)
    log.append('organisation', { kind: 'organisation', id: `org-late-${i}`, name: `Late ${i}` });

  const checkpoint = signNote(formatCheckpoint(log.checkpoint()), [noteSigner(signerKey)]);
  const records = proven
    .sort((a, b) => a - b)
    .map((index) => ({
      opening: log.records[index]!.opening as OpeningJson,
      proof: log.proof(index).map(b64),
    }));
  const items = [
    ...json.map((i) => ({
      itemId: i.itemId,
      kind: i.kind,
      sha256: i.sha256,
      ledgerIndex: indexOf.get(i.itemId)!,
      content: i.content,
    })),
    ...telemetry.map((t) => ({
      itemId: t.itemId,
      kind: 'telemetry',
      sha256: t.sha256,
      ledgerIndex: indexOf.get(t.itemId)!,
      jws: t.jws,
    })),
    ...(attachment
      ? [
          {
            itemId: attachment.itemId,
            kind: 'attachment',
            sha256: hex(sha256(attachment.bytes)),
            ledgerIndex: indexOf.get(attachment.itemId)!,
            size: attachment.bytes.length,
            mediaType: attachment.mediaType,
            filename: attachment.filename,
            contentBase64: b64(attachment.bytes),
          },
        ]
      : []),
  ];
  const bundle = {
    format: 'roboledger-incident-bundle/1',
    exportedAt: iso(OCCURRED_MS + 3 * 86_400_000),
    incident: {
      incidentId: INCIDENT_ID,
      robotId: ROBOT.robotId,
      kind: 'fall',
      severity: 'serious',
      status: 'investigating',
      occurredAt: OCCURRED_AT,
      awareAt: iso(OCCURRED_MS + 600_000),
      reportedAt,
      reportedBy: 'org-owner',
      reportingDeadline: iso(OCCURRED_MS + 600_000 + 15 * 86_400_000),
      hold: { active: true, placedAt: reportedAt },
      parties: PARTIES,
      evidence: {
        window: options.window ?? WINDOW,
        items: items.map((i) => ({
          itemId: i.itemId,
          kind: i.kind,
          sha256: i.sha256,
          ledgerIndex: i.ledgerIndex,
        })),
      },
      findings: [findings],
      ledgerIndex: incidentRecord.index,
    },
    checkpoint,
    records,
    items,
  };
  return { bundle, verifierKey, signerKey, log, incidentIndex: incidentRecord.index };
}

/** Re-signs a bundle's checkpoint over the fixture's log with another key (a bundle of "another log"). */
export function checkpointOfAnotherLog(
  fixture: IncidentBundleFixture,
  origin = 'other.example/ledger',
): string {
  const other = generateSignerKey(origin);
  return signNote(formatCheckpoint({ ...fixture.log.checkpoint(), origin }), [noteSigner(other.signerKey)]);
}
