// Who the tab's key acts for (`GET /v1/me`), shared by the navigation and the pages.
import { useQuery } from '@tanstack/react-query';
import { type Answer, api, unwrap } from '../api/client.js';
import { useApiKey } from '../session.js';

export type Role = Answer<'/v1/me'>['role'];

export function useMe() {
  const key = useApiKey();
  return useQuery({
    queryKey: ['me', key],
    enabled: key !== null,
    queryFn: async () => unwrap(await api.GET('/v1/me')),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/** The console's sections and the roles whose routes answer them (docs/console.md "Navigation"). */
export const SECTIONS: readonly { to: string; label: string; roles: readonly Role[] | 'all' }[] = [
  { to: '/fleet', label: 'Fleet', roles: 'all' },
  {
    to: '/alerts',
    label: 'Alerts',
    roles: ['registry', 'regulator', 'manufacturer', 'operator', 'maintainer'],
  },
  { to: '/incidents', label: 'Incidents', roles: 'all' },
  { to: '/transfers', label: 'Transfers', roles: ['registry', 'regulator', 'manufacturer', 'operator'] },
  { to: '/recalls', label: 'Recalls', roles: 'all' },
  { to: '/ledger', label: 'Ledger', roles: 'all' },
];

export function sectionsFor(role: Role | undefined) {
  if (!role) return [];
  return SECTIONS.filter((s) => s.roles === 'all' || s.roles.includes(role));
}
