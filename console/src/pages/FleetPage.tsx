// The fleet: an overview (robots by status, open alerts, robots on an incident hold, overdue
// incidents; open recalls are left out, the platform lists no recall campaigns) and the table of the robots the key may
// see, paged by the server (cursor), filtered by status; a robot ID typed in the search opens
// that robot's page (the API lists robots, it does not search them).
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { normaliseRobotIdInput, validateRobotId } from '../../../src/robot-id/index.js';
import { api, unwrap } from '../api/client.js';
import { statusLabel } from '../format.js';

const STATUSES = ['filed', 'in_service', 'maintenance', 'suspended', 'decommissioned', 'recycled'] as const;
type Status = (typeof STATUSES)[number];
const PAGE = 50;
const COUNT_CAP = 500;

function Overview() {
  const counts = useQuery({
    queryKey: ['fleet-counts'],
    queryFn: async () => {
      const byStatus = await Promise.all(
        STATUSES.map(async (status) => {
          const page = unwrap(
            await api.GET('/v1/robots', { params: { query: { status, limit: COUNT_CAP } } }),
          );
          return [status, page.items.length, page.nextCursor !== null] as const;
        }),
      );
      const [alerts, incidents, overdue] = await Promise.all([
        api.GET('/v1/alerts', { params: { query: { state: 'open', limit: COUNT_CAP } } }).then(unwrap),
        api.GET('/v1/incidents', { params: { query: { limit: COUNT_CAP } } }).then(unwrap),
        api.GET('/v1/incidents', { params: { query: { overdue: true, limit: COUNT_CAP } } }).then(unwrap),
      ]);
      // The incidents list has no hold filter: the robots held by the incidents it gave.
      const held = new Set(incidents.items.filter((i) => i.hold.active).map((i) => i.robotId));
      return {
        byStatus,
        openAlerts: [alerts.items.length, alerts.nextCursor !== null] as const,
        heldRobots: [held.size, incidents.nextCursor !== null] as const,
        overdueIncidents: [overdue.items.length, overdue.nextCursor !== null] as const,
      };
    },
  });
  if (counts.isError) return <p className="problem">{counts.error.message}</p>;
  if (!counts.data) return <p>Loading the overview…</p>;
  const shown = (n: number, more: boolean) => (more ? `${n}+` : String(n));
  return (
    <ul className="tiles" aria-label="Fleet overview">
      {counts.data.byStatus.map(([status, n, more]) => (
        <li key={status}>
          <span className="count">{shown(n, more)}</span> {statusLabel(status)}
        </li>
      ))}
      <li>
        <span className="count">{shown(...counts.data.openAlerts)}</span> open alerts
      </li>
      <li>
        <span className="count">{shown(...counts.data.heldRobots)}</span> robots on an incident hold
      </li>
      <li>
        <span className="count">{shown(...counts.data.overdueIncidents)}</span> overdue incidents
      </li>
    </ul>
  );
}

export function FleetPage() {
  const statusId = useId();
  const searchId = useId();
  const navigate = useNavigate();
  const [status, setStatus] = useState<Status | ''>('');
  // The cursors of the pages before this one, to go back.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const [search, setSearch] = useState('');
  const [searchProblem, setSearchProblem] = useState<string | null>(null);
  const robots = useQuery({
    queryKey: ['robots', status, cursor],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/robots', {
          params: { query: { limit: PAGE, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) } },
        }),
      ),
  });

  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    const validation = validateRobotId(normaliseRobotIdInput(search));
    if (!validation.valid) {
      setSearchProblem(
        `${validation.error.position !== undefined ? `Position ${validation.error.position}: ` : ''}${validation.error.message}`,
      );
      return;
    }
    void navigate({ to: '/robots/$robotId', params: { robotId: validation.id } });
  };

  return (
    <section>
      <h1>Fleet</h1>
      <Overview />
      <h2>Robots</h2>
      <form className="filters" onSubmit={onSearch}>
        <div>
          <label htmlFor={statusId}>Status</label>
          <select
            id={statusId}
            value={status}
            onChange={(event) => {
              setStatus(event.target.value as Status | '');
              setCursors([undefined]);
            }}
          >
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={searchId}>Find by robot ID</label>
          <input
            id={searchId}
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            spellCheck={false}
          />
        </div>
        <button type="submit">Open robot</button>
      </form>
      {searchProblem ? (
        <p role="alert" className="problem">
          {searchProblem}
        </p>
      ) : null}
      {robots.isError ? <p className="problem">{robots.error.message}</p> : null}
      <table>
        <caption className="hint">
          Robots you may see{status ? `, ${statusLabel(status).toLowerCase()}` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Robot ID</th>
            <th scope="col">Status</th>
            <th scope="col">Production date</th>
          </tr>
        </thead>
        <tbody>
          {robots.data?.items.map((robot) => (
            <tr key={robot.robotId}>
              <td>
                <Link to="/robots/$robotId" params={{ robotId: robot.robotId }}>
                  {robot.robotId}
                </Link>
              </td>
              <td>{statusLabel(robot.status)}</td>
              <td>{robot.productionDate}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        <button
          type="button"
          className="secondary"
          disabled={cursors.length < 2}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          Previous page
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!robots.data?.nextCursor}
          onClick={() => setCursors((c) => [...c, robots.data?.nextCursor ?? undefined])}
        >
          Next page
        </button>
      </div>
    </section>
  );
}
