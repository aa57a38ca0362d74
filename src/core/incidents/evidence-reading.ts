// From an incident's stored evidence items to what the analysis rules read
// (analysis.ts IncidentEvidence). Pure: the items come in as stored (JSON contents, the signed
// batches as compact JWS), so the analysis of a bundle can be recomputed by anyone holding it.

import { type ModelLimits, sampleConditions } from '../telemetry/alerts.js';
import { decodeBatchPayload } from '../telemetry/batch-payload.js';
import type { FaultCodeDeclaration, IncidentEvidence, Party } from './analysis.js';
import type { ConfiguredComponent } from './configuration.js';
import type { ControlInterval, ControlMode, ControlSample } from './control-timeline.js';
import type { TimeWindow } from './incident.js';

/** How long before `occurredAt` a sample still tells the robot's state at that instant. */
export const STATE_READING_MS = 60_000;

/** A sample of a signed batch, as decoded from its JWS payload. */
export interface DecodedSample {
  t: number;
  sohPct: number;
  jointWear: number[];
  positionErrorMm: number;
  faults: string[];
  control?: { mode: ControlMode; source: string };
}

/** A batch decoded from its compact JWS. */
export interface DecodedBatch {
  robotId: string;
  seq: number;
  samples: DecodedSample[];
  software: Record<string, string> | undefined;
}

/**
 * A stored batch's payload, decoded and re-checked by the ingest's own rules
 * (decodeBatchPayload), as the analysis reads it. The signature is not checked here: the
 * platform did when it accepted the batch, the bundle's verifier does offline. Throws
 * BatchPayloadError on a payload that is not a telemetry batch.
 */
export function decodeBatchJws(jws: string): DecodedBatch {
  const payload = decodeBatchPayload(jws);
  return {
    robotId: payload.robotId,
    seq: payload.seq,
    software: payload.software,
    samples: payload.samples.map((s) => ({
      t: Date.parse(s.t),
      sohPct: s.battery.sohPct,
      jointWear: s.joints.wear,
      positionErrorMm: s.accuracy.positionErrorMm,
      faults: s.faults,
      ...(s.control ? { control: s.control } : {}),
    })),
  };
}

/** The control readings of decoded batches, for buildControlTimeline. */
export function controlSamples(batches: readonly DecodedBatch[]): ControlSample[] {
  return batches.flatMap((b) =>
    b.samples.map((s) => (s.control ? { t: s.t, control: s.control } : { t: s.t })),
  );
}

/** The `configuration` item's content, as far as the analysis reads it. */
export interface ConfigurationContent {
  model: { limits: ModelLimits };
  software: readonly (Omit<ConfiguredComponent, 'since'> & { since: string })[];
  faultCodes: readonly FaultCodeDeclaration[];
}

export interface ControlTimelineContent {
  intervals: readonly { from: string; to: string; mode: ControlInterval['mode']; source: string | null }[];
}

export interface AlertsContent {
  alerts: readonly { condition: string; raisedAt: string; acknowledgedAt: string | null }[];
}

export interface EventsContent {
  events: readonly {
    type: string;
    occurredAt: string;
    actorOrgId: string;
    data: Record<string, unknown>;
  }[];
}

export interface StoredItems {
  configuration: { itemId: string; content: ConfigurationContent };
  telemetry: readonly { itemId: string; batch: DecodedBatch }[];
  controlTimeline: { itemId: string; content: ControlTimelineContent } | null;
  alerts: { itemId: string; content: AlertsContent } | null;
  events: { itemId: string; content: EventsContent } | null;
}

function partNames(parts: unknown): string[] {
  if (!Array.isArray(parts)) return [];
  return parts.flatMap((p) =>
    typeof p === 'string'
      ? [p]
      : p && typeof (p as { name?: unknown }).name === 'string'
        ? [(p as { name: string }).name]
        : [],
  );
}

/** The analysis's input from the stored items of an incident. */
export function evidenceFromItems(
  incident: { occurredAt: number; window: TimeWindow; parties: readonly Party[] },
  items: StoredItems,
): IncidentEvidence {
  const { occurredAt, window } = incident;
  const config = items.configuration.content;
  // The robot's state at the incident: the last sample at or before it, if recent enough.
  let last: { sample: DecodedSample; itemId: string } | undefined;
  for (const { itemId, batch } of items.telemetry) {
    for (const sample of batch.samples) {
      if (sample.t > occurredAt || sample.t < occurredAt - STATE_READING_MS) continue;
      if (!last || sample.t > last.sample.t) last = { sample, itemId };
    }
  }
  const conditions = last
    ? sampleConditions({ ...last.sample, faults: [] }, config.model.limits, last.sample.t).map(
        (c) => c.condition,
      )
    : [];
  const faultComponents = new Set(config.faultCodes.map((f) => f.component));
  return {
    occurredAt,
    window,
    parties: incident.parties,
    configuration: {
      itemId: items.configuration.itemId,
      software: config.software.map((s) => ({ ...s, since: Date.parse(s.since) })),
      faultCodes: config.faultCodes,
    },
    telemetry: items.telemetry.map(({ itemId, batch }) => ({
      itemId,
      faults: batch.samples.flatMap((s) => s.faults.map((code) => ({ code, at: s.t }))),
    })),
    controlTimeline: items.controlTimeline && {
      itemId: items.controlTimeline.itemId,
      intervals: items.controlTimeline.content.intervals.map((i) => ({
        from: Date.parse(i.from),
        to: Date.parse(i.to),
        mode: i.mode,
        source: i.source,
      })),
    },
    limits: {
      beyondAtOccurredAt: conditions.length > 0,
      conditions,
      itemIds: last && conditions.length > 0 ? [last.itemId] : [],
    },
    alerts: items.alerts && {
      itemId: items.alerts.itemId,
      alerts: items.alerts.content.alerts.map((a) => ({
        condition: a.condition,
        raisedAt: Date.parse(a.raisedAt),
        acknowledgedAt: a.acknowledgedAt === null ? null : Date.parse(a.acknowledgedAt),
      })),
    },
    events: items.events && {
      itemId: items.events.itemId,
      events: items.events.content.events.flatMap(
        (e): NonNullable<IncidentEvidence['events']>['events'][number][] => {
          if (e.type === 'software_update') {
            const component = typeof e.data.component === 'string' ? e.data.component : null;
            return [
              {
                type: 'software_update' as const,
                at: Date.parse(e.occurredAt),
                component,
                orgId: e.actorOrgId,
              },
            ];
          }
          if (e.type === 'maintenance') {
            // A maintenance names no component; the parts it worked on stand for it, the one a
            // declared fault names first.
            const parts = partNames(e.data.parts);
            const component = parts.find((p) => faultComponents.has(p)) ?? parts[0] ?? null;
            return [
              { type: 'maintenance' as const, at: Date.parse(e.occurredAt), component, orgId: e.actorOrgId },
            ];
          }
          return [];
        },
      ),
    },
  };
}
