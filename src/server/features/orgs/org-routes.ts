import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CREATABLE_ORG_KINDS, ORG_KINDS } from '../../../core/organisation.js';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { errorResponses, PageQuery, pageOf, Timestamp, Uuid } from '../../http/schemas.js';
import {
  createApiKey,
  createOrganisation,
  getOrganisation,
  listApiKeys,
  listOrganisations,
  revokeApiKey,
  searchDirectory,
  whoAmI,
} from './org-service.js';

const OrganisationSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  kind: Type.Enum(ORG_KINDS),
  country: Type.String(),
  enterpriseCode: Type.Optional(Type.String()),
  createdAt: Timestamp,
  ledgerIndex: Type.Integer(),
});

export function orgRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/orgs',
      {
        schema: {
          tags: ['organisations'],
          summary: 'Create an organisation (registry only); returns its first API key, shown once',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 200 }),
              kind: Type.Enum(CREATABLE_ORG_KINDS),
              country: Type.String({ pattern: '^[A-Z]{2}$' }),
              enterpriseCode: Type.Optional(Type.String({ pattern: '^[0-9A-HJ-NP-Z]{4}$' })),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Intersect([OrganisationSchema, Type.Object({ apiKey: Type.String(), keyId: Uuid })]),
            ...errorResponses(400, 401, 403, 409),
          },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await createOrganisation(ctx, actorOf(request), request.body)),
    );

    app.get(
      '/v1/orgs',
      {
        schema: {
          tags: ['organisations'],
          summary: 'List organisations (registry and regulators)',
          querystring: Type.Object({ ...PageQuery, kind: Type.Optional(Type.Enum(ORG_KINDS)) }),
          response: { 200: pageOf(OrganisationSchema), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) =>
        listOrganisations(ctx, actorOf(request), {
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor,
          kind: request.query.kind,
        }),
    );

    app.get(
      '/v1/me',
      {
        schema: {
          tags: ['organisations'],
          summary: 'Who is calling: its organisation, its role (the organisation kind) and the API key used',
          response: {
            200: Type.Object({
              org: OrganisationSchema,
              role: Type.Enum(ORG_KINDS),
              keyId: Type.Union([Uuid, Type.Null()], { description: 'null for the registry admin token' }),
            }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => whoAmI(ctx, actorOf(request)),
    );

    app.get(
      '/v1/directory/orgs',
      {
        schema: {
          tags: ['organisations'],
          summary:
            'Find an organisation (to transfer a robot to, or to grant access) by a part of its name; public fields only',
          querystring: Type.Object({
            ...PageQuery,
            q: Type.Optional(
              Type.String({ minLength: 1, maxLength: 200, description: 'part of the name, any case' }),
            ),
            kind: Type.Optional(Type.Enum(CREATABLE_ORG_KINDS)),
          }),
          response: {
            200: pageOf(
              Type.Object({
                id: Uuid,
                name: Type.String(),
                kind: Type.Enum(ORG_KINDS),
                country: Type.String(),
              }),
            ),
            ...errorResponses(400, 401),
          },
        },
      },
      async (request) => {
        actorOf(request);
        return searchDirectory(ctx, {
          q: request.query.q,
          kind: request.query.kind,
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor,
        });
      },
    );

    app.get(
      '/v1/orgs/:orgId',
      {
        schema: {
          tags: ['organisations'],
          summary: "An organisation's public facts",
          params: Type.Object({ orgId: Uuid }),
          response: { 200: OrganisationSchema, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        actorOf(request);
        return getOrganisation(ctx, request.params.orgId);
      },
    );

    app.post(
      '/v1/orgs/:orgId/keys',
      {
        schema: {
          tags: ['organisations'],
          summary: 'Issue another API key (the organisation itself or the registry); shown once',
          params: Type.Object({ orgId: Uuid }),
          body: Type.Optional(
            Type.Object(
              { label: Type.Optional(Type.String({ maxLength: 100 })) },
              { additionalProperties: false },
            ),
          ),
          response: {
            201: Type.Object({ keyId: Uuid, apiKey: Type.String(), orgId: Uuid, createdAt: Timestamp }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await createApiKey(ctx, actorOf(request), request.params.orgId, request.body?.label)),
    );

    app.get(
      '/v1/orgs/:orgId/keys',
      {
        schema: {
          tags: ['organisations'],
          summary: "List an organisation's keys (never their secrets)",
          params: Type.Object({ orgId: Uuid }),
          response: {
            200: pageOf(
              Type.Object({
                keyId: Uuid,
                label: Type.Union([Type.String(), Type.Null()]),
                createdAt: Timestamp,
                revokedAt: Type.Union([Timestamp, Type.Null()]),
                ledgerIndex: Type.Integer(),
              }),
            ),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      async (request) => listApiKeys(ctx, actorOf(request), request.params.orgId),
    );

    app.delete(
      '/v1/orgs/:orgId/keys/:keyId',
      {
        schema: {
          tags: ['organisations'],
          summary: 'Revoke an API key; it stops working at once',
          params: Type.Object({ orgId: Uuid, keyId: Uuid }),
          response: { 204: Type.Null(), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request, reply) => {
        await revokeApiKey(ctx, actorOf(request), request.params.orgId, request.params.keyId);
        return reply.code(204).send(null);
      },
    );
  };
}
