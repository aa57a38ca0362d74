// How the console words the platform's codes for people.

const STATUS_LABELS: Record<string, string> = {
  filed: 'Filed',
  in_service: 'In service',
  maintenance: 'In maintenance',
  suspended: 'Suspended',
  decommissioned: 'Decommissioned',
  recycled: 'Recycled',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

/** "3 minutes ago" from two instants; the caller passes now (no clock read here). */
export function ageLabel(then: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}
