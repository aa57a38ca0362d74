import type { Actor } from '../../core/organisation.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated organisation; undefined on public routes. */
    actor: Actor | undefined;
  }
  interface FastifyContextConfig {
    /** No credentials needed (docs/api.md: health, OpenAPI, public robot check, ledger reads). */
    public?: boolean;
  }
}
