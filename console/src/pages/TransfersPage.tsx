// Ownership transfers (GET /v1/transfers): the inbox of offers made to the caller, still pending,
// with `Accept` and `Reject` (POST /v1/transfers/{id}/accept|reject), and the offers it made, with
// their status. Both lists are asked again after a decision.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { type Answer, api, unwrap } from '../api/client.js';
import { dateTime } from '../format.js';
import { OrgName } from '../work/OrgName.js';
import { Failure } from '../work/Problem.js';
import '../work/work.css';

type Transfer = Answer<'/v1/transfers'>['items'][number];
type Decision = 'accept' | 'reject';

const STATUS: Record<Transfer['status'], string> = {
  pending: 'Pending',
  accepted: 'Accepted',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
};

function RobotLink({ robotId }: { robotId: string }) {
  return (
    <Link to="/robots/$robotId" params={{ robotId }}>
      {robotId}
    </Link>
  );
}

export function TransfersPage() {
  const queryClient = useQueryClient();
  const [done, setDone] = useState<string | null>(null);
  const incoming = useQuery({
    queryKey: ['transfers', 'incoming'],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/transfers', {
          params: { query: { direction: 'incoming', status: 'pending', limit: 100 } },
        }),
      ),
  });
  const outgoing = useQuery({
    queryKey: ['transfers', 'outgoing'],
    queryFn: async () =>
      unwrap(await api.GET('/v1/transfers', { params: { query: { direction: 'outgoing', limit: 100 } } })),
  });
  const decide = useMutation({
    mutationFn: async ({ transfer, decision }: { transfer: Transfer; decision: Decision }) => {
      const params = { params: { path: { transferId: transfer.transferId } } };
      return unwrap(
        decision === 'accept'
          ? await api.POST('/v1/transfers/{transferId}/accept', params)
          : await api.POST('/v1/transfers/{transferId}/reject', params),
      );
    },
    onSuccess: async (transfer) => {
      setDone(`${STATUS[transfer.status]}: the transfer of ${transfer.robotId}.`);
      await queryClient.invalidateQueries({ queryKey: ['transfers'] });
    },
  });
  const offers = incoming.data?.items ?? [];
  const made = outgoing.data?.items ?? [];
  return (
    <section>
      <h1>Transfers</h1>
      <p role="status">{done}</p>
      <Failure what="The decision failed" error={decide.error} />
      <section aria-labelledby="incoming-heading">
        <h2 id="incoming-heading">Incoming</h2>
        <Failure what="The incoming transfers could not be loaded" error={incoming.error} />
        {incoming.isPending ? (
          <p>Loading…</p>
        ) : offers.length === 0 ? (
          <p>No transfer is waiting for your decision.</p>
        ) : (
          <table>
            <caption className="visually-hidden">Transfers offered to your organisation</caption>
            <thead>
              <tr>
                <th scope="col">Robot</th>
                <th scope="col">From</th>
                <th scope="col">Offered</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {offers.map((transfer) => (
                <tr key={transfer.transferId}>
                  <td>
                    <RobotLink robotId={transfer.robotId} />
                  </td>
                  <td>
                    <OrgName id={transfer.fromOrgId} />
                  </td>
                  <td>{dateTime(transfer.createdAt)}</td>
                  <td className="actions">
                    {(['accept', 'reject'] as const).map((decision) => (
                      <button
                        key={decision}
                        type="button"
                        className={decision === 'reject' ? 'secondary' : undefined}
                        disabled={decide.isPending}
                        onClick={() => {
                          setDone(null);
                          decide.mutate({ transfer, decision });
                        }}
                      >
                        {decision === 'accept' ? 'Accept' : 'Reject'}
                        <span className="visually-hidden"> the transfer of {transfer.robotId}</span>
                      </button>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="outgoing-heading">
        <h2 id="outgoing-heading">Outgoing</h2>
        <Failure what="The outgoing transfers could not be loaded" error={outgoing.error} />
        {outgoing.isPending ? (
          <p>Loading…</p>
        ) : made.length === 0 ? (
          <p>Your organisation has offered no robot.</p>
        ) : (
          <table>
            <caption className="visually-hidden">Transfers your organisation offered</caption>
            <thead>
              <tr>
                <th scope="col">Robot</th>
                <th scope="col">To</th>
                <th scope="col">Offered</th>
                <th scope="col">Status</th>
                <th scope="col">Decided</th>
              </tr>
            </thead>
            <tbody>
              {made.map((transfer) => (
                <tr key={transfer.transferId}>
                  <td>
                    <RobotLink robotId={transfer.robotId} />
                  </td>
                  <td>
                    <OrgName id={transfer.toOrgId} />
                  </td>
                  <td>{dateTime(transfer.createdAt)}</td>
                  <td>{STATUS[transfer.status]}</td>
                  <td>{dateTime(transfer.decidedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
