// The robot page's telemetry: which resolution a time range is read at, and the three series the
// charts draw, from raw samples or rollups alike.
import { type Answer, api, unwrap } from '../api/client.js';
import type { Series } from '../components/SeriesChart.js';
import { slicesOf, TELEMETRY_PAGE } from './telemetry-slices.js';

type Telemetry = Answer<'/v1/robots/{robotId}/telemetry'>;
type Item = Telemetry['items'][number];
export type Resolution = Telemetry['resolution'];

const HOUR = 3_600_000;

/** Raw samples when zoomed in to hours, 1-minute rollups up to three days, hourly beyond. */
export function resolutionFor(from: Date, to: Date): Resolution {
  const span = to.getTime() - from.getTime();
  if (span <= 6 * HOUR) return 'raw';
  if (span <= 72 * HOUR) return '1m';
  return '1h';
}

/** A resolution the robot page's `?resolution=` asks for, instead of the one the range picks. */
export function resolutionParam(value: string | null): Resolution | undefined {
  return value === 'raw' || value === '1m' || value === '1h' || value === '1d' ? value : undefined;
}

/** Every page of the range, up to about `maxItems`, at `resolution` or the one the range picks. */
export async function readTelemetry(
  robotId: string,
  from: Date,
  to: Date,
  options: { resolution?: Resolution | undefined; maxItems?: number } = {},
) {
  const resolution = options.resolution ?? resolutionFor(from, to);
  const maxItems = options.maxItems ?? 50_000;
  const readSlice = async ([sliceFrom, sliceTo]: [Date, Date]) => {
    const items: Item[] = [];
    let cursor: string | undefined;
    do {
      const page = unwrap(
        await api.GET('/v1/robots/{robotId}/telemetry', {
          params: {
            path: { robotId },
            query: {
              from: sliceFrom.toISOString(),
              to: sliceTo.toISOString(),
              resolution,
              limit: TELEMETRY_PAGE,
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      );
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && items.length < maxItems);
    return items;
  };
  const slices = slicesOf(from, to, resolution).slice(0, Math.ceil(maxItems / TELEMETRY_PAGE));
  const items = (await Promise.all(slices.map(readSlice))).flat();
  return { resolution, items };
}

function isRaw(item: Item): item is Extract<Item, { t: string }> {
  return 't' in item;
}

/** Battery state of health, worst joint wear and position error, one point per sample or bucket. */
export function seriesOf(items: readonly Item[]): { battery: Series; joints: Series; accuracy: Series } {
  const times: number[] = [];
  const soh: number[] = [];
  const wear: number[] = [];
  const error: number[] = [];
  for (const item of items) {
    if (isRaw(item)) {
      times.push(Date.parse(item.t) / 1000);
      soh.push(item.battery.sohPct);
      wear.push(Math.max(...item.joints.wear));
      error.push(item.accuracy.positionErrorMm);
    } else {
      times.push(Date.parse(item.bucket) / 1000);
      soh.push(item.battery.sohPct.avg);
      wear.push(item.joints.worstWear.max);
      error.push(item.accuracy.positionErrorMm.avg);
    }
  }
  return {
    battery: { label: 'State of health', unit: '%', times, values: soh },
    joints: { label: 'Worst joint wear', unit: 'fraction', times, values: wear },
    accuracy: { label: 'Position error', unit: 'mm', times, values: error },
  };
}
