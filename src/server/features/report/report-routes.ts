// History report routes (docs/history-report.md): the report of a robot for the caller's tier
// (JSON, or the printable page with Accept: text/html), its public tier, and the owner's shares.
// The report route authenticates by itself: an API key, or a share token with no API key.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { PlatformError } from '../../../core/errors.js';
import type { HistoryReport } from '../../../core/report/report-format.js';
import type { AppContext } from '../../app-context.js';
import { bearerToken } from '../../auth/api-keys.js';
import { actorOf, resolveActor } from '../../auth/authenticate.js';
import { errorResponses, RobotIdParam, Timestamp, Uuid } from '../../http/schemas.js';
import { LedgerReader } from '../../ledger/ledger-reader.js';
import { reportHtml } from './report-html.js';
import { publicReport, reportFor } from './report-service.js';
import { createShare, listShares, reportByShare, revokeShare } from './report-shares.js';

const REPORT_DESCRIPTION =
  'roboledger-history-report/1 (docs/history-report.md): summary, identity, configuration, sections, health, coverage, proof and the log key’s signature over its RFC 8785 canonical JSON. With Accept: text/html, the same report as a printable page.';

const ReportResponse = {
  description: REPORT_DESCRIPTION,
  content: {
    'application/json': { schema: Type.Object({}, { additionalProperties: true }) },
  },
};

// The robot's ID, a tilde, the 32-byte secret in base64url (report-shares.ts).
const SHARE_TOKEN = /^[0-9A-Z]{29}~[A-Za-z0-9_-]{43}$/;

/** The report as the caller asked: the signed JSON byte for byte, or the page. */
function send(request: FastifyRequest, reply: FastifyReply, report: HistoryReport) {
  const accept = request.headers.accept ?? '';
  reply.header('cache-control', 'no-store').header('vary', 'Accept');
  if (/\btext\/html\b/.test(accept) && !/\bapplication\/json\b/.test(accept)) {
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(reportHtml(report));
  }
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(report));
}

export function reportRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const reader = new LedgerReader(ctx.db);
    const RobotParams = Type.Object({ robotId: RobotIdParam });

    app.get(
      '/v1/robots/:robotId/report',
      {
        // Authenticated here, not by the hook: a share token needs no API key.
        config: { ownCredentials: true },
        schema: {
          tags: ['robots'],
          summary:
            "The robot's history report for the caller's tier: authority, owner (owner, manufacturer) or buyer (pending transfer recipient, or X-Report-Token of a live share)",
          params: RobotParams,
          headers: Type.Object({
            'x-report-token': Type.Optional(
              Type.String({ description: 'a live share token; no API key needed' }),
            ),
          }),
          response: { 200: ReportResponse, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const shareToken = request.headers['x-report-token'];
        if (typeof shareToken === 'string') {
          if (!SHARE_TOKEN.test(shareToken)) {
            throw new PlatformError(
              'REPORT_TOKEN_INVALID',
              'the report token is unknown, expired or revoked',
            );
          }
          return send(request, reply, await reportByShare(ctx, reader, request.params.robotId, shareToken));
        }
        const token = bearerToken(request.headers.authorization);
        if (!token) {
          throw new PlatformError('UNAUTHENTICATED', 'send Authorization: Bearer <apiKey> or X-Report-Token');
        }
        const actor = await resolveActor(ctx, token);
        if (!actor) throw new PlatformError('UNAUTHENTICATED', 'the API key is unknown or revoked');
        return send(request, reply, await reportFor(ctx, reader, actor, request.params.robotId));
      },
    );

    app.get(
      '/v1/public/robots/:robotId/report',
      {
        config: { public: true, rateLimit: { max: ctx.config.publicRateLimit, timeWindow: '1 minute' } },
        schema: {
          tags: ['public'],
          summary:
            "The public tier of a robot's history report: summary and identity, signed; no credentials",
          security: [],
          params: RobotParams,
          response: { 200: ReportResponse, ...errorResponses(400, 404, 429) },
        },
      },
      async (request, reply) => send(request, reply, await publicReport(ctx, reader, request.params.robotId)),
    );

    const Share = Type.Object({
      shareId: Uuid,
      createdAt: Timestamp,
      expiresAt: Timestamp,
      revokedAt: Type.Union([Timestamp, Type.Null()]),
      live: Type.Boolean(),
    });

    app.post(
      '/v1/robots/:robotId/report-shares',
      {
        schema: {
          tags: ['robots'],
          summary:
            "Share the robot's report (buyer tier) by a token, until expiresAt (at most 30 days); the owner only",
          params: RobotParams,
          body: Type.Object({ expiresAt: Timestamp }, { additionalProperties: false }),
          response: {
            201: Type.Object({
              shareId: Uuid,
              token: Type.String({ description: 'shown this once: send it as X-Report-Token' }),
              expiresAt: Timestamp,
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const share = await createShare(
          ctx,
          actorOf(request),
          request.params.robotId,
          request.body.expiresAt,
        );
        return reply.code(201).send(share);
      },
    );

    app.get(
      '/v1/robots/:robotId/report-shares',
      {
        schema: {
          tags: ['robots'],
          summary: "The owner's report shares of the robot, newest first (never their tokens)",
          params: RobotParams,
          response: { 200: Type.Object({ items: Type.Array(Share) }), ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => listShares(ctx, actorOf(request), request.params.robotId),
    );

    app.delete(
      '/v1/robots/:robotId/report-shares/:shareId',
      {
        schema: {
          tags: ['robots'],
          summary: 'Revoke a report share: its token stops working at once',
          params: Type.Object({ robotId: RobotIdParam, shareId: Uuid }),
          response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        await revokeShare(ctx, actorOf(request), request.params.robotId, request.params.shareId);
        return reply.code(204).send(null);
      },
    );
  };
}
