// A robot's event history with the proof of each event against one signed checkpoint (what
// `roboledger verify robot` checks offline). A robot route, so it lives with the robots feature:
// the ledger folder serves the log itself and imports no feature.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import {
  Base64,
  base64Of,
  errorResponses,
  LateFlag,
  RobotIdParam,
  TreeSize,
  Uuid,
} from '../../http/schemas.js';
import { LedgerReader } from '../../ledger/ledger-reader.js';
import { robotHistoryProof } from './robot-history.js';

export function robotHistoryRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const reader = new LedgerReader(ctx.db);

    app.get(
      '/v1/robots/:robotId/history-proof',
      {
        schema: {
          tags: ['ledger'],
          summary:
            "A robot's events with their ledger entries and inclusion proofs against one signed checkpoint",
          params: Type.Object({ robotId: RobotIdParam }),
          querystring: Type.Object({
            treeSize: Type.Optional(TreeSize('a checkpointed size (default: the latest checkpoint)')),
          }),
          response: {
            200: Type.Object({
              robotId: Type.String(),
              treeSize: Type.Integer(),
              checkpoint: Type.String({ description: 'the signed note every proof is against' }),
              events: Type.Array(
                Type.Object({
                  eventId: Uuid,
                  type: Type.String(),
                  ledgerIndex: Type.Integer(),
                  late: LateFlag,
                  entry: Base64,
                  leafHash: Base64,
                  proof: Type.Array(Base64),
                }),
              ),
              laterEvents: Type.Integer({ description: 'events recorded after that checkpoint' }),
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
          events: history.events.map((e) => ({
            ...e,
            entry: base64Of(e.entry),
            leafHash: base64Of(e.leafHash),
            proof: e.proof.map(base64Of),
          })),
        };
      },
    );
  };
}
