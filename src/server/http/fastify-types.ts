import type { PlatformError } from '../../core/errors.js';
import type { Actor } from '../../core/organisation.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated organisation; undefined on public routes. */
    actor: Actor | undefined;
  }
  interface FastifyContextConfig {
    /** No credentials needed (docs/api.md: health, OpenAPI, public robot check, ledger reads). */
    public?: boolean;
    /** The coded error of a body over this route's limit (default PAYLOAD_TOO_LARGE). */
    bodyTooLarge?: () => PlatformError;
  }
}
