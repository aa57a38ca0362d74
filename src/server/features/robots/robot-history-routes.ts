// A robot's provable history and its signed head (docs/ledger-formats.md "Robot chains",
// "Robot head"). Robot routes, so they live with the robots feature: the ledger folder serves
// the log itself and imports no feature.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { formatOpening } from '../../../ledger/index.js';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { Base64, base64Of, errorResponses, LateFlag, RobotIdParam, TreeSize } from '../../http/schemas.js';
import { LedgerReader } from '../../ledger/ledger-reader.js';
import { robotHead, robotHistoryProof } from './robot-history.js';

const OpeningSchema = Type.Object(
  {
    index: Type.Integer({ description: 'the leaf index' }),
    kind: Type.String({ description: 'the record kind, as in the entry' }),
    salt: Base64,
    record: Base64,
  },
  { description: 'SHA-256(salt ‖ record) is the commitment of the entry at index' },
);

const TreeSizeQuery = Type.Object({
  treeSize: Type.Optional(
    TreeSize('a checkpointed size (default: the latest checkpoint, signed afresh if it misses the robot)'),
  ),
});

export function robotHistoryRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const reader = new LedgerReader(ctx.db);

    app.get(
      '/v1/robots/:robotId/history-proof',
      {
        schema: {
          tags: ['ledger'],
          summary:
            "A robot's whole records chain: the opening of every record, each with its inclusion proof against one signed checkpoint, and the signed robot head",
          params: Type.Object({ robotId: RobotIdParam }),
          querystring: TreeSizeQuery,
          response: {
            200: Type.Object({
              robotId: Type.String({ description: 'the robot ID at treeSize' }),
              treeSize: Type.Integer(),
              checkpoint: Type.String({ description: 'the signed note every proof is against' }),
              head: Type.String({ description: 'the robot head at treeSize, a note signed by the log key' }),
              records: Type.Array(
                Type.Object({
                  opening: OpeningSchema,
                  leafHash: Base64,
                  proof: Type.Array(Base64),
                  late: LateFlag,
                }),
                { description: 'the records chain, seq 0 … the head seq' },
              ),
              laterRecords: Type.Integer({
                description: 'records of the robot appended after that checkpoint',
              }),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const history = await robotHistoryProof(
          ctx,
          reader,
          actorOf(request),
          request.params.robotId,
          request.query.treeSize,
        );
        return {
          ...history,
          records: history.records.map((r) => ({
            opening: formatOpening(r.opening),
            leafHash: base64Of(r.opening.leafHash),
            proof: r.proof.map(base64Of),
            late: r.late,
          })),
        };
      },
    );

    app.get(
      '/v1/robots/:robotId/head',
      {
        schema: {
          tags: ['ledger'],
          summary:
            "The robot head: the last record of each of the robot's chains at a checkpointed tree size, signed by the log key",
          params: Type.Object({ robotId: RobotIdParam }),
          querystring: TreeSizeQuery,
          response: {
            200: {
              description:
                '<origin>/robot-head, robot ID, tree size, `records <seq> <index> <base64 leaf hash>`, and a `batches` line when the robot sent telemetry; then the signature',
              content: { 'text/plain': { schema: Type.String() } },
            },
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) =>
        reply
          .type('text/plain; charset=utf-8')
          .send(await robotHead(ctx, actorOf(request), request.params.robotId, request.query.treeSize)),
    );
  };
}
