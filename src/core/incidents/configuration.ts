// The software a robot ran at an instant, as an incident's `configuration` item states it
// (docs/incidents.md "Evidence items"): what the registry's software_update events say, set
// against what the robot itself attested in its signed telemetry. Pure.
//
// The two sources answer different questions. An update event says who installed which
// version and when, and so who provides the component; the robot's attestation says what it
// actually ran, under its own key. A component updated on paper but still attested at its old
// version is not `attested`, and the item shows the version the robot reported.

import type { SoftwareComponent } from './analysis.js';

/** A software_update event as the configuration reads it. */
export interface SoftwareUpdateFact {
  component: string;
  toVersion: string;
  /** When the update occurred (epoch ms). */
  at: number;
  /** Who provides the component (the event's providerOrgId, else who recorded it, see below). */
  providerOrgId: string;
}

/** One signed telemetry batch's `software` map. */
export interface SoftwareReportFact {
  /** The batch's first sample time (epoch ms). */
  at: number;
  seq: number;
  software: Readonly<Record<string, string>>;
}

/** A component of the configuration, with what the robot reported of it. */
export interface ConfiguredComponent extends SoftwareComponent {
  /** The version the robot's latest report before the instant names; null if none names it. */
  attestedVersion: string | null;
}

/**
 * The components at `at`: every component some update before `at` names, at its last
 * version, and every component the robot's latest report before `at` names that no update
 * does (shipped from the factory: its provider is the manufacturer, its `since` the first
 * report of that version). A component is `attested` when that latest report names it at the
 * same version. Sorted by component name.
 */
export function softwareAt(
  updates: readonly SoftwareUpdateFact[],
  reports: readonly SoftwareReportFact[],
  at: number,
  manufacturerOrgId: string,
): ConfiguredComponent[] {
  const byComponent = new Map<string, ConfiguredComponent>();
  const ordered = [...updates].filter((u) => u.at <= at).sort((a, b) => a.at - b.at);
  for (const u of ordered) {
    byComponent.set(u.component, {
      component: u.component,
      version: u.toVersion,
      providerOrgId: u.providerOrgId,
      since: u.at,
      attested: false,
      attestedVersion: null,
    });
  }
  const before = [...reports].filter((r) => r.at <= at).sort((a, b) => a.at - b.at || a.seq - b.seq);
  const latest = before[before.length - 1];
  if (latest) {
    for (const [component, version] of Object.entries(latest.software)) {
      const known = byComponent.get(component);
      if (known) {
        known.attestedVersion = version;
        known.attested = version === known.version;
        continue;
      }
      // Since when the robot has reported this version without a break.
      let since = latest.at;
      for (let i = before.length - 1; i >= 0; i--) {
        const v = before[i]!.software[component];
        if (v === undefined) continue; // a report that does not mention it does not break the run
        if (v !== version) break;
        since = before[i]!.at;
      }
      byComponent.set(component, {
        component,
        version,
        providerOrgId: manufacturerOrgId,
        since,
        attested: true,
        attestedVersion: version,
      });
    }
  }
  return [...byComponent.values()].sort((a, b) =>
    a.component < b.component ? -1 : a.component > b.component ? 1 : 0,
  );
}
