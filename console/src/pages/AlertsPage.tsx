// Open alerts of the robots the caller may read (GET /v1/alerts?state=open), each with an
// `Acknowledge` button (POST /v1/alerts/{alertId}/ack): the owner or its maintainer records who
// saw it and when, in the ledger; the list is asked again so the alert leaves it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { type Answer, api, unwrap } from '../api/client.js';
import { dateTime } from '../format.js';
import { Failure } from '../work/Problem.js';
import '../work/work.css';

type Alert = Answer<'/v1/alerts'>['items'][number];

const OPEN_ALERTS = ['alerts', 'open'] as const;

export function AlertsPage() {
  const queryClient = useQueryClient();
  const [done, setDone] = useState<string | null>(null);
  const alerts = useQuery({
    queryKey: OPEN_ALERTS,
    queryFn: async () =>
      unwrap(await api.GET('/v1/alerts', { params: { query: { state: 'open', limit: 100 } } })),
  });
  const acknowledge = useMutation({
    mutationFn: async (alert: Alert) =>
      unwrap(
        await api.POST('/v1/alerts/{alertId}/ack', {
          params: { path: { alertId: alert.alertId } },
          body: {},
        }),
      ),
    onSuccess: async (alert) => {
      setDone(`Acknowledged ${alert.condition} on ${alert.robotId}.`);
      await queryClient.invalidateQueries({ queryKey: ['alerts'] });
    },
  });
  const items = alerts.data?.items ?? [];
  return (
    <section>
      <h1>Alerts</h1>
      <p>Open alerts of the robots your organisation may read, newest first.</p>
      <p role="status">{done}</p>
      <Failure what="The acknowledgement failed" error={acknowledge.error} />
      <Failure what="The alerts could not be loaded" error={alerts.error} />
      {alerts.isPending ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>No open alerts.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Open alerts</caption>
          <thead>
            <tr>
              <th scope="col">Robot</th>
              <th scope="col">Condition</th>
              <th scope="col">Message</th>
              <th scope="col">Raised</th>
              <th scope="col">Cleared</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {items.map((alert) => (
              <tr key={alert.alertId}>
                <td>
                  <Link to="/robots/$robotId" params={{ robotId: alert.robotId }}>
                    {alert.robotId}
                  </Link>
                </td>
                <td>{alert.condition}</td>
                <td>{alert.message}</td>
                <td>{dateTime(alert.raisedAt)}</td>
                <td>{alert.clearedAt ? dateTime(alert.clearedAt) : 'still active'}</td>
                <td>
                  <button
                    type="button"
                    disabled={acknowledge.isPending}
                    onClick={() => {
                      setDone(null);
                      acknowledge.mutate(alert);
                    }}
                  >
                    Acknowledge
                    <span className="visually-hidden">
                      {' '}
                      {alert.condition} on {alert.robotId}
                    </span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
