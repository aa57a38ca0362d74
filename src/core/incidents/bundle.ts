// The incident bundle checked offline (docs/incidents.md "Verifying a bundle offline"): what a
// court, an insurer or any party runs on a `roboledger-incident-bundle/1` file with the log's
// verifier key alone. Pure and synchronous: the parsed JSON and the key come in, a summary of
// what holds comes out, or a BundleError naming the first check that failed and the item or
// record it failed on. Trust comes from the key only: the checkpoint's signature, then every
// record's inclusion proof against it, then each item's digest against the record that
// commits it, then each telemetry batch's signature by the robot's own device key.

import {
  type Checkpoint,
  canonicalJson,
  canonicalJsonBytes,
  type NoteVerifier,
  noteVerifier,
  type OpenedRecord,
  openCheckpoint,
  sha256,
  verifyOpening,
} from '../../ledger/index.js';
import { batchEvidenceProblem, deviceKeySpans } from '../telemetry/batch-evidence.js';
import { parseTimestamp } from '../timestamp.js';
import { MAX_READING_GAP_MS } from './control-timeline.js';
import { evidenceWindow, inWindow, type TimeWindow } from './incident.js';

export const INCIDENT_BUNDLE_FORMAT = 'roboledger-incident-bundle/1';

/** Every code a bundle can fail with, each with its meaning (documented in docs/incidents.md). */
export const BUNDLE_ERROR_CODES = {
  BUNDLE_MALFORMED:
    'The bundle is not a roboledger-incident-bundle/1 document: a member is missing or of the wrong type, an item or ledger index repeats, an item kind is unknown.',
  BUNDLE_KEY_INVALID: 'The verifier key given is not a note verifier key (name+hash+base64).',
  BUNDLE_CHECKPOINT_INVALID:
    "The checkpoint is not signed by the verifier key, is of another log (its origin is not the key's name) or is malformed.",
  BUNDLE_RECORD_INVALID:
    'A record is not included in the checkpoint: a malformed opening or proof, a record that is not canonical, or a wrong salt, record, index or proof.',
  BUNDLE_INCIDENT_MISMATCH:
    'The incident as shown disagrees with its ledger records: no incident record of its incidentId (or two), a field (robotId, kind, severity, occurredAt, window, parties, ledgerIndex, evidence list) that differs, a record of another incident, an item committed twice.',
  BUNDLE_ITEM_DIGEST:
    "An item's content, JWS or bytes do not hash to the sha256 it states (or its size is wrong).",
  BUNDLE_ITEM_UNCOMMITTED:
    'An item is committed by no record of the incident with its itemId, kind and sha256, or its ledgerIndex is not the index of the record that commits it.',
  BUNDLE_ITEM_MISSING: 'A record of the incident commits an item the bundle does not carry.',
  BUNDLE_TELEMETRY_INVALID:
    "A telemetry item has no telemetry_batch record in the bundle, is another robot's batch, is not signed by the robot's device key live when it was received, or has no sample in the evidence window.",
} as const satisfies Record<string, string>;

export type BundleErrorCode = keyof typeof BUNDLE_ERROR_CODES;

/** Why a bundle does not hold: the check (`code`), what it failed on (`subject`) and why. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
  constructor(
    readonly code: BundleErrorCode,
    /** What failed: `bundle`, `checkpoint`, `record 3 (ledger index 41)`, `item it-7`, `incident`. */
    readonly subject: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function isBundleError(error: unknown): error is BundleError {
  return error instanceof BundleError;
}

export const JSON_ITEM_KINDS = [
  'configuration',
  'control_timeline',
  'alerts',
  'events',
  'access_log',
] as const;
export const BUNDLE_ITEM_KINDS = [...JSON_ITEM_KINDS, 'telemetry', 'attachment'] as const;
export type BundleItemKind = (typeof BUNDLE_ITEM_KINDS)[number];

/** A record that was opened and proven, by its ledger index, with the record's members. */
export interface ProvenRecordSummary {
  ledgerIndex: number;
  record: Record<string, unknown>;
}

export interface BundleGap {
  from: string;
  to: string;
}

/** What a bundle that holds shows. Times are RFC 3339 (UTC, milliseconds). */
export interface BundleVerification {
  incidentId: string;
  robotId: string;
  kind: string;
  severity: string;
  occurredAt: string;
  window: { from: string; to: string };
  /** Whether the window is the rule's, occurredAt − 30 min to + 10 min (reported, not checked). */
  windowIsRule: boolean;
  /** The ledger index of the incident record. */
  ledgerIndex: number;
  origin: string;
  treeSize: number;
  /** Base64 root hash of the checkpoint. */
  rootHash: string;
  /** Names on signature lines the verifier key does not cover (witness cosignatures), unchecked. */
  otherSignatures: string[];
  /** Records opened and proven. */
  records: number;
  recordKinds: Record<string, number>;
  /** Items by kind (every kind present, zero included). */
  items: Record<BundleItemKind, number>;
  coverage: {
    /** First and last sample time inside the window, null without any. */
    from: string | null;
    to: string | null;
    /** Samples inside the window, over all telemetry items. */
    samples: number;
    /** Stretches of the window longer than 5 s without a sample (its start and end included). */
    gaps: BundleGap[];
    /** True when the bundle has no telemetry item at all. */
    missingTelemetry: boolean;
  };
  holds: ProvenRecordSummary[];
  investigation: ProvenRecordSummary[];
  findings: ProvenRecordSummary[];
}

// ---------------------------------------------------------------------------------------------
// Small readers: the bundle is untrusted JSON.

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(subject: string, message: string): BundleError {
  return new BundleError('BUNDLE_MALFORMED', subject, message);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  const more = cause instanceof Error && !error.message.includes(cause.message) ? ` (${cause.message})` : '';
  return `${error.message}${more}${typeof code === 'string' ? ` [${code}]` : ''}`;
}

const HEX64 = /^[0-9a-f]{64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Standard padded base64 in its one canonical spelling (Node's Buffer skips what it does not understand). */
function base64Bytes(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
    : undefined;
}

function isSafeCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function instant(value: unknown): number | undefined {
  return typeof value === 'string' ? parseTimestamp(value) : undefined;
}

function windowOf(value: unknown): TimeWindow | undefined {
  if (!isObject(value)) return undefined;
  const from = instant(value.from);
  const to = instant(value.to);
  return from === undefined || to === undefined || from > to ? undefined : { from, to };
}

// ---------------------------------------------------------------------------------------------
// The bundle's shape.

interface BundleItem {
  itemId: string;
  kind: BundleItemKind;
  sha256: string;
  ledgerIndex: number;
  raw: Json;
}

interface BundleRecord {
  opening: unknown;
  proof: Uint8Array[];
}

interface ParsedBundle {
  incident: Json;
  incidentId: string;
  checkpoint: string;
  records: BundleRecord[];
  items: BundleItem[];
}

function parseBundle(bundle: unknown): ParsedBundle {
  if (!isObject(bundle)) throw malformed('bundle', 'a bundle is a JSON object');
  if (bundle.format !== INCIDENT_BUNDLE_FORMAT) {
    throw malformed(
      'bundle',
      `the format is ${JSON.stringify(bundle.format)}, not ${INCIDENT_BUNDLE_FORMAT}`,
    );
  }
  if (typeof bundle.exportedAt !== 'string' || parseTimestamp(bundle.exportedAt) === undefined) {
    throw malformed('bundle', 'exportedAt is not an RFC 3339 time');
  }
  const incident = bundle.incident;
  if (!isObject(incident) || typeof incident.incidentId !== 'string' || incident.incidentId === '') {
    throw malformed('incident', 'the bundle has no incident with an incidentId');
  }
  if (typeof bundle.checkpoint !== 'string')
    throw malformed('checkpoint', 'the checkpoint is not a signed note');
  if (!Array.isArray(bundle.records)) throw malformed('bundle', 'records is not an array');
  if (!Array.isArray(bundle.items)) throw malformed('bundle', 'items is not an array');

  const records = bundle.records.map((value, position): BundleRecord => {
    const subject = `record ${position}`;
    if (!isObject(value) || !Array.isArray(value.proof)) {
      throw malformed(subject, 'a record is {opening, proof: [base64 hash, ...]}');
    }
    const proof = value.proof.map((hash, i) => {
      const bytes = typeof hash === 'string' ? base64Bytes(hash) : undefined;
      if (bytes?.length !== 32)
        throw malformed(subject, `proof[${i}] is not a 32-byte hash in padded base64`);
      return bytes;
    });
    return { opening: value.opening, proof };
  });

  const seen = new Set<string>();
  const items = bundle.items.map((value, position): BundleItem => {
    if (!isObject(value) || typeof value.itemId !== 'string' || value.itemId === '') {
      throw malformed(`item #${position}`, 'an item has an itemId');
    }
    const subject = `item ${value.itemId}`;
    if (seen.has(value.itemId)) throw malformed(subject, 'the item is in the bundle twice');
    seen.add(value.itemId);
    const kind = value.kind as BundleItemKind;
    if (!BUNDLE_ITEM_KINDS.includes(kind))
      throw malformed(subject, `unknown item kind ${JSON.stringify(value.kind)}`);
    if (typeof value.sha256 !== 'string' || !HEX64.test(value.sha256)) {
      throw malformed(subject, 'sha256 is not 64 lowercase hex digits');
    }
    if (!isSafeCount(value.ledgerIndex))
      throw malformed(subject, 'ledgerIndex is not a non-negative integer');
    if (kind === 'telemetry' && (typeof value.jws !== 'string' || !COMPACT_JWS.test(value.jws))) {
      throw malformed(subject, 'a telemetry item carries its compact JWS (jws)');
    }
    if (kind === 'attachment') {
      if (typeof value.contentBase64 !== 'string')
        throw malformed(subject, 'an attachment carries contentBase64');
      if (!isSafeCount(value.size)) throw malformed(subject, 'an attachment states its size');
    }
    if (kind !== 'telemetry' && kind !== 'attachment' && !('content' in value)) {
      throw malformed(subject, `a ${kind} item carries its content`);
    }
    return { itemId: value.itemId, kind, sha256: value.sha256, ledgerIndex: value.ledgerIndex, raw: value };
  });

  return { incident, incidentId: incident.incidentId, checkpoint: bundle.checkpoint, records, items };
}

// ---------------------------------------------------------------------------------------------
// The checks.

function openSignedCheckpoint(
  note: string,
  verifierKey: string,
): { checkpoint: Checkpoint; others: string[] } {
  let log: NoteVerifier;
  try {
    log = noteVerifier(verifierKey);
  } catch (error) {
    throw new BundleError('BUNDLE_KEY_INVALID', 'key', describe(error), { cause: error });
  }
  try {
    const opened = openCheckpoint(note, [log], { origin: log.name });
    return { checkpoint: opened.checkpoint, others: opened.note.unverifiedSigs.map((s) => s.name) };
  } catch (error) {
    throw new BundleError(
      'BUNDLE_CHECKPOINT_INVALID',
      'checkpoint',
      `not a checkpoint of ${log.name} signed by its key: ${describe(error)}`,
      { cause: error },
    );
  }
}

interface Proven extends OpenedRecord {
  position: number;
  body: Json;
}

const subjectOf = (r: { position: number; index: number }) =>
  `record ${r.position} (ledger index ${r.index})`;

function proveRecords(records: readonly BundleRecord[], checkpoint: Checkpoint): Proven[] {
  const indices = new Set<number>();
  return records.map((r, position) => {
    let opened: OpenedRecord;
    try {
      opened = verifyOpening(r.opening as never, checkpoint, r.proof);
    } catch (error) {
      const index =
        isObject(r.opening) && isSafeCount(r.opening.index) ? ` (ledger index ${r.opening.index})` : '';
      throw new BundleError(
        'BUNDLE_RECORD_INVALID',
        `record ${position}${index}`,
        `not proven in the checkpoint of size ${checkpoint.size}: ${describe(error)}`,
        { cause: error },
      );
    }
    if (indices.has(opened.index))
      throw malformed(subjectOf({ position, index: opened.index }), 'the ledger index repeats');
    indices.add(opened.index);
    if (!isObject(opened.record)) {
      throw new BundleError(
        'BUNDLE_RECORD_INVALID',
        subjectOf({ position, index: opened.index }),
        'the record is not a JSON object',
      );
    }
    return { ...opened, position, body: opened.record };
  });
}

const INCIDENT_RECORD_KINDS = [
  'incident',
  'incident_evidence',
  'incident_hold',
  'incident_investigation',
  'incident_findings',
];

function mismatch(subject: string, message: string): BundleError {
  return new BundleError('BUNDLE_INCIDENT_MISMATCH', subject, message);
}

/** The one incident record of the bundle's incident, checked against the incident as shown. */
function checkIncident(incident: Json, incidentId: string, proven: readonly Proven[]): Proven {
  for (const r of proven) {
    if (INCIDENT_RECORD_KINDS.includes(r.kind) && r.body.incidentId !== incidentId) {
      throw mismatch(
        subjectOf(r),
        `the ${r.kind} record is of incident ${String(r.body.incidentId)}, not ${incidentId}`,
      );
    }
  }
  const found = proven.filter((r) => r.kind === 'incident');
  if (found.length !== 1) {
    throw mismatch(
      'incident',
      `${found.length} incident records of ${incidentId} in the bundle, not exactly one`,
    );
  }
  const record = found[0]!;
  const body = record.body;
  const subject = `incident ${incidentId} (ledger index ${record.index})`;
  if (typeof body.robot !== 'string' || body.robot === '')
    throw mismatch(subject, 'the incident record names no robot');
  const evidence = isObject(incident.evidence) ? incident.evidence : {};
  const same = (field: string, shown: unknown, committed: unknown) => {
    if (shown !== committed || typeof committed !== 'string') {
      throw mismatch(
        subject,
        `${field} is ${JSON.stringify(shown)}, the ledger record says ${JSON.stringify(committed)}`,
      );
    }
  };
  same('robotId', incident.robotId, body.robotId);
  same('kind', incident.kind, body.incidentKind);
  same('severity', incident.severity, body.severity);
  const occurred = instant(body.occurredAt);
  if (occurred === undefined || instant(incident.occurredAt) !== occurred) {
    throw mismatch(
      subject,
      `occurredAt is ${JSON.stringify(incident.occurredAt)}, the ledger record says ${JSON.stringify(body.occurredAt)}`,
    );
  }
  const window = windowOf(body.window);
  const shownWindow = windowOf(evidence.window);
  if (window === undefined || shownWindow?.from !== window.from || shownWindow.to !== window.to) {
    throw mismatch(
      subject,
      `the evidence window is ${JSON.stringify(evidence.window)}, the ledger record says ${JSON.stringify(body.window)}`,
    );
  }
  if (
    !Array.isArray(body.parties) ||
    !Array.isArray(incident.parties) ||
    canonical(incident.parties) !== canonical(body.parties)
  ) {
    throw mismatch(subject, 'the parties differ from those of the ledger record');
  }
  if (incident.ledgerIndex !== record.index) {
    throw mismatch(
      subject,
      `ledgerIndex is ${JSON.stringify(incident.ledgerIndex)}, the incident record is at ${record.index}`,
    );
  }
  return record;
}

function canonical(value: unknown): string | undefined {
  try {
    return canonicalJson(value);
  } catch {
    return undefined;
  }
}

/** An item a record commits: its kind and digest, and the index of the record. */
interface Commitment {
  itemId: string;
  kind: string;
  sha256: string;
  index: number;
  record: Proven;
}

function commitments(incidentRecord: Proven, proven: readonly Proven[]): Map<string, Commitment> {
  const out = new Map<string, Commitment>();
  const add = (c: Commitment) => {
    const before = out.get(c.itemId);
    if (before) {
      throw mismatch(
        `item ${c.itemId}`,
        `committed twice, by the records at ledger index ${before.index} and ${c.index}`,
      );
    }
    out.set(c.itemId, c);
  };
  const frozen = incidentRecord.body.items;
  if (!Array.isArray(frozen))
    throw mismatch(subjectOf(incidentRecord), 'the incident record has no items list');
  for (const item of frozen) {
    if (
      !isObject(item) ||
      typeof item.itemId !== 'string' ||
      typeof item.kind !== 'string' ||
      typeof item.sha256 !== 'string'
    ) {
      throw mismatch(
        subjectOf(incidentRecord),
        'an item of the incident record is not {itemId, kind, sha256}',
      );
    }
    add({
      itemId: item.itemId,
      kind: item.kind,
      sha256: item.sha256,
      index: incidentRecord.index,
      record: incidentRecord,
    });
  }
  for (const r of proven) {
    if (r.kind !== 'incident_evidence') continue;
    const { itemId, itemKind, sha256: digest } = r.body;
    if (typeof itemId !== 'string' || typeof itemKind !== 'string' || typeof digest !== 'string') {
      throw mismatch(subjectOf(r), 'the incident_evidence record has no itemId, itemKind and sha256');
    }
    add({ itemId, kind: itemKind, sha256: digest, index: r.index, record: r });
  }
  return out;
}

/** SHA-256 (hex) of what an item carries, as its kind defines it. */
function itemDigest(item: BundleItem): string {
  const subject = `item ${item.itemId}`;
  if (item.kind === 'telemetry') return hex(sha256(Buffer.from(item.raw.jws as string, 'latin1')));
  if (item.kind === 'attachment') {
    const bytes = base64Bytes(item.raw.contentBase64 as string);
    if (bytes === undefined) throw malformed(subject, 'contentBase64 is not standard padded base64');
    if (bytes.length !== item.raw.size) {
      throw new BundleError(
        'BUNDLE_ITEM_DIGEST',
        subject,
        `its size says ${String(item.raw.size)} bytes, it carries ${bytes.length}`,
      );
    }
    return hex(sha256(bytes));
  }
  let bytes: Uint8Array;
  try {
    bytes = canonicalJsonBytes(item.raw.content);
  } catch (error) {
    throw malformed(subject, `its content has no canonical JSON form: ${describe(error)}`);
  }
  return hex(sha256(bytes));
}

function checkItems(items: readonly BundleItem[], committed: Map<string, Commitment>): void {
  for (const item of items) {
    const subject = `item ${item.itemId}`;
    const digest = itemDigest(item);
    if (digest !== item.sha256) {
      throw new BundleError(
        'BUNDLE_ITEM_DIGEST',
        subject,
        `its ${item.kind} hashes to ${digest}, not to the sha256 it states (${item.sha256})`,
      );
    }
    const c = committed.get(item.itemId);
    if (c === undefined) {
      throw new BundleError(
        'BUNDLE_ITEM_UNCOMMITTED',
        subject,
        'no record of the incident commits this item',
      );
    }
    if (c.kind !== item.kind || c.sha256 !== item.sha256) {
      throw new BundleError(
        'BUNDLE_ITEM_UNCOMMITTED',
        subject,
        `the record at ledger index ${c.index} commits a ${c.kind} with sha256 ${c.sha256}, the bundle carries a ${item.kind} with ${item.sha256}`,
      );
    }
    if (c.index !== item.ledgerIndex) {
      throw new BundleError(
        'BUNDLE_ITEM_UNCOMMITTED',
        subject,
        `its ledgerIndex is ${item.ledgerIndex}, the record that commits it is at ${c.index}`,
      );
    }
    // An attachment added later: its incident_evidence record also names its size, type and name.
    if (item.kind === 'attachment' && c.record.kind === 'incident_evidence') {
      for (const field of ['size', 'mediaType', 'filename'] as const) {
        if (field in c.record.body && c.record.body[field] !== item.raw[field]) {
          throw new BundleError(
            'BUNDLE_ITEM_UNCOMMITTED',
            subject,
            `its ${field} is ${JSON.stringify(item.raw[field])}, the record at ledger index ${c.index} says ${JSON.stringify(c.record.body[field])}`,
          );
        }
      }
    }
  }
  const carried = new Set(items.map((i) => i.itemId));
  for (const c of committed.values()) {
    if (!carried.has(c.itemId)) {
      throw new BundleError(
        'BUNDLE_ITEM_MISSING',
        `item ${c.itemId}`,
        `the record at ledger index ${c.index} commits this ${c.kind} (sha256 ${c.sha256}); the bundle does not carry it`,
      );
    }
  }
}

/** The evidence list the incident shows must be the items the bundle carries, as committed. */
function checkEvidenceList(incident: Json, items: readonly BundleItem[], subject: string): void {
  const evidence = isObject(incident.evidence) ? incident.evidence : {};
  if (!Array.isArray(evidence.items)) throw mismatch(subject, 'the incident shows no evidence items list');
  const key = (i: { itemId?: unknown; kind?: unknown; sha256?: unknown; ledgerIndex?: unknown }) =>
    `${String(i.itemId)} ${String(i.kind)} ${String(i.sha256)} ${String(i.ledgerIndex)}`;
  const shown = new Set(evidence.items.map((i) => (isObject(i) ? key(i) : '')));
  const carried = new Set(items.map(key));
  for (const item of items) {
    if (!shown.has(key(item)))
      throw mismatch(`item ${item.itemId}`, 'the incident does not list it among its evidence as committed');
  }
  for (const value of evidence.items) {
    if (!isObject(value) || !carried.has(key(value))) {
      throw mismatch(
        subject,
        `the incident lists evidence ${JSON.stringify(isObject(value) ? value.itemId : value)} the bundle does not carry as committed`,
      );
    }
  }
}

function telemetryInvalid(item: BundleItem, message: string): BundleError {
  return new BundleError('BUNDLE_TELEMETRY_INVALID', `item ${item.itemId}`, message);
}

/** Every telemetry item: its batch record, of this robot, signed by its live device key, with a sample in the window. Returns the sample times in the window. */
function checkTelemetry(
  items: readonly BundleItem[],
  proven: readonly Proven[],
  incidentRecord: Proven,
  window: TimeWindow,
): number[] {
  const robot = incidentRecord.body.robot as string;
  const batches = new Map<string, Proven[]>();
  const robotEvents: Proven[] = [];
  for (const r of proven) {
    if (r.kind === 'telemetry_batch' && typeof r.body.jwsSha256 === 'string') {
      const list = batches.get(r.body.jwsSha256) ?? [];
      list.push(r);
      batches.set(r.body.jwsSha256, list);
    } else if (r.kind === 'robot_event' && r.body.robot === robot) robotEvents.push(r);
  }
  robotEvents.sort((a, b) => a.index - b.index);
  const keys = deviceKeySpans(robotEvents.map((r) => r.body));
  const times: number[] = [];
  for (const item of items) {
    if (item.kind !== 'telemetry') continue;
    const candidates = batches.get(item.sha256);
    if (candidates === undefined)
      throw telemetryInvalid(item, 'no telemetry_batch record in the bundle digests this JWS');
    const record = candidates.find((r) => r.body.robot === robot);
    if (record === undefined) {
      throw telemetryInvalid(
        item,
        `the telemetry_batch record at ledger index ${candidates[0]!.index} is of robot ${String(candidates[0]!.body.robotId)}, not of the incident's robot`,
      );
    }
    const jws = item.raw.jws as string;
    const problem = batchEvidenceProblem(jws, record.body as never, keys);
    if (problem !== undefined)
      throw telemetryInvalid(item, `batch record at ledger index ${record.index}: ${problem}`);
    let samples: unknown;
    try {
      samples = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')).samples;
    } catch {
      samples = undefined;
    }
    if (!Array.isArray(samples)) throw telemetryInvalid(item, 'its payload has no samples array');
    let inside = 0;
    for (const sample of samples) {
      const t = isObject(sample) && typeof sample.t === 'string' ? parseTimestamp(sample.t) : undefined;
      if (t === undefined) throw telemetryInvalid(item, 'a sample has no RFC 3339 time t');
      if (inWindow(window, t)) {
        times.push(t);
        inside++;
      }
    }
    if (inside === 0) throw telemetryInvalid(item, 'none of its samples is inside the evidence window');
  }
  return times;
}

/** The window's coverage by sample times: the first and last, and every silence longer than 5 s. */
function coverageOf(
  window: TimeWindow,
  times: number[],
  hasTelemetry: boolean,
): BundleVerification['coverage'] {
  const sorted = Float64Array.from(times).sort();
  const gaps: BundleGap[] = [];
  let previous = window.from;
  for (const t of sorted) {
    if (t - previous > MAX_READING_GAP_MS) gaps.push({ from: iso(previous), to: iso(t) });
    previous = t;
  }
  if (window.to - previous > MAX_READING_GAP_MS) gaps.push({ from: iso(previous), to: iso(window.to) });
  return {
    from: sorted.length ? iso(sorted[0]!) : null,
    to: sorted.length ? iso(sorted[sorted.length - 1]!) : null,
    samples: sorted.length,
    gaps,
    missingTelemetry: !hasTelemetry,
  };
}

function summaries(proven: readonly Proven[], kind: string): ProvenRecordSummary[] {
  return proven
    .filter((r) => r.kind === kind)
    .sort((a, b) => a.index - b.index)
    .map((r) => ({ ledgerIndex: r.index, record: r.body }));
}

/**
 * Checks an incident bundle with the log's verifier key alone, in order, stopping at the first
 * failure (a BundleError naming the check and the item or record): 1 the format and the
 * checkpoint's signature; 2 every record's inclusion; 3 the incident against its record; 4
 * every item's digest and commitment, both ways; 5 every telemetry batch as evidence. The
 * coverage of the window by telemetry (6) is reported, not checked.
 */
export function verifyIncidentBundle(bundle: unknown, verifierKey: string): BundleVerification {
  const parsed = parseBundle(bundle);
  const { checkpoint, others } = openSignedCheckpoint(parsed.checkpoint, verifierKey);
  const proven = proveRecords(parsed.records, checkpoint);
  const incidentRecord = checkIncident(parsed.incident, parsed.incidentId, proven);
  const window = windowOf(incidentRecord.body.window)!;
  checkItems(parsed.items, commitments(incidentRecord, proven));
  checkEvidenceList(parsed.incident, parsed.items, `incident ${parsed.incidentId}`);
  const hasTelemetry = parsed.items.some((i) => i.kind === 'telemetry');
  const times = checkTelemetry(parsed.items, proven, incidentRecord, window);

  const items = Object.fromEntries(BUNDLE_ITEM_KINDS.map((k) => [k, 0])) as Record<BundleItemKind, number>;
  for (const item of parsed.items) items[item.kind]++;
  const recordKinds: Record<string, number> = {};
  for (const r of proven) recordKinds[r.kind] = (recordKinds[r.kind] ?? 0) + 1;
  const body = incidentRecord.body;
  const occurredMs = instant(body.occurredAt)!;
  const rule = evidenceWindow(occurredMs);
  return {
    incidentId: parsed.incidentId,
    robotId: body.robotId as string,
    kind: body.incidentKind as string,
    severity: body.severity as string,
    occurredAt: iso(occurredMs),
    window: { from: iso(window.from), to: iso(window.to) },
    windowIsRule: rule.from === window.from && rule.to === window.to,
    ledgerIndex: incidentRecord.index,
    origin: checkpoint.origin,
    treeSize: checkpoint.size,
    rootHash: Buffer.from(checkpoint.rootHash).toString('base64'),
    otherSignatures: others,
    records: proven.length,
    recordKinds,
    items,
    coverage: coverageOf(window, times, hasTelemetry),
    holds: summaries(proven, 'incident_hold'),
    investigation: summaries(proven, 'incident_investigation'),
    findings: summaries(proven, 'incident_findings'),
  };
}
