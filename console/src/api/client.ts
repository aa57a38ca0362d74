// One typed client for the whole console, generated from the platform's OpenAPI document
// (schema.ts). Every request carries the tab's API key, when there is one.
import createClient, { type Middleware } from 'openapi-fetch';
import { apiKey } from '../session.js';
import type { components, paths } from './schema.js';

export type Schemas = components['schemas'];

/** The JSON body of a route's 200 (or 201) answer, e.g. `Answer<'/v1/me'>`. */
export type Answer<P extends keyof paths, M extends 'get' | 'post' = 'get'> =
  paths[P] extends Record<M, { responses: infer R }>
    ? R extends { 200: { content: { 'application/json': infer T } } }
      ? T
      : R extends { 201: { content: { 'application/json': infer T } } }
        ? T
        : never
    : never;

const authenticate: Middleware = {
  onRequest({ request }) {
    const key = apiKey();
    if (key) request.headers.set('authorization', `Bearer ${key}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(authenticate);

/** The platform's error envelope: `{error: {code, message, details}}`. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** An answer that was not a 2xx, as the envelope tells it, for pages to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The data of an openapi-fetch answer, or an ApiError carrying the platform's code. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined && result.response.ok) return result.data;
  const body = result.error as Partial<ApiErrorBody> | undefined;
  throw new ApiError(
    result.response.status,
    body?.error?.code ?? 'HTTP_ERROR',
    body?.error?.message ?? `the platform answered ${result.response.status}`,
    body?.error?.details ?? {},
  );
}
