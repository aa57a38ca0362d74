// Routes of end of life (docs/end-of-life.md): a model's storage media. Sanitization and
// recycling are lifecycle events (POST /v1/robots/{robotId}/events).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { errorResponses, Timestamp, Uuid } from '../../http/schemas.js';
import { declareStorageMedia, listStorageMedia } from './storage-media.js';

/** A medium's id as the sanitization certificates name it, e.g. `compute.ssd`. */
export const MEDIA_ID_PATTERN = '^[a-z0-9][a-z0-9_.-]{0,63}$';

const MediumFields = {
  mediaId: Type.String({
    pattern: MEDIA_ID_PATTERN,
    description: 'e.g. compute.ssd; lower-case letters, digits and `_.-`, at most 64',
  }),
  kind: Type.String({
    pattern: '^[a-z][a-z0-9_]{0,31}$',
    description: 'the kind of storage, e.g. flash, magnetic, eeprom',
  }),
  description: Type.String({ minLength: 1, maxLength: 2000 }),
};

const ModelStorageMediaSchema = Type.Object({
  modelId: Uuid,
  media: Type.Array(Type.Object({ ...MediumFields, createdAt: Timestamp, ledgerIndex: Type.Integer() }), {
    description: 'every medium the model declares, by mediaId',
  }),
});

export function endOfLifeRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/models/:modelId/storage-media',
      {
        schema: {
          tags: ['catalogue'],
          summary:
            'Declare storage media of one of your models (manufacturer): added, never changed; all or nothing',
          params: Type.Object({ modelId: Uuid }),
          body: Type.Object(
            {
              media: Type.Array(Type.Object(MediumFields, { additionalProperties: false }), {
                minItems: 1,
                maxItems: 64,
              }),
            },
            { additionalProperties: false },
          ),
          response: { 201: ModelStorageMediaSchema, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await declareStorageMedia(ctx, actorOf(request), request.params.modelId, request.body.media)),
    );

    app.get(
      '/v1/models/:modelId/storage-media',
      {
        schema: {
          tags: ['catalogue'],
          summary: "A model's storage media: what must be sanitized before one of its robots is recycled",
          params: Type.Object({ modelId: Uuid }),
          response: { 200: ModelStorageMediaSchema, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => listStorageMedia(ctx, actorOf(request), request.params.modelId),
    );
  };
}
