// One telemetry series drawn with uPlot, in a region named after it, with a `Show data as table`
// control that reveals the plotted values as a table (the chart's text alternative). Charts of
// one page share one time range: dragging across a chart selects a range and calls onZoom.
import { useEffect, useId, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  unit: string;
  /** Seconds since the epoch, ascending. */
  times: number[];
  values: (number | null)[];
}

export function SeriesChart({
  title,
  series,
  onZoom,
  onDrawn,
}: {
  title: string;
  series: Series;
  onZoom(from: Date, to: Date): void;
  /** Called with the title each time uPlot has drawn this series. */
  onDrawn?: ((title: string) => void) | undefined;
}) {
  const headingId = useId();
  const tableId = useId();
  const holder = useRef<HTMLDivElement>(null);
  const [showTable, setShowTable] = useState(false);
  const zoom = useRef(onZoom);
  zoom.current = onZoom;
  const drawn = useRef(onDrawn);
  drawn.current = onDrawn;

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const plot = new uPlot(
      {
        width: Math.max(320, element.clientWidth || 640),
        height: 220,
        series: [
          {},
          { label: `${series.label} (${series.unit})`, stroke: '#0b5cad', width: 2, spanGaps: false },
        ],
        axes: [{ stroke: '#1a1f24' }, { stroke: '#1a1f24' }],
        cursor: { drag: { x: true, y: false } },
        hooks: {
          draw: [() => drawn.current?.(title)],
          setSelect: [
            (u) => {
              if (u.select.width < 2) return;
              const from = u.posToVal(u.select.left, 'x');
              const to = u.posToVal(u.select.left + u.select.width, 'x');
              zoom.current(new Date(from * 1000), new Date(to * 1000));
            },
          ],
        },
      },
      [series.times, series.values],
      element,
    );
    return () => plot.destroy();
  }, [series, title]);

  return (
    <section className="chart" aria-labelledby={headingId}>
      <h3 id={headingId}>{title}</h3>
      <div ref={holder} aria-hidden="true" />
      <p className="hint">
        {series.times.length} points. Drag across the chart to zoom every chart to that time range.
      </p>
      <button
        type="button"
        className="secondary"
        aria-expanded={showTable}
        aria-controls={tableId}
        onClick={() => setShowTable((shown) => !shown)}
      >
        {showTable ? 'Hide data table' : 'Show data as table'}
      </button>
      <div id={tableId} hidden={!showTable}>
        {showTable ? (
          <table>
            <caption>
              {title}: {series.label} ({series.unit})
            </caption>
            <thead>
              <tr>
                <th scope="col">Time (UTC)</th>
                <th scope="col">
                  {series.label} ({series.unit})
                </th>
              </tr>
            </thead>
            <tbody>
              {series.times.map((t, i) => (
                <tr key={t}>
                  <td>{new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19)}</td>
                  <td>{series.values[i] ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
    </section>
  );
}
