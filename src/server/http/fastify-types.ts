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
    /**
     * The route checks credentials itself (the history report: an API key, or a share token
     * with no API key), so the authentication hook passes it by; the API document still states
     * the API key, since without any credential it answers 401.
     */
    ownCredentials?: boolean;
    /** The coded error of a body over this route's limit (default PAYLOAD_TOO_LARGE). */
    bodyTooLarge?: () => PlatformError;
  }
}
