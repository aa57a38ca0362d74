// Incident routes (docs/incidents.md). Who may do what is decided per incident by
// core/incidents/visibility.ts; the service applies it before anything is read or written.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PlatformError } from '../../../core/errors.js';
import { ANALYSIS_RULES, MISSING_EVIDENCE_KINDS, PARTY_ROLES } from '../../../core/incidents/analysis.js';
import {
  INCIDENT_KINDS,
  INCIDENT_SEVERITIES,
  INVESTIGATION_STATUSES,
} from '../../../core/incidents/incident.js';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { errorResponses, PageQuery, pageOf, RobotIdParam, Timestamp, Uuid } from '../../http/schemas.js';
import { LedgerReader } from '../../ledger/ledger-reader.js';
import { incidentBundle } from './incident-bundle.js';
import { ITEM_KINDS } from './incident-records.js';
import {
  addAttachment,
  custodyLog,
  getIncident,
  incidentAnalysis,
  listIncidents,
  MAX_ATTACHMENT_BYTES,
  moveInvestigation,
  readEvidence,
  recordFindings,
  reportIncident,
  setHold,
} from './incident-service.js';

const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'lowercase hex SHA-256' });

const PartySchema = Type.Object({
  role: Type.Enum(PARTY_ROLES),
  orgId: Uuid,
  component: Type.Optional(Type.String()),
});

const ItemSchema = Type.Object({
  itemId: Uuid,
  kind: Type.Enum(ITEM_KINDS),
  sha256: Sha256Hex,
  ledgerIndex: Type.Integer({ description: 'the ledger record that commits the item' }),
  size: Type.Optional(Type.Integer()),
  mediaType: Type.Optional(Type.String()),
  filename: Type.Optional(Type.String()),
});

const FindingPartySchema = Type.Object({
  role: Type.Enum(PARTY_ROLES),
  orgId: Uuid,
  component: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  responsibility: Type.Enum(['primary', 'contributing', 'none']),
  basis: Type.Array(Uuid, { maxItems: 1000, description: 'evidence item ids the finding rests on' }),
  presumption: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()], {
      description: 'a legal presumption the finding relies on (e.g. missing-telemetry), or null',
    }),
  ),
  note: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 5000 }), Type.Null()])),
});

const IncidentSchema = Type.Object({
  incidentId: Uuid,
  robotId: Type.String({ description: 'the robot ID when reported' }),
  kind: Type.Enum(INCIDENT_KINDS),
  severity: Type.Enum(INCIDENT_SEVERITIES),
  status: Type.Enum(INVESTIGATION_STATUSES),
  description: Type.String(),
  location: Type.Union([Type.String(), Type.Null()]),
  widespread: Type.Boolean(),
  occurredAt: Timestamp,
  awareAt: Timestamp,
  reportedAt: Timestamp,
  reportedBy: Uuid,
  reportingDeadline: Type.Union([Timestamp, Type.Null()]),
  hold: Type.Object({
    active: Type.Boolean(),
    since: Type.Union([Timestamp, Type.Null()]),
    releasedAt: Type.Union([Timestamp, Type.Null()]),
    releasedBy: Type.Union([Uuid, Type.Null()]),
  }),
  parties: Type.Array(PartySchema),
  evidence: Type.Object({
    window: Type.Object({ from: Timestamp, to: Timestamp }),
    items: Type.Array(ItemSchema),
  }),
  investigation: Type.Object({
    preliminaryReportDue: Timestamp,
    finalReportDue: Timestamp,
    overdue: Type.Boolean(),
  }),
  findings: Type.Array(
    Type.Object({
      findingsId: Uuid,
      parties: Type.Array(
        Type.Object({
          role: Type.Enum(PARTY_ROLES),
          orgId: Uuid,
          component: Type.Optional(Type.String()),
          responsibility: Type.String(),
          basis: Type.Array(Uuid),
          presumption: Type.Union([Type.String(), Type.Null()]),
          note: Type.Union([Type.String(), Type.Null()]),
        }),
      ),
      conclusion: Type.String(),
      recordedAt: Timestamp,
      recordedBy: Uuid,
      ledgerIndex: Type.Integer(),
    }),
  ),
  ledgerIndex: Type.Integer(),
});

const IncidentParams = Type.Object({ incidentId: Uuid });

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

/** A media type as RFC 9110 writes one: type/subtype, parameters allowed. */
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;[\x20-\x7e]*)?$/;

/** A file name as sent in X-Filename: printable, no path. */
function filenameOf(header: unknown): string {
  if (header === undefined) return 'attachment';
  const name = Array.isArray(header) ? header[0] : header;
  if (
    typeof name !== 'string' ||
    !/^[^\x00-\x1f\x7f/\\]{1,255}$/.test(name) ||
    name === '.' ||
    name === '..'
  ) {
    throw new PlatformError(
      'VALIDATION_FAILED',
      'X-Filename is 1-255 printable characters, without / or \\',
      {
        field: 'X-Filename',
      },
    );
  }
  return name;
}

export function incidentRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const reader = new LedgerReader(ctx.db);

    app.post(
      '/v1/incidents',
      {
        schema: {
          tags: ['incidents'],
          summary:
            'Report an incident on a robot (any organisation that sees it): freezes the evidence; fatal or serious holds the robot',
          body: Type.Object(
            {
              robotId: RobotIdParam,
              occurredAt: Timestamp,
              kind: Type.Enum(INCIDENT_KINDS),
              severity: Type.Enum(INCIDENT_SEVERITIES),
              description: Text(10000),
              awareAt: Type.Optional(Timestamp),
              location: Type.Optional(Text(500)),
              widespread: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          response: { 201: IncidentSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await reportIncident(ctx, actorOf(request), request.body)),
    );

    app.get(
      '/v1/incidents',
      {
        schema: {
          tags: ['incidents'],
          summary:
            'Incidents the caller may see, newest first (authorities: all; parties and reporters: theirs)',
          querystring: Type.Object({
            ...PageQuery,
            robotId: Type.Optional(RobotIdParam),
            status: Type.Optional(Type.Enum(INVESTIGATION_STATUSES)),
            overdue: Type.Optional(
              Type.Boolean({ description: 'only those whose due report is late (or not)' }),
            ),
          }),
          response: { 200: pageOf(IncidentSchema), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) =>
        listIncidents(ctx, actorOf(request), {
          robotId: request.query.robotId,
          status: request.query.status,
          overdue: request.query.overdue,
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor,
        }),
    );

    app.get(
      '/v1/incidents/:incidentId',
      {
        schema: {
          tags: ['incidents'],
          summary: 'One incident (authorities, its parties, its reporter)',
          params: IncidentParams,
          response: { 200: IncidentSchema, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => getIncident(ctx, actorOf(request), request.params.incidentId),
    );

    app.post(
      '/v1/incidents/:incidentId/hold',
      {
        schema: {
          tags: ['incidents'],
          summary: 'Set or release the hold on the robot (registry, regulator)',
          params: IncidentParams,
          body: Type.Object(
            { active: Type.Boolean(), note: Type.Optional(Text(2000)) },
            { additionalProperties: false },
          ),
          response: { 200: IncidentSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => setHold(ctx, actorOf(request), request.params.incidentId, request.body),
    );

    app.post(
      '/v1/incidents/:incidentId/investigation',
      {
        schema: {
          tags: ['incidents'],
          summary: 'Move the investigation forward (registry, regulator)',
          params: IncidentParams,
          body: Type.Object(
            {
              status: Type.Enum(INVESTIGATION_STATUSES.filter((s) => s !== 'reported')),
              summary: Type.Optional(Text(20000)),
            },
            { additionalProperties: false },
          ),
          response: { 200: IncidentSchema, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => moveInvestigation(ctx, actorOf(request), request.params.incidentId, request.body),
    );

    app.post(
      '/v1/incidents/:incidentId/findings',
      {
        schema: {
          tags: ['incidents'],
          summary: 'Record findings of responsibility (registry, regulator; once investigating)',
          params: IncidentParams,
          body: Type.Object(
            {
              parties: Type.Array(FindingPartySchema, { minItems: 1, maxItems: 100 }),
              conclusion: Text(20000),
            },
            { additionalProperties: false },
          ),
          response: { 201: IncidentSchema, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await recordFindings(ctx, actorOf(request), request.params.incidentId, request.body)),
    );

    // Attachments take any media type as raw bytes, JSON included: in their own plugin, where no
    // other parser reads the body.
    await app.register(async (raw) => {
      raw.removeAllContentTypeParsers();
      raw.addContentTypeParser(
        '*',
        { parseAs: 'buffer', bodyLimit: MAX_ATTACHMENT_BYTES },
        (_req, body, done) => done(null, body),
      );
      raw.post(
        '/v1/incidents/:incidentId/attachments',
        {
          bodyLimit: MAX_ATTACHMENT_BYTES,
          schema: {
            tags: ['incidents'],
            summary:
              'Add a file to the evidence (parties, reporter, authorities): the raw bytes, any Content-Type, X-Filename; at most 20 MiB',
            params: IncidentParams,
            response: { 201: ItemSchema, ...errorResponses(400, 401, 403, 404, 413) },
          },
        },
        async (request, reply) => {
          const body = request.body;
          const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
          const mediaType = request.headers['content-type'] ?? 'application/octet-stream';
          if (mediaType.length > 200 || !MEDIA_TYPE.test(mediaType)) {
            throw new PlatformError('VALIDATION_FAILED', 'Content-Type is not a media type (type/subtype)', {
              field: 'Content-Type',
            });
          }
          const { incidentId } = request.params as { incidentId: string };
          const item = await addAttachment(ctx, actorOf(request), incidentId, {
            bytes,
            mediaType,
            filename: filenameOf(request.headers['x-filename']),
          });
          return reply.code(201).send(item);
        },
      );
    });

    app.get(
      '/v1/incidents/:incidentId/evidence/:itemId',
      {
        schema: {
          tags: ['incidents'],
          summary:
            'One evidence item (parties, authorities): JSON with its content or JWS; an attachment as its bytes. Every read is in the custody log',
          params: Type.Object({ incidentId: Uuid, itemId: Uuid }),
          response: {
            200: {
              description: 'the item (JSON), or the attachment’s bytes with its media type and Repr-Digest',
              content: {
                'application/json': {
                  schema: Type.Object({
                    ...ItemSchema.properties,
                    content: Type.Optional(Type.Unknown()),
                    jws: Type.Optional(Type.String()),
                  }),
                },
                'application/octet-stream': { schema: Type.String({ format: 'binary' }) },
              },
            },
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const read = await readEvidence(
          ctx,
          actorOf(request),
          request.params.incidentId,
          request.params.itemId,
        );
        if (read.kind === 'json') {
          return reply.type('application/json; charset=utf-8').send(JSON.stringify(read.item) as never);
        }
        const digest = Buffer.from(read.item.sha256, 'hex').toString('base64');
        return (
          reply
            .type(read.item.mediaType ?? 'application/octet-stream')
            .header('repr-digest', `sha-256=:${digest}:`)
            .header(
              'content-disposition',
              `attachment; filename*=UTF-8''${encodeURIComponent(read.item.filename ?? 'attachment')}`,
            )
            .header('x-content-type-options', 'nosniff')
            // Evidence is whatever a party uploaded: never run it in the API's origin.
            .header('content-security-policy', "default-src 'none'; sandbox")
            .send(Buffer.from(read.bytes) as never)
        );
      },
    );

    app.get(
      '/v1/incidents/:incidentId/custody',
      {
        schema: {
          tags: ['incidents'],
          summary: 'The custody log: every read, export and addition of the evidence (parties, authorities)',
          params: IncidentParams,
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  at: Timestamp,
                  orgId: Uuid,
                  keyId: Type.Union([Type.String(), Type.Null()]),
                  itemId: Type.Union([Uuid, Type.Null()]),
                  action: Type.Enum(['read', 'export', 'add']),
                }),
              ),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => custodyLog(ctx, actorOf(request), request.params.incidentId),
    );

    app.get(
      '/v1/incidents/:incidentId/analysis',
      {
        schema: {
          tags: ['incidents'],
          summary:
            'The preliminary attribution: versioned rules over the evidence, each indicator citing items (not a verdict)',
          params: IncidentParams,
          response: {
            200: Type.Object({
              rulesVersion: Type.String(),
              parties: Type.Array(
                Type.Object({
                  ...PartySchema.properties,
                  indicators: Type.Array(
                    Type.Object({
                      rule: Type.Enum(ANALYSIS_RULES),
                      summary: Type.String(),
                      evidence: Type.Array(Uuid),
                    }),
                  ),
                }),
              ),
              missingEvidence: Type.Array(
                Type.Object({ kind: Type.Enum(MISSING_EVIDENCE_KINDS), summary: Type.String() }),
              ),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => incidentAnalysis(ctx, actorOf(request), request.params.incidentId),
    );

    app.get(
      '/v1/incidents/:incidentId/bundle',
      {
        schema: {
          tags: ['incidents'],
          summary:
            'The evidence bundle (parties, authorities): incident, items, and every ledger record involved with its proof against one checkpoint; check it offline with `roboledger verify bundle`',
          params: IncidentParams,
          response: {
            200: {
              description: 'format roboledger-incident-bundle/1 (docs/incidents.md "The bundle")',
              content: {
                'application/json': {
                  schema: Type.Object({ format: Type.String() }, { additionalProperties: true }),
                },
              },
            },
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const bundle = await incidentBundle(ctx, reader, actorOf(request), request.params.incidentId);
        return reply.type('application/json; charset=utf-8').send(JSON.stringify(bundle) as never);
      },
    );
  };
}
