// Organisations and the actor a request acts as (docs/api.md "Organisations and keys").

export const ORG_KINDS = [
  'registry',
  'manufacturer',
  'operator',
  'maintainer',
  'software_provider',
  'assessor',
  'recycler',
  'regulator',
] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

/** Kinds the registry may create (there is one registry organisation, made at bootstrap). */
export const CREATABLE_ORG_KINDS = [
  'manufacturer',
  'operator',
  'maintainer',
  'software_provider',
  'assessor',
  'recycler',
  'regulator',
] as const satisfies readonly Exclude<OrgKind, 'registry'>[];

/** Who is asking: an organisation, through one of its keys (or the admin token). */
export interface Actor {
  orgId: string;
  kind: OrgKind;
  /** The API key used; undefined for the registry's admin token. */
  keyId: string | undefined;
}

/** Kinds that may see every robot and every record. */
export function seesEverything(kind: OrgKind): boolean {
  return kind === 'registry' || kind === 'regulator';
}
