// The history report as a printable page (docs/history-report.md "The document"): the same report
// as the JSON, summary box first, then each section, with a plain sentence for every flag. No
// script, one style sheet with print rules, and every value escaped: the page shows text from
// many organisations (incident conclusions, maintenance notes) and must never run any of it.
import type { HistoryReport } from '../../../core/report/report-format.js';

type Json = Record<string, unknown>;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: unknown): string {
  const text =
    value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Why a certificate is not valid, one sentence per reason. */
export const CERTIFICATE_REASON_TEXT: Record<string, string> = {
  none: 'No certification of this robot names a type approval, so it has no certificate.',
  expired: 'The type approval the certificate rests on has expired.',
  hardware_revision_not_approved: 'The robot’s hardware revision is not one the type approval covers.',
  software_not_approved:
    'The robot runs software (a component or version) that the type approval does not cover: it was updated to an unapproved version.',
  disqualifying_brand: 'The robot carries a brand that disqualifies it (total loss, parts only or modified).',
  incident_hold: 'An incident investigation holds the robot.',
};

/** What each brand means, in one sentence. */
export const BRAND_TEXT: Record<string, string> = {
  structural_damage: 'The robot’s structure was damaged.',
  water_damage: 'The robot was damaged by water.',
  fire_damage: 'The robot was damaged by fire.',
  total_loss: 'The robot was declared a total loss.',
  rebuilt: 'The robot was rebuilt after serious damage.',
  parts_only: 'The robot may only be used for parts: it may never be deployed again.',
  modified: 'The robot was modified from its approved type.',
  hours_not_actual: 'The robot’s operating hours are known not to be its actual use.',
  stolen: 'The robot was reported stolen.',
  recovered: 'The robot was recovered after being reported stolen.',
};

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#111}
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.15em;border-bottom:1px solid #999;margin-top:1.6em}
.summary{border:2px solid #111;padding:.8em 1em;margin:1em 0}
.summary dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1.2em;margin:0}
.flag{color:#8a1c1c;font-weight:600}table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border:1px solid #bbb;padding:.25em .4em;text-align:left;vertical-align:top}
code{font-size:.85em;word-break:break-all}
@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}table,.summary{break-inside:avoid}}
`;

function table(items: readonly unknown[], columns: readonly string[]): string {
  if (items.length === 0) return '<p>None.</p>';
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const rows = items
    .map((item) => {
      const o = (item ?? {}) as Json;
      return `<tr>${columns.map((c) => `<td>${escapeHtml(o[c])}</td>`).join('')}</tr>`;
    })
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function flags(report: HistoryReport): string[] {
  const s = report.summary;
  const out: string[] = [];
  if (!s.certificate.valid) {
    for (const reason of s.certificate.reasons)
      out.push(CERTIFICATE_REASON_TEXT[reason] ?? `Certificate: ${reason}.`);
  }
  for (const brand of s.brands)
    out.push(`Brand ${brand}: ${BRAND_TEXT[brand] ?? 'a brand recorded by an authority.'}`);
  if (s.usageRollback)
    out.push(
      'A usage counter (operating hours or battery cycles) ran backwards in the robot’s own telemetry.',
    );
  if (s.openRecalls > 0) out.push(`${s.openRecalls} recall campaign(s) are not remedied on this robot.`);
  for (const gap of report.coverage?.telemetryGaps ?? []) {
    out.push(`No signed telemetry from ${gap.from} to ${gap.to} while the robot was in service.`);
  }
  if ((report.coverage?.lateRecords ?? 0) > 0) {
    out.push(
      `${report.coverage!.lateRecords} record(s) were made more than 24 hours after what they record.`,
    );
  }
  return out;
}

function summaryBox(report: HistoryReport): string {
  const s = report.summary;
  const rows: [string, unknown][] = [
    ['Status', s.status],
    ['Owners', s.owners],
    ['Incidents', `${s.incidents} (${s.seriousIncidents} fatal or serious)`],
    ['Brands', s.brands.length ? s.brands.join(', ') : 'none'],
    ['Open recalls', s.openRecalls],
    ['Certificate', s.certificate.valid ? 'valid' : `not valid (${s.certificate.reasons.join(', ')})`],
    ['Operating hours', s.operatingHours],
    ['Battery state of health', s.batterySohPct === null ? null : `${s.batterySohPct} %`],
    ['Worst joint wear', s.worstJointWear],
    ['Intelligence level', s.intelligenceLevel],
  ];
  const list = flags(report)
    .map((f) => `<li class="flag">${escapeHtml(f)}</li>`)
    .join('');
  return `<section class="summary"><dl>${rows
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('')}</dl>${list ? `<ul>${list}</ul>` : '<p>Nothing to flag.</p>'}</section>`;
}

const SECTION_COLUMNS: Record<string, readonly string[]> = {
  ownership: ['period', 'from', 'to', 'ownerKind', 'ownerName', 'usageDisclosedAtSale'],
  lifecycle: ['seq', 'ledgerIndex', 'type', 'occurredAt', 'fromStatus', 'toStatus', 'late', 'data'],
  maintenance: ['seq', 'ledgerIndex', 'occurredAt', 'data', 'late'],
  software: ['seq', 'ledgerIndex', 'component', 'fromVersion', 'toVersion', 'occurredAt', 'attested'],
  incidents: ['incidentId', 'kind', 'severity', 'status', 'occurredAt', 'findings'],
  recalls: ['campaignId', 'component', 'summary', 'remedyType', 'unitStatus', 'openedAt'],
  certificates: ['seq', 'ledgerIndex', 'occurredAt', 'certificate', 'scheme', 'approvalId', 'validUntil'],
  brands: ['seq', 'ledgerIndex', 'brand', 'recordedAt', 'incidentId'],
};

/** The report as a standalone HTML page. */
export function reportHtml(report: HistoryReport): string {
  const parts = [
    `<h1>History report of robot ${escapeHtml(report.robotId)}</h1>`,
    `<p>Generated ${escapeHtml(report.generatedAt)} for the ${escapeHtml(report.tier)} tier. The JSON form of this report is signed by the log key and can be verified offline with <code>roboledger verify report</code>.</p>`,
    summaryBox(report),
    '<h2>Identity</h2>',
    table([report.identity.model, report.identity.manufacturer].filter(Boolean), [
      'name',
      'modelCode',
      'category',
      'country',
    ]),
  ];
  if (report.sections) {
    for (const [name, columns] of Object.entries(SECTION_COLUMNS)) {
      parts.push(
        `<h2>${escapeHtml(name[0]!.toUpperCase() + name.slice(1))}</h2>`,
        table(report.sections[name] ?? [], columns),
      );
    }
  }
  if (report.health)
    parts.push('<h2>Health</h2>', `<pre>${escapeHtml(JSON.stringify(report.health, null, 2))}</pre>`);
  parts.push(
    '<h2>Proof</h2>',
    `<p>Records proven: ${report.proof.records?.length ?? 0}. Checkpoint:</p><pre>${escapeHtml(report.proof.checkpoint)}</pre>`,
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>History report ${escapeHtml(
    report.robotId,
  )}</title><style>${STYLE}</style></head><body>${parts.join('\n')}</body></html>\n`;
}
