// Schemas shared by routes (TypeBox → JSON Schema → validation and OpenAPI).
import { type TSchema, Type } from 'typebox';

export const ErrorEnvelopeSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable error code, see docs/errors.md' }),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'ErrorEnvelope', description: 'every error answer' },
);

export const Uuid = Type.String({ format: 'uuid' });
export const RobotIdParam = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'robot ID (RID-1), canonical or display form',
});
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339' });

/** Whether a record was written more than 24 h after it says it happened (core/record-time.ts). */
export const LateFlag = Type.Boolean({
  description: 'true when occurredAt lies more than 24 hours before recordedAt: recorded after the fact',
});

/** Bytes in JSON: standard padded base64. */
export const Base64 = Type.String({ contentEncoding: 'base64', description: 'standard padded base64' });

export function base64Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A ledger tree size or leaf index. */
export const TreeSize = (description: string) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

export function pageOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

/** The error answers a route documents, besides its success. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorEnvelopeSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorEnvelopeSchema]));
}
