// The incidents the caller may see (GET /v1/incidents): the registry and regulators every one,
// the reporter and the parties their own; each links to its page.
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api, unwrap } from '../api/client.js';
import { dateTime } from '../format.js';
import { incidentStatusLabel, kindLabel, severityLabel } from '../work/incident-words.js';
import { Failure } from '../work/Problem.js';
import '../work/work.css';

export function IncidentsPage() {
  const incidents = useQuery({
    queryKey: ['incidents'],
    queryFn: async () => unwrap(await api.GET('/v1/incidents', { params: { query: { limit: 100 } } })),
  });
  const items = incidents.data?.items ?? [];
  return (
    <section>
      <h1>Incidents</h1>
      <p>Incidents your organisation reported, is a party to, or investigates.</p>
      <Failure what="The incidents could not be loaded" error={incidents.error} />
      {incidents.isPending ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>No incident.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Incidents</caption>
          <thead>
            <tr>
              <th scope="col">Occurred</th>
              <th scope="col">Robot</th>
              <th scope="col">Kind</th>
              <th scope="col">Severity</th>
              <th scope="col">Status</th>
              <th scope="col">Final report due</th>
            </tr>
          </thead>
          <tbody>
            {items.map((incident) => (
              <tr key={incident.incidentId}>
                <td>
                  <Link to="/incidents/$incidentId" params={{ incidentId: incident.incidentId }}>
                    {dateTime(incident.occurredAt)}
                  </Link>
                </td>
                <td>{incident.robotId}</td>
                <td>{kindLabel(incident.kind)}</td>
                <td>{severityLabel(incident.severity)}</td>
                <td>{incidentStatusLabel(incident.status)}</td>
                <td>
                  {dateTime(incident.investigation.finalReportDue)}
                  {incident.investigation.overdue ? <strong className="problem"> (overdue)</strong> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
