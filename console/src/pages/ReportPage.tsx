// A robot's history report, checked in this browser before it says `Verified`: signed in at
// /robots/{robotId}/report (the API key), or through an owner's share link
// /report/{token} (X-Report-Token, no API key; the token names its robot before its tilde). The summary comes first, then
// the sections; the status line says `Verified` only once verify-report.ts has checked every
// signature, opening and inclusion proof with WebCrypto, `Not verified` and why otherwise.
import { useQuery } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import type { HistoryReport, ReportSummary } from '../../../src/core/report/report-types.js';
import { statusLabel } from '../format.js';
import { brandSentence, certificateReason, figure } from '../report/report-words.js';
import { verifyReportInBrowser } from '../report/verify-report.js';
import { apiKey } from '../session.js';
import '../work/work.css';

async function fetchText(url: string, headers: Record<string, string>): Promise<string> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (!response.ok) {
    let message = `the platform answered ${response.status}`;
    try {
      message = (JSON.parse(text) as { error: { message: string } }).error.message;
    } catch {
      // not the error envelope: keep the status
    }
    throw new Error(message);
  }
  return text;
}

function useReport(robotId: string, token: string | null) {
  const report = useQuery({
    queryKey: ['report', robotId, token],
    queryFn: async () => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token) headers['x-report-token'] = token;
      else {
        const key = apiKey();
        if (key) headers.authorization = `Bearer ${key}`;
      }
      return JSON.parse(
        await fetchText(`/v1/robots/${encodeURIComponent(robotId)}/report`, headers),
      ) as unknown;
    },
    retry: false,
  });
  const verdict = useQuery({
    queryKey: ['report-verdict', robotId, token],
    enabled: report.data !== undefined,
    queryFn: async () => {
      const logKey = await fetchText('/v1/ledger/key', {});
      try {
        return { ok: true as const, check: await verifyReportInBrowser(report.data, logKey) };
      } catch (error) {
        return { ok: false as const, reason: (error as Error).message };
      }
    },
    retry: false,
  });
  return { report, verdict };
}

function SummaryBox({ summary }: { summary: ReportSummary }) {
  const facts: [string, string][] = [
    ['Status', summary.status ? statusLabel(summary.status) : '—'],
    ['Owners', String(summary.owners)],
    ['Incidents', `${summary.incidents} (${summary.seriousIncidents} serious)`],
    [
      'Brands',
      summary.brands.length === 0
        ? 'none'
        : summary.brands.map((brand) => brand.replaceAll('_', ' ')).join(', '),
    ],
    ['Open recalls', String(summary.openRecalls)],
    ['Certificate', summary.certificate.valid ? 'Valid' : 'Not valid'],
    ['Operating hours', figure(summary.operatingHours, 'h')],
    ['Battery state of health', figure(summary.batterySohPct, '%')],
    ['Worst joint wear', figure(summary.worstJointWear, '')],
  ];
  const sentences = [
    ...summary.certificate.reasons.map(certificateReason),
    ...summary.brands.map(brandSentence),
    ...(summary.openRecalls > 0
      ? [`${summary.openRecalls} recall campaign(s) are not remedied on this robot.`]
      : []),
    ...(summary.usageRollback ? ["The robot's usage counter once ran backwards."] : []),
  ];
  return (
    <section className="summary-box" aria-labelledby="summary-heading">
      <h2 id="summary-heading">Summary</h2>
      <dl className="facts">
        {facts.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {sentences.length > 0 ? (
        <ul>
          {sentences.map((sentence) => (
            <li key={sentence}>{sentence}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

const SECTION_TITLES: Record<string, string> = {
  ownership: 'Ownership',
  lifecycle: 'Lifecycle',
  maintenance: 'Maintenance',
  software: 'Software',
  incidents: 'Incidents',
  recalls: 'Recalls',
  certificates: 'Certificates',
  brands: 'Brands',
};

/** One item of a section as "member: value" pairs; nested members as compact JSON. */
function itemText(item: unknown): string {
  if (typeof item !== 'object' || item === null) return String(item);
  return Object.entries(item)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(
      ([member, value]) => `${member}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
    )
    .join('; ');
}

function Sections({ sections }: { sections: Record<string, unknown[]> }) {
  return (
    <>
      {Object.entries(sections).map(([name, items]) => (
        <section key={name} aria-labelledby={`section-${name}`}>
          <h2 id={`section-${name}`}>{SECTION_TITLES[name] ?? name}</h2>
          {items.length === 0 ? (
            <p>Nothing recorded.</p>
          ) : (
            <ul>
              {items.map((item, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a section's items are in chain order and never move
                <li key={i}>{itemText(item)}</li>
              ))}
            </ul>
          )}
        </section>
      ))}
    </>
  );
}

function ReportView({ robotId, token }: { robotId: string; token: string | null }) {
  const { report, verdict } = useReport(robotId, token);
  const data = report.data as HistoryReport | undefined;
  return (
    <section>
      <h1>History report of {robotId}</h1>
      <p role="status" className="verdict">
        {report.isError
          ? 'Not verified: the report could not be fetched.'
          : !verdict.data
            ? 'Checking the report in your browser…'
            : verdict.data.ok
              ? 'Verified'
              : `Not verified: ${verdict.data.reason}`}
      </p>
      {verdict.data?.ok ? (
        <p className="hint">
          Checked in this browser: the log's signatures, {verdict.data.check.records} records against the
          checkpoint of size {verdict.data.check.treeSize}, and the report's signature.
        </p>
      ) : null}
      {report.isError ? (
        <p role="alert" className="problem">
          {report.error.message}
        </p>
      ) : null}
      {data ? (
        <>
          <p className="hint">
            Generated {data.generatedAt} for the {data.tier} tier.
          </p>
          <SummaryBox summary={data.summary} />
          {data.sections ? <Sections sections={data.sections} /> : null}
        </>
      ) : null}
    </section>
  );
}

export function ReportPage() {
  const { robotId } = useParams({ from: '/robots/$robotId/report' });
  return <ReportView robotId={robotId} token={null} />;
}

export function SharedReportPage() {
  const { token } = useParams({ from: '/report/$token' });
  // A share token is `<robot ID>~<secret>`; `?robot=` still wins for links made by hand.
  const robotId = new URLSearchParams(window.location.search).get('robot') ?? robotOfShareToken(token);
  if (!robotId) {
    return (
      <section>
        <h1>History report</h1>
        <p className="problem">This share link names no robot: ask the owner for the whole link.</p>
      </section>
    );
  }
  return <ReportView robotId={robotId} token={token} />;
}

/** The robot ID a share token names before its tilde, or null for a token without one. */
function robotOfShareToken(token: string): string | null {
  const tilde = token.indexOf('~');
  return tilde > 0 ? token.slice(0, tilde) : null;
}
