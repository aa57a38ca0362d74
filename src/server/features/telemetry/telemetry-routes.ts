import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PlatformError } from '../../../core/errors.js';
import { ALERT_STATES, TELEMETRY_LIMITS, TELEMETRY_RESOLUTIONS } from '../../../core/telemetry/index.js';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { HISTORY_READ_DESCRIPTION, readFrom, withHistoryReads } from '../../http/history-read.js';
import {
  Base64,
  errorResponses,
  PageQuery,
  pageOf,
  RobotIdParam,
  Timestamp,
  TreeSize,
  Uuid,
} from '../../http/schemas.js';
import {
  acknowledgeAlert,
  latestTelemetry,
  listAlerts,
  listBatches,
  queryTelemetry,
} from './telemetry-service.js';

const Metric = Type.Object({ min: Type.Number(), max: Type.Number(), avg: Type.Number() });

const RawSample = Type.Object({
  t: Timestamp,
  seq: Type.Integer(),
  battery: Type.Object({
    socPct: Type.Number(),
    sohPct: Type.Number(),
    cycles: Type.Integer(),
    tempC: Type.Number(),
  }),
  joints: Type.Object({ wear: Type.Array(Type.Number()), tempC: Type.Array(Type.Number()) }),
  accuracy: Type.Object({ positionErrorMm: Type.Number(), taskSuccessRate: Type.Number() }),
  operatingHours: Type.Number(),
  faults: Type.Array(Type.String()),
  counterRollback: Type.Optional(
    Type.Literal(true, {
      description:
        'present on a sample whose operatingHours or battery cycles is below the sample before it, with no replacement recorded',
    }),
  ),
});

const BatchItem = Type.Object({
  seq: Type.Integer(),
  ledgerIndex: Type.Integer({ description: "the batch digest's ledger leaf" }),
  jws: Type.String({ description: 'the compact JWS exactly as received' }),
  receivedAt: Timestamp,
  firstSampleAt: Timestamp,
  lastSampleAt: Timestamp,
  opening: Type.Object(
    { index: Type.Integer(), kind: Type.String(), salt: Base64, record: Base64 },
    { description: "the opening of the batch's ledger record (it holds its batchChain link and jwsSha256)" },
  ),
  leafHash: Base64,
  proof: Type.Optional(
    Type.Array(Base64, { description: 'with treeSize: the inclusion proof of the leaf at that size' }),
  ),
});

const RollupBucket = Type.Object({
  bucket: Timestamp,
  samples: Type.Integer(),
  battery: Type.Object({ socPct: Metric, sohPct: Metric, tempC: Metric, maxCycles: Type.Integer() }),
  joints: Type.Object({ worstWear: Metric, maxTempC: Metric }),
  accuracy: Type.Object({ positionErrorMm: Metric, taskSuccessRate: Metric }),
  operatingHours: Type.Number(),
  faults: Type.Integer(),
});

const AlertSchema = Type.Object({
  alertId: Uuid,
  robotId: Type.String(),
  condition: Type.String({
    description:
      'battery_soh_low | joint_wear_high | position_error_high | seq_conflict | usage_counter_rollback | retired_id_reporting | fault:<CODE>',
  }),
  state: Type.Enum(ALERT_STATES),
  message: Type.String(),
  value: Type.Union([Type.Number(), Type.Null()]),
  threshold: Type.Union([Type.Number(), Type.Null()]),
  detail: Type.Record(Type.String(), Type.Unknown()),
  sampleAt: Timestamp,
  seq: Type.Integer(),
  raisedAt: Timestamp,
  clearedAt: Type.Union([Timestamp, Type.Null()]),
  ledgerIndex: Type.Integer(),
  acknowledgement: Type.Union([
    Type.Object({
      at: Timestamp,
      byOrgId: Uuid,
      byKeyId: Type.Union([Uuid, Type.Null()]),
      note: Type.Union([Type.String(), Type.Null()]),
      ledgerIndex: Type.Integer(),
    }),
    Type.Null(),
  ]),
});

/** Whether a Content-Type names `application/jose` (RFC 7515 §9.2.1), parameters allowed. */
function isJose(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  return contentType.split(';', 1)[0]!.trim().toLowerCase() === 'application/jose';
}

export function telemetryRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    // The batch is the JWS text itself (RFC 7515 §9.2.1 media type). Scoped to this plugin.
    app.addContentTypeParser(
      'application/jose',
      { parseAs: 'string', bodyLimit: TELEMETRY_LIMITS.maxBatchBytes },
      (_request, body, done) => done(null, body),
    );

    app.post(
      '/v1/telemetry',
      {
        // The robot authenticates by its signature, not by an API key (firmware holds no key).
        config: {
          public: true,
          bodyTooLarge: () =>
            new PlatformError(
              'TELEMETRY_BATCH_TOO_LARGE',
              `a batch is at most ${TELEMETRY_LIMITS.maxBatchBytes} bytes`,
            ),
        },
        // Before the body is parsed: a JWS sent as application/json is the wrong media type (415),
        // not malformed JSON, and no other parser gets to read it.
        onRequest: async (request) => {
          if (!isJose(request.headers['content-type'])) {
            throw new PlatformError(
              'UNSUPPORTED_MEDIA_TYPE',
              'send the JWS with Content-Type: application/jose',
              { accepted: ['application/jose'] },
            );
          }
        },
        schema: {
          tags: ['telemetry'],
          summary: 'Send a signed telemetry batch (compact JWS, EdDSA, kid = robot ID); 202 once durable',
          consumes: ['application/jose'],
          security: [],
          // No maxLength: the content-type parser's bodyLimit bounds it, without a per-character count.
          body: Type.String({ description: 'the compact JWS' }),
          response: {
            202: Type.Object({
              accepted: Type.Integer({ description: 'samples in the batch' }),
              duplicate: Type.Boolean({ description: 'this (robotId, seq) was already stored; stored once' }),
              ledgerIndex: Type.Optional(Type.Integer({ description: "the batch digest's ledger leaf" })),
            }),
            ...errorResponses(400, 409, 413, 415, 422, 429, 503),
          },
        },
      },
      async (request, reply) => {
        const ack = await ctx.telemetryIngest.get().submit(request.body);
        return reply.code(202).send(ack);
      },
    );

    app.get(
      '/v1/robots/:robotId/telemetry',
      {
        schema: {
          tags: ['telemetry'],
          description: HISTORY_READ_DESCRIPTION,
          summary: "A robot's telemetry: raw samples or 1m/1h/1d rollups (min/max/avg, worst joint wear)",
          params: Type.Object({ robotId: RobotIdParam }),
          querystring: Type.Object({
            from: Type.Optional(Timestamp),
            to: Type.Optional(Timestamp),
            resolution: Type.Optional(Type.Enum(TELEMETRY_RESOLUTIONS)),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
            cursor: Type.Optional(Type.String({ maxLength: 100 })),
          }),
          response: {
            200: Type.Object({
              robotId: Type.String(),
              resolution: Type.Enum(TELEMETRY_RESOLUTIONS),
              from: Timestamp,
              to: Timestamp,
              items: Type.Array(Type.Union([RawSample, RollupBucket])),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) =>
        withHistoryReads(ctx, request, reply, (reads) =>
          queryTelemetry(ctx, actorOf(request), request.params.robotId, request.query, reads),
        ),
    );

    app.get(
      '/v1/robots/:robotId/telemetry/batches',
      {
        schema: {
          tags: ['telemetry'],
          description:
            'Always read on the primary (RoboLedger-Read: primary), whatever the replica: a robot resends the batches this list lacks.',
          summary:
            "A robot's stored batches with their JWS exactly as received, by first sample time (those whose samples overlap [from, to))",
          params: Type.Object({ robotId: RobotIdParam }),
          querystring: Type.Object({
            ...PageQuery,
            from: Type.Optional(Timestamp),
            to: Type.Optional(Timestamp),
            treeSize: Type.Optional(
              TreeSize('a checkpointed size: only batches logged below it, each with its inclusion proof'),
            ),
          }),
          response: { 200: pageOf(BatchItem), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        // Always the primary: a robot (or its maker) asks what was stored to resend the batches
        // that are missing, and a batch stored a moment ago but not yet replayed would be resent.
        const page = await listBatches(ctx, actorOf(request), request.params.robotId, request.query);
        readFrom(reply, 'primary');
        return page;
      },
    );

    app.get(
      '/v1/robots/:robotId/telemetry/latest',
      {
        schema: {
          tags: ['telemetry'],
          description: HISTORY_READ_DESCRIPTION,
          summary:
            "A robot's latest sample, its health grade against the model's limits, and its open alerts",
          params: Type.Object({ robotId: RobotIdParam }),
          response: {
            200: Type.Object({
              robotId: Type.String(),
              latest: Type.Union([RawSample, Type.Null()]),
              health: Type.Union([
                Type.Object({
                  grade: Type.String(),
                  reasons: Type.Array(Type.String()),
                  margins: Type.Record(Type.String(), Type.Number()),
                }),
                Type.Null(),
              ]),
              openAlerts: Type.Integer(),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) =>
        withHistoryReads(ctx, request, reply, (reads) =>
          latestTelemetry(ctx, actorOf(request), request.params.robotId, reads),
        ),
    );

    app.get(
      '/v1/alerts',
      {
        schema: {
          tags: ['telemetry'],
          summary: 'Alerts of the robots the caller may read, newest first',
          querystring: Type.Object({
            ...PageQuery,
            robotId: Type.Optional(RobotIdParam),
            state: Type.Optional(Type.Enum(ALERT_STATES)),
            condition: Type.Optional(
              Type.String({
                pattern: '^[a-z_]{1,32}$|^fault:[A-Z0-9][A-Z0-9_.-]{0,31}$',
                description: 'only alerts of this condition, e.g. retired_id_reporting',
              }),
            ),
          }),
          response: { 200: pageOf(AlertSchema), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) =>
        listAlerts(ctx, actorOf(request), {
          robotId: request.query.robotId,
          state: request.query.state,
          condition: request.query.condition,
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor,
        }),
    );

    app.post(
      '/v1/alerts/:alertId/ack',
      {
        schema: {
          tags: ['telemetry'],
          summary: 'Acknowledge an alert (owner or its maintainer); records who and when, in the ledger',
          params: Type.Object({ alertId: Uuid }),
          body: Type.Optional(
            Type.Object(
              { note: Type.Optional(Type.String({ maxLength: 1000 })) },
              { additionalProperties: false },
            ),
          ),
          response: { 200: AlertSchema, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => acknowledgeAlert(ctx, actorOf(request), request.params.alertId, request.body?.note),
    );
  };
}
