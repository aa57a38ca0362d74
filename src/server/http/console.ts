// The web console (docs/console.md): a single-page app built by Vite into dist/console and
// served here, on the API's own origin, so that it calls the public REST API with no CORS.
// `/` and `/assets/*` are real routes; any other GET of a console path (`/check`, `/robots/…`)
// answers index.html so that a reload or a shared link opens the page the router draws. Paths
// that belong to the API or to operations (`/v1`, `/docs`, `/tile`, …) never fall back: an
// unknown one keeps its JSON NOT_FOUND.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` puts the console: dist/console at the package root (from src/ or dist/). */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../dist/console/', import.meta.url));

/** Paths the console never answers for, whatever follows them. */
const NOT_CONSOLE = /^\/(?:v1|docs|tile|assets|openapi\.json|metrics|healthz|readyz|checkpoint)(?:\/|$)/;

/**
 * Whether a GET of `url` is a page of the console: not the API's or an operational path, and
 * not a file (a missing `/favicon.ico` is a 404, not the app).
 */
export function isConsolePath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  if (NOT_CONSOLE.test(path)) return false;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return !last.includes('.');
}

// The console loads only its own scripts and styles; uPlot sets element styles (style-src
// 'unsafe-inline' covers the style attributes it writes). No frame may embed it.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export interface ConsoleServing {
  /** Answers index.html when the request is a console page; false when it is not one. */
  serveFallback(request: FastifyRequest, reply: FastifyReply): boolean;
}

export async function registerConsole(
  app: FastifyInstance,
  directory: string = DEFAULT_CONSOLE_DIR,
): Promise<ConsoleServing> {
  const built = existsSync(join(directory, 'index.html'));
  // serve: false: no route per file; the two routes below decide what is served.
  await app.register(fastifyStatic, { root: directory, serve: false });

  const sendIndex = (reply: FastifyReply) => {
    if (!built) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The web console is not built: run `npm run build`.\n');
    }
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    // index.html names the current hashed assets: never cached, so a new build is picked up.
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', { cacheControl: false });
  };

  const publicRoute = { public: true } as const;
  app.get('/', { config: publicRoute, schema: { hide: true } }, (_request, reply) => sendIndex(reply));
  app.get<{ Params: { '*': string } }>(
    '/assets/*',
    { config: publicRoute, schema: { hide: true } },
    (request, reply) => {
      // Vite names every asset by its content hash: safe to keep for a year. @fastify/send keeps
      // the path inside the root, and a missing file goes to the not-found handler.
      return reply.sendFile(`assets/${request.params['*']}`, { immutable: true, maxAge: '365d' });
    },
  );
  return {
    serveFallback(request, reply) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      if (!isConsolePath(request.url)) return false;
      void sendIndex(reply);
      return true;
    },
  };
}
