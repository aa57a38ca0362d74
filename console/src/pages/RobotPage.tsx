// One robot: identity, lifecycle strip, telemetry charts over one shared time range, health and
// advisories, open alerts (with Acknowledge), and its recorded events.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, unwrap } from '../api/client.js';
import { SeriesChart } from '../components/SeriesChart.js';
import { dateTime, statusLabel } from '../format.js';
import { readTelemetry, resolutionParam, seriesOf } from './telemetry.js';

const LIFECYCLE = ['filed', 'in_service', 'maintenance', 'suspended', 'decommissioned', 'recycled'];
const RANGES = [
  { label: 'Last 6 hours', hours: 6 },
  { label: 'Last 24 hours', hours: 24 },
  { label: 'Last 7 days', hours: 24 * 7 },
  { label: 'Last 30 days', hours: 24 * 30 },
];

function Identity({ robotId }: { robotId: string }) {
  const robot = useQuery({
    queryKey: ['robot', robotId],
    queryFn: async () => unwrap(await api.GET('/v1/robots/{robotId}', { params: { path: { robotId } } })),
  });
  if (robot.isPending) return <p>Loading…</p>;
  if (robot.isError) return <p className="problem">{robot.error.message}</p>;
  const r = robot.data as Record<string, unknown> & { status: string };
  const name = (value: unknown) =>
    value && typeof value === 'object' && 'name' in value ? String((value as { name: unknown }).name) : '—';
  return (
    <>
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>{statusLabel(r.status)}</dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd>{name(r.model)}</dd>
        </div>
        <div>
          <dt>Manufacturer</dt>
          <dd>{name(r.manufacturer)}</dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd>{name(r.owner)}</dd>
        </div>
      </dl>
      <h2>Lifecycle</h2>
      <ol className="strip" aria-label="Lifecycle status">
        {LIFECYCLE.map((status) => (
          <li key={status} aria-current={status === r.status ? 'step' : undefined}>
            {statusLabel(status)}
          </li>
        ))}
      </ol>
    </>
  );
}

/** The page's `?hours=` (the first range, 24 by default) and `?resolution=` (docs/console.md). */
function telemetryParams() {
  const params = new URLSearchParams(window.location.search);
  const hours = Number(params.get('hours'));
  return {
    hours: Number.isFinite(hours) && hours > 0 && hours <= 24 * 366 ? hours : 24,
    resolution: resolutionParam(params.get('resolution')),
  };
}

const CHART_COUNT = 3;
/** The performance mark the page sets when its charts have drawn (the console-robot-page bench reads it). */
export const CHARTS_READY_MARK = 'roboledger:charts-ready';

function Charts({ robotId }: { robotId: string }) {
  const [params] = useState(telemetryParams);
  const [range, setRange] = useState(() => {
    const to = new Date();
    return { from: new Date(to.getTime() - params.hours * 3_600_000), to };
  });
  const telemetry = useQuery({
    queryKey: ['telemetry', robotId, range.from.toISOString(), range.to.toISOString(), params.resolution],
    queryFn: () => readTelemetry(robotId, range.from, range.to, { resolution: params.resolution }),
  });
  const series = useMemo(
    () => (telemetry.data ? seriesOf(telemetry.data.items) : undefined),
    [telemetry.data],
  );
  // "Interactive" (docs/console.md "Benchmarks"): every chart of the current data has drawn.
  const [drawn, setDrawn] = useState<{ of: unknown; charts: ReadonlySet<string> }>();
  const onDrawn = useCallback(
    (title: string) =>
      setDrawn((d) => {
        const charts = d && d.of === series ? d.charts : new Set<string>();
        return charts.has(title) ? d : { of: series, charts: new Set(charts).add(title) };
      }),
    [series],
  );
  const ready = series !== undefined && drawn?.of === series && drawn.charts.size === CHART_COUNT;
  useEffect(() => {
    if (ready) performance.mark(CHARTS_READY_MARK);
  }, [ready]);
  const zoom = (from: Date, to: Date) => setRange({ from, to });
  return (
    <section aria-labelledby="telemetry-heading" data-ready={ready ? 'true' : undefined}>
      <h2 id="telemetry-heading">Telemetry</h2>
      <fieldset className="filters">
        <legend>Time range</legend>
        {RANGES.map((r) => (
          <button
            key={r.hours}
            type="button"
            className="secondary"
            onClick={() => {
              const to = new Date();
              setRange({ from: new Date(to.getTime() - r.hours * 3_600_000), to });
            }}
          >
            {r.label}
          </button>
        ))}
      </fieldset>
      <p className="hint">
        {dateTime(range.from.toISOString())} to {dateTime(range.to.toISOString())}
        {telemetry.data
          ? `, ${telemetry.data.resolution === 'raw' ? 'raw samples' : `${telemetry.data.resolution} rollups`}`
          : ''}
      </p>
      {telemetry.isError ? <p className="problem">{telemetry.error.message}</p> : null}
      {series ? (
        <>
          <SeriesChart title="Battery" series={series.battery} onZoom={zoom} onDrawn={onDrawn} />
          <SeriesChart title="Joints" series={series.joints} onZoom={zoom} onDrawn={onDrawn} />
          <SeriesChart title="Accuracy" series={series.accuracy} onZoom={zoom} onDrawn={onDrawn} />
        </>
      ) : (
        <p>Loading telemetry…</p>
      )}
    </section>
  );
}

function Health({ robotId }: { robotId: string }) {
  const health = useQuery({
    queryKey: ['health', robotId],
    queryFn: async () => {
      const answer = await api.GET('/v1/robots/{robotId}/health', { params: { path: { robotId } } });
      return answer.response.ok ? (answer.data ?? null) : null;
    },
  });
  return (
    <section aria-labelledby="health-heading">
      <h2 id="health-heading">Health</h2>
      {!health.data ? (
        <p>No health assessment yet.</p>
      ) : (
        <>
          <p>
            Grade <strong>{health.data.grade}</strong>, assessed {dateTime(health.data.assessedAt)}.
          </p>
          {health.data.advisories.length === 0 ? (
            <p>No advisories.</p>
          ) : (
            <ul>
              {health.data.advisories.map((a) => (
                <li key={a.advisoryId}>
                  {a.kind} ({a.component}): {a.reason}, due by {dateTime(a.dueBy)} — {a.status}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function Alerts({ robotId }: { robotId: string }) {
  const queryClient = useQueryClient();
  const alerts = useQuery({
    queryKey: ['alerts', robotId],
    queryFn: async () =>
      unwrap(await api.GET('/v1/alerts', { params: { query: { robotId, state: 'open' } } })),
  });
  const acknowledge = useMutation({
    mutationFn: async (alertId: string) =>
      unwrap(await api.POST('/v1/alerts/{alertId}/ack', { params: { path: { alertId } }, body: {} })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['alerts', robotId] }),
  });
  return (
    <section aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">Open alerts</h2>
      {alerts.isError ? <p className="problem">{alerts.error.message}</p> : null}
      {alerts.data && alerts.data.items.length === 0 ? <p>No open alerts.</p> : null}
      <ul>
        {alerts.data?.items.map((alert) => (
          <li key={alert.alertId}>
            <strong>{alert.condition}</strong> {alert.acknowledgement ? '(acknowledged)' : null}{' '}
            {alert.acknowledgement ? null : (
              <button
                type="button"
                disabled={acknowledge.isPending}
                onClick={() => acknowledge.mutate(alert.alertId)}
                aria-label={`Acknowledge ${alert.condition}`}
              >
                Acknowledge
              </button>
            )}
          </li>
        ))}
      </ul>
      {acknowledge.isError ? (
        <p role="alert" className="problem">
          {acknowledge.error.message}
        </p>
      ) : null}
    </section>
  );
}

function Events({ robotId }: { robotId: string }) {
  const events = useQuery({
    queryKey: ['events', robotId],
    queryFn: async () =>
      unwrap(await api.GET('/v1/robots/{robotId}/events', { params: { path: { robotId }, query: {} } })),
  });
  const items = (
    events.data as { items?: { eventId: string; type: string; occurredAt: string }[] } | undefined
  )?.items;
  return (
    <section aria-labelledby="events-heading">
      <h2 id="events-heading">Events</h2>
      {items && items.length === 0 ? <p>No events recorded.</p> : null}
      <ol>
        {items?.map((event) => (
          <li key={event.eventId}>
            {dateTime(event.occurredAt)}: {event.type.replaceAll('_', ' ')}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function RobotPage() {
  const { robotId } = useParams({ from: '/robots/$robotId' });
  return (
    <article>
      <h1>Robot {robotId}</h1>
      <p>
        <Link to="/robots/$robotId/report" params={{ robotId }}>
          Report
        </Link>
      </p>
      <Identity robotId={robotId} />
      <Charts robotId={robotId} />
      <Health robotId={robotId} />
      <Alerts robotId={robotId} />
      <Events robotId={robotId} />
    </article>
  );
}
