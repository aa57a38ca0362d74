// The ledger's HTTP face (docs/api.md "Ledger"; docs/ledger.md). Reads are public, like
// Certificate Transparency: the log is meant to be checked by anyone holding its verifier key,
// and entries hold only what each record's ledger entry discloses. Also the C2SP tlog-tiles
// read API (/checkpoint, /tile/...) so that mirrors and witnesses follow the log with
// standard tooling, and witness registration and cosignature submission. (A robot's history
// with its proofs is the robots feature's: features/robots/robot-history-routes.ts.)
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { PlatformError } from '../../core/errors.js';
import { isLedgerError, parseTilePath } from '../../ledger/index.js';
import type { AppContext } from '../app-context.js';
import { actorOf } from '../auth/authenticate.js';
import { Base64, base64Of, errorResponses, Timestamp, TreeSize, Uuid } from '../http/schemas.js';
import { noteWithCosignatures, type StoredCheckpoint } from './checkpointer.js';
import { LedgerReader } from './ledger-reader.js';
import { cosignatureLines, listWitnesses, registerWitness, submitCosignature } from './witness-service.js';

const PUBLIC = { public: true } as const;
const TAGS = ['ledger'];
const Size = TreeSize;
const TEXT = 'text/plain; charset=utf-8';
const textResponse = (description: string) => ({
  description,
  content: { 'text/plain': { schema: Type.String() } },
});
const binaryResponse = (description: string) => ({
  description,
  content: {
    'application/octet-stream': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) },
  },
});

const b64 = base64Of;

const FULL_TILE_CACHE = 'public, max-age=31536000, immutable';
const PARTIAL_TILE_CACHE = 'public, max-age=60';
// A checkpoint changes every second under load; clients must revalidate.
const CHECKPOINT_CACHE = 'no-cache';

const WitnessSchema = Type.Object({
  name: Type.String(),
  verifierKey: Type.String({ description: 'C2SP cosigner verifier key, name+hex8+base64(0x04 ‖ key)' }),
  addedBy: Uuid,
  addedAt: Timestamp,
  ledgerIndex: Type.Integer(),
});

const AcceptedSchema = Type.Object({
  checkpointSize: Type.Integer(),
  witness: Type.String(),
  timestamp: Type.Integer({ description: 'the cosignature time, POSIX seconds' }),
  stored: Type.Boolean({ description: 'false (and status 200) if this witness had already cosigned it' }),
});

export function ledgerRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const reader = new LedgerReader(ctx.db);

    async function checkpointNote(checkpoint: StoredCheckpoint): Promise<string> {
      return noteWithCosignatures(checkpoint.note, await cosignatureLines(ctx.db, checkpoint.size));
    }

    const sendCheckpoint = async (reply: FastifyReply, checkpoint: StoredCheckpoint) =>
      reply
        .type(TEXT)
        .header('cache-control', CHECKPOINT_CACHE)
        // When the log signed it: a checkpoint's text has no time (C2SP), and readers such as the
        // web console show its age.
        .header('last-modified', checkpoint.signedAt.toUTCString())
        .send(await checkpointNote(checkpoint));

    app.get(
      '/v1/ledger/checkpoint',
      {
        config: PUBLIC,
        schema: {
          tags: TAGS,
          summary:
            'The latest signed checkpoint (C2SP tlog-checkpoint as a signed note, with witness cosignatures)',
          security: [],
          response: { 200: textResponse('origin, size and base64 root, signed by the log key') },
        },
      },
      async (_request, reply) => sendCheckpoint(reply, await ctx.checkpointer.current()),
    );

    app.get(
      '/v1/ledger/checkpoints/:size',
      {
        config: PUBLIC,
        schema: {
          tags: TAGS,
          summary: 'The checkpoint the log signed for one tree size, with its witness cosignatures',
          security: [],
          params: Type.Object({ size: Size('tree size') }),
          response: { 200: textResponse('the signed note'), ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const checkpoint = await ctx.checkpointer.at(request.params.size);
        if (!checkpoint) {
          throw new PlatformError(
            'LEDGER_CHECKPOINT_NOT_FOUND',
            `the log signed no checkpoint of size ${request.params.size}`,
          );
        }
        return sendCheckpoint(reply, checkpoint);
      },
    );

    app.get(
      '/v1/ledger/key',
      {
        config: PUBLIC,
        schema: {
          tags: TAGS,
          summary: "The log's verifier key, name+hex8+base64(0x01 ‖ Ed25519 public key)",
          security: [],
          response: { 200: textResponse('C2SP signed-note verifier key') },
        },
      },
      async (_request, reply) => reply.type(TEXT).send(`${ctx.checkpointer.key.verifierKey}\n`),
    );

    app.get(
      '/v1/ledger/entries/:index',
      {
        config: PUBLIC,
        schema: {
          tags: TAGS,
          summary: 'One entry: the exact bytes that were hashed (RFC 8785 canonical JSON of the record)',
          security: [],
          params: Type.Object({ index: Size('leaf index') }),
          response: {
            200: Type.Object({ index: Type.Integer(), entry: Base64, leafHash: Base64 }),
            ...errorResponses(400, 404),
          },
        },
      },
      async (request) => {
        const entry = await reader.entry(request.params.index);
        return { index: entry.index, entry: b64(entry.entry), leafHash: b64(entry.leafHash) };
      },
    );

    app.get(
      '/v1/ledger/proofs/inclusion',
      {
        config: PUBLIC,
        schema: {
          tags: TAGS,
          summary: 'RFC 9162 inclusion proof of leaf `index` in the tree of `treeSize`',
          security: [],
          querystring: Type.Object({
            index: Size('leaf index'),
            treeSize: Size('tree size, from a checkpoint'),
          }),
          response: {
            200: Type.Object({
              index: Type.Integer(),
              treeSize: Type.Integer(),
              leafHash: Base64,
              proof: Type.Array(Base64),
            }),
            ...errorResponses(400, 404),
          },
        },
      },
      async (request) => {
        const proof = await reader.inclusionProof(request.query.index, request.query.treeSize);
        return { ...proof, leafHash: b64(proof.leafHash), proof: proof.proof.map(b64) };
      },
    );

    app.get(
      '/v1/ledger/proofs/consistency',
      {
        config: PUBLIC,
        schema: {
          tags: TAGS,
          summary: 'RFC 9162 consistency proof from the tree of `from` to the tree of `to`',
          security: [],
          querystring: Type.Object({ from: Size('older tree size (> 0)'), to: Size('newer tree size') }),
          response: {
            200: Type.Object({ from: Type.Integer(), to: Type.Integer(), proof: Type.Array(Base64) }),
            ...errorResponses(400, 404),
          },
        },
      },
      async (request) => {
        const proof = await reader.consistencyProof(request.query.from, request.query.to);
        return { ...proof, proof: proof.proof.map(b64) };
      },
    );

    // C2SP tlog-tiles: the same checkpoint at the log prefix, and the tiles.
    app.get(
      '/checkpoint',
      {
        config: PUBLIC,
        schema: {
          tags: TAGS,
          summary: 'tlog-tiles checkpoint (same as /v1/ledger/checkpoint)',
          security: [],
          response: { 200: textResponse('the signed note') },
        },
      },
      async (_request, reply) => sendCheckpoint(reply, await ctx.checkpointer.current()),
    );

    app.get(
      '/tile/*',
      {
        config: PUBLIC,
        schema: {
          tags: TAGS,
          summary: 'tlog-tiles: hash tile /tile/<L>/<N>[.p/<W>] or entry bundle /tile/entries/<N>[.p/<W>]',
          security: [],
          response: { 200: binaryResponse('tile bytes'), ...errorResponses(400, 404, 422) },
        },
      },
      async (request, reply) => {
        const rest = (request.params as { '*': string })['*'];
        let tile: ReturnType<typeof parseTilePath>;
        try {
          tile = parseTilePath(`tile/${rest}`);
        } catch (error) {
          if (!isLedgerError(error)) throw error;
          throw new PlatformError('LEDGER_TILE_PATH_INVALID', error.message);
        }
        const bytes = tile.level === 'entries' ? await reader.entryBundle(tile) : await reader.tile(tile);
        return reply
          .type('application/octet-stream')
          .header('cache-control', tile.width === 256 ? FULL_TILE_CACHE : PARTIAL_TILE_CACHE)
          .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      },
    );

    app.get(
      '/v1/ledger/witnesses',
      {
        config: PUBLIC,
        schema: {
          tags: TAGS,
          summary: 'The witnesses whose cosignatures the log accepts and serves',
          security: [],
          response: { 200: Type.Object({ items: Type.Array(WitnessSchema), nextCursor: Type.Null() }) },
        },
      },
      async () => ({ items: await listWitnesses(ctx.db), nextCursor: null }),
    );

    app.post(
      '/v1/ledger/witnesses',
      {
        schema: {
          tags: TAGS,
          summary: 'Register a witness by its cosigner verifier key (registry or regulator)',
          body: Type.Object(
            { verifierKey: Type.String({ minLength: 1, maxLength: 1000 }) },
            { additionalProperties: false },
          ),
          response: { 201: WitnessSchema, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await registerWitness(ctx, actorOf(request), request.body.verifierKey)),
    );

    app.post(
      '/v1/ledger/witnesses/:name/cosignatures',
      {
        config: {
          ...PUBLIC,
          rateLimit: { max: ctx.config.publicRateLimit, timeWindow: '1 minute' },
        },
        schema: {
          tags: TAGS,
          summary:
            "Submit a witness's tlog-cosignature of a checkpoint; authenticated by the cosignature itself",
          security: [],
          params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }),
          body: Type.Object(
            {
              checkpoint: Type.String({
                minLength: 1,
                maxLength: 16384,
                description: 'the checkpoint body, or the whole signed note',
              }),
              cosignature: Type.String({
                minLength: 1,
                maxLength: 1000,
                description: 'the signature line, — <name> <base64>',
              }),
            },
            { additionalProperties: false },
          ),
          response: {
            201: AcceptedSchema,
            200: AcceptedSchema,
            ...errorResponses(400, 403, 404, 409, 422, 429),
          },
        },
      },
      async (request, reply) => {
        const accepted = await submitCosignature(ctx, request.params.name, request.body);
        return reply.code(accepted.stored ? 201 : 200).send(accepted);
      },
    );
  };
}
