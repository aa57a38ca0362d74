// Recall campaigns. The platform lists no campaigns (a recall is a public notice, read by its ID):
// the page opens one by its campaign ID, at /recalls/{campaignId} so it can be shared, with its
// progress (GET /v1/recalls/{id}) and the units the caller may see (GET /v1/recalls/{id}/units).
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { api, unwrap } from '../api/client.js';
import { dateTime } from '../format.js';
import { Failure } from '../work/Problem.js';
import '../work/work.css';

const UNIT_STATUS: Record<string, string> = {
  open_remedy_not_available: 'Open, remedy not available yet',
  open: 'Open',
  remedied: 'Remedied',
  unavailable: 'Unavailable',
  declined: 'Declined',
};

function OpenCampaign({ initial }: { initial: string }) {
  const fieldId = useId();
  const [campaignId, setCampaignId] = useState(initial);
  const navigate = useNavigate();
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const id = campaignId.trim();
    if (id) void navigate({ to: '/recalls/$campaignId', params: { campaignId: id } });
  };
  return (
    <form className="inline-form" onSubmit={onSubmit}>
      <label htmlFor={fieldId}>Campaign ID</label>
      <input
        id={fieldId}
        value={campaignId}
        onChange={(event) => setCampaignId(event.target.value)}
        required
      />
      <button type="submit">Open</button>
    </form>
  );
}

function Campaign({ campaignId }: { campaignId: string }) {
  const campaign = useQuery({
    queryKey: ['recall', campaignId],
    queryFn: async () =>
      unwrap(await api.GET('/v1/recalls/{campaignId}', { params: { path: { campaignId } } })),
  });
  const units = useQuery({
    queryKey: ['recall', campaignId, 'units'],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/recalls/{campaignId}/units', {
          params: { path: { campaignId }, query: { limit: 100 } },
        }),
      ),
  });
  if (campaign.isPending) return <p>Loading…</p>;
  if (campaign.isError)
    return <Failure what={`Campaign ${campaignId} could not be opened`} error={campaign.error} />;
  const c = campaign.data;
  const facts: [string, string][] = [
    ['Component', c.component],
    ['Consequence', c.consequence],
    [
      'Remedy',
      `${c.remedy.type}${c.remedy.software ? ` (${c.remedy.software.component} ${c.remedy.software.version})` : ''}${
        c.remedy.availableAt ? `, available ${dateTime(c.remedy.availableAt)}` : ''
      }`,
    ],
    ['Do not operate', c.doNotOperate ? 'Yes: affected robots are suspended' : 'No'],
    ['Opened', dateTime(c.openedAt)],
    ['Affected', String(c.affected)],
    ['Remedied', String(c.remedied)],
    ['Open', String(c.open)],
    ['Declined', String(c.declined)],
    ['Unavailable', String(c.unavailable)],
    ['Completion', `${Math.round(c.completionRate * 1000) / 10} %`],
  ];
  const items = units.data?.items ?? [];
  return (
    <section aria-labelledby="campaign-heading">
      <h2 id="campaign-heading">Campaign {c.campaignId}</h2>
      <p>{c.summary}</p>
      <dl className="facts">
        {facts.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <h3>Units</h3>
      <Failure what="The units could not be loaded" error={units.error} />
      {units.isPending ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>None of the affected units is yours to see.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Units of campaign {c.campaignId}</caption>
          <thead>
            <tr>
              <th scope="col">Robot</th>
              <th scope="col">Status</th>
              <th scope="col">Suspended by the campaign</th>
              <th scope="col">Remedied</th>
              <th scope="col">Declined</th>
            </tr>
          </thead>
          <tbody>
            {items.map((unit) => (
              <tr key={unit.robotId}>
                <td>
                  <Link to="/robots/$robotId" params={{ robotId: unit.robotId }}>
                    {unit.robotId}
                  </Link>
                </td>
                <td>{UNIT_STATUS[unit.status] ?? unit.status}</td>
                <td>{unit.suspendedByCampaign ? 'Yes' : 'No'}</td>
                <td>{dateTime(unit.remediedAt)}</td>
                <td>{unit.declinedAt ? `${dateTime(unit.declinedAt)}: ${unit.declineReason ?? ''}` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function RecallsPage() {
  return (
    <section>
      <h1>Recalls</h1>
      <p>
        Open a recall campaign by its ID to see its progress and the affected units your organisation may see.
      </p>
      <OpenCampaign initial="" />
    </section>
  );
}

export function RecallPage() {
  const { campaignId } = useParams({ from: '/recalls/$campaignId' });
  return (
    <section>
      <h1>Recalls</h1>
      <OpenCampaign key={campaignId} initial={campaignId} />
      <Campaign campaignId={campaignId} />
    </section>
  );
}
