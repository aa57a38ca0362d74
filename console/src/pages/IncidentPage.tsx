// One incident: the facts, the evidence the platform froze, the preliminary attribution
// (analysis), the findings so far and, for the registry and regulators, the investigation's
// next step and the findings form (POST /v1/incidents/{id}/findings).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { type Answer, api, unwrap } from '../api/client.js';
import { useMe } from '../components/me.js';
import { dateTime } from '../format.js';
import { FindingsForm } from '../work/FindingsForm.js';
import { incidentStatusLabel, kindLabel, partyRoleLabel, severityLabel } from '../work/incident-words.js';
import { OrgName } from '../work/OrgName.js';
import { Failure } from '../work/Problem.js';
import '../work/work.css';

export type Incident = Answer<'/v1/incidents/{incidentId}'>;

function Facts({ incident }: { incident: Incident }) {
  const facts: [string, React.ReactNode][] = [
    [
      'Robot',
      <Link key="robot" to="/robots/$robotId" params={{ robotId: incident.robotId }}>
        {incident.robotId}
      </Link>,
    ],
    ['Kind', kindLabel(incident.kind)],
    ['Severity', severityLabel(incident.severity)],
    ['Status', incidentStatusLabel(incident.status)],
    ['Occurred', dateTime(incident.occurredAt)],
    ['Reported', dateTime(incident.reportedAt)],
    ['Location', incident.location ?? '—'],
    ['Preliminary report due', dateTime(incident.investigation.preliminaryReportDue)],
    [
      'Final report due',
      `${dateTime(incident.investigation.finalReportDue)}${incident.investigation.overdue ? ' (overdue)' : ''}`,
    ],
    ['Evidence hold', incident.hold.active ? `since ${dateTime(incident.hold.since)}` : 'released'],
  ];
  return (
    <dl className="facts">
      {facts.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Evidence({ incident }: { incident: Incident }) {
  const { items, window } = incident.evidence;
  return (
    <section aria-labelledby="evidence-heading">
      <h2 id="evidence-heading">Evidence</h2>
      <p>
        Frozen for the window {dateTime(window.from)} to {dateTime(window.to)}.
      </p>
      {items.length === 0 ? (
        <p>No evidence item yet.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Evidence items</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">File</th>
              <th scope="col">Size</th>
              <th scope="col">SHA-256</th>
              <th scope="col">Ledger index</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.itemId}>
                <td>{item.kind}</td>
                <td>{item.filename ?? '—'}</td>
                <td>{item.size === undefined ? '—' : `${item.size} bytes`}</td>
                <td>
                  <code title={item.sha256}>{item.sha256.slice(0, 16)}…</code>
                </td>
                <td>{item.ledgerIndex}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Analysis({ incidentId }: { incidentId: string }) {
  const analysis = useQuery({
    queryKey: ['incident', incidentId, 'analysis'],
    queryFn: async () =>
      unwrap(await api.GET('/v1/incidents/{incidentId}/analysis', { params: { path: { incidentId } } })),
  });
  return (
    <section aria-labelledby="analysis-heading">
      <h2 id="analysis-heading">Analysis</h2>
      <p className="hint">
        A preliminary attribution by fixed rules, not a verdict: findings are the investigators'.
      </p>
      {analysis.isPending ? (
        <p>Loading…</p>
      ) : analysis.isError ? (
        <Failure what="The analysis could not be loaded" error={analysis.error} />
      ) : (
        <>
          <ul>
            {analysis.data.parties.map((party) => (
              <li key={`${party.role}-${party.orgId}-${party.component ?? ''}`}>
                <strong>{partyRoleLabel(party.role)}</strong> <OrgName id={party.orgId} />
                {party.component ? ` (${party.component})` : ''}:{' '}
                {party.indicators.length === 0
                  ? 'no indicator'
                  : party.indicators.map((indicator) => indicator.summary).join('; ')}
              </li>
            ))}
          </ul>
          {analysis.data.missingEvidence.length > 0 ? (
            <>
              <h3>Missing evidence</h3>
              <ul>
                {analysis.data.missingEvidence.map((missing) => (
                  <li key={missing.kind}>{missing.summary}</li>
                ))}
              </ul>
            </>
          ) : null}
          <p className="hint">Rules version {analysis.data.rulesVersion}.</p>
        </>
      )}
    </section>
  );
}

function Findings({ incident }: { incident: Incident }) {
  return (
    <section aria-labelledby="findings-heading">
      <h2 id="findings-heading">Findings</h2>
      {incident.findings.length === 0 ? (
        <p>No findings recorded yet.</p>
      ) : (
        incident.findings.map((findings) => (
          <article key={findings.findingsId}>
            <h3>Recorded {dateTime(findings.recordedAt)}</h3>
            <p>{findings.conclusion}</p>
            <ul>
              {findings.parties.map((party) => (
                <li key={`${party.role}-${party.orgId}`}>
                  {partyRoleLabel(party.role)} <OrgName id={party.orgId} />: {party.responsibility}{' '}
                  responsibility
                  {party.note ? ` — ${party.note}` : ''}
                </li>
              ))}
            </ul>
          </article>
        ))
      )}
    </section>
  );
}

function StartInvestigation({ incident }: { incident: Incident }) {
  const queryClient = useQueryClient();
  const start = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/v1/incidents/{incidentId}/investigation', {
          params: { path: { incidentId: incident.incidentId } },
          body: { status: 'investigating' },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['incident', incident.incidentId] }),
  });
  return (
    <>
      <p>Findings can be recorded once the investigation has started.</p>
      <button type="button" disabled={start.isPending} onClick={() => start.mutate()}>
        Start the investigation
      </button>
      <Failure what="The investigation could not start" error={start.error} />
    </>
  );
}

export function IncidentPage() {
  const { incidentId } = useParams({ from: '/incidents/$incidentId' });
  const me = useMe();
  const [recorded, setRecorded] = useState(false);
  const incident = useQuery({
    queryKey: ['incident', incidentId],
    queryFn: async () =>
      unwrap(await api.GET('/v1/incidents/{incidentId}', { params: { path: { incidentId } } })),
  });
  const authority = me.data?.role === 'registry' || me.data?.role === 'regulator';
  if (incident.isPending) return <p>Loading…</p>;
  if (incident.isError) {
    return (
      <section>
        <h1>Incident</h1>
        <Failure what="The incident could not be loaded" error={incident.error} />
      </section>
    );
  }
  const data = incident.data;
  // Asked only when the platform would answer: a refused request is noise in the browser's console.
  const mayAnalyse = authority || data.parties.some((party) => party.orgId === me.data?.org.id);
  return (
    <section>
      <h1>
        {kindLabel(data.kind)} on {dateTime(data.occurredAt)}
      </h1>
      <p>{data.description}</p>
      <Facts incident={data} />
      <Evidence incident={data} />
      {mayAnalyse ? (
        <Analysis incidentId={incidentId} />
      ) : (
        <section aria-labelledby="analysis-heading">
          <h2 id="analysis-heading">Analysis</h2>
          <p>The analysis is shown to the parties and the investigators only.</p>
        </section>
      )}
      <Findings incident={data} />
      <p role="status">{recorded ? 'Findings recorded.' : null}</p>
      {authority ? (
        <section aria-labelledby="record-heading">
          <h2 id="record-heading">Record findings</h2>
          {data.status === 'reported' ? (
            <StartInvestigation incident={data} />
          ) : (
            <FindingsForm incident={data} onRecorded={() => setRecorded(true)} />
          )}
        </section>
      ) : null}
    </section>
  );
}
