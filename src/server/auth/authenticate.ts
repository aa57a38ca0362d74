// Authentication: every route but the public ones needs `Authorization: Bearer <apiKey>`.
// Keys are looked up by hash on every request, so a revoked key stops working at once.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PlatformError } from '../../core/errors.js';
import type { Actor, OrgKind } from '../../core/organisation.js';
import type { AppContext } from '../app-context.js';
import { bearerToken, hashApiKey, tokenMatches } from './api-keys.js';

export async function resolveActor(ctx: AppContext, token: string): Promise<Actor | undefined> {
  if (ctx.adminTokenHash && tokenMatches(token, ctx.adminTokenHash)) {
    return { orgId: ctx.registryOrgId, kind: 'registry', keyId: undefined };
  }
  const { rows } = await ctx.db.query<{ key_id: string; org_id: string; kind: OrgKind }>(
    `SELECT k.id AS key_id, o.id AS org_id, o.kind
       FROM api_keys k JOIN organisations o ON o.id = k.org_id
      WHERE k.secret_hash = $1 AND k.revoked_at IS NULL`,
    [hashApiKey(token)],
  );
  const row = rows[0];
  return row ? { orgId: row.org_id, kind: row.kind, keyId: row.key_id } : undefined;
}

export function registerAuthentication(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('actor', undefined);
  app.addHook('onRequest', (request, _reply, done) => {
    // Public routes pass synchronously: no promise, no lookup.
    if (request.routeOptions.config.public || request.routeOptions.config.ownCredentials || request.is404)
      return done();
    const token = bearerToken(request.headers.authorization);
    if (!token) return done(new PlatformError('UNAUTHENTICATED', 'send Authorization: Bearer <apiKey>'));
    resolveActor(ctx, token).then((actor) => {
      if (!actor) return done(new PlatformError('UNAUTHENTICATED', 'the API key is unknown or revoked'));
      request.actor = actor;
      done();
    }, done);
  });
}

/** The authenticated actor of a non-public route. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new PlatformError('UNAUTHENTICATED', 'authentication required');
  return request.actor;
}
