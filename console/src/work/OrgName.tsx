// An organisation's name (GET /v1/orgs/{orgId}, its public facts), its ID until the name is known.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client.js';

export function OrgName({ id }: { id: string }) {
  const org = useQuery({
    queryKey: ['org', id],
    queryFn: async () => unwrap(await api.GET('/v1/orgs/{orgId}', { params: { path: { orgId: id } } })),
    staleTime: Number.POSITIVE_INFINITY,
  });
  return <span title={id}>{org.data?.name ?? id}</span>;
}
