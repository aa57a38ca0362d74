// The edge of the robot-data freshness rule (docs/operations-runbook.md "Read replica"): a route
// that reads a robot's history hands its data queries the client chosen here, and the answer
// names where they were answered in the `RoboLedger-Read` header. The request decides only one
// thing: `Cache-Control: no-cache` asks for fresh data, which the primary answers.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { asksForFresh, READ_SOURCE_HEADER, type ReadSource } from '../../core/read-freshness.js';
import type { AppContext } from '../app-context.js';
import { historyReads } from '../db/read-routing.js';
import type { SqlClient } from '../db/sql-client.js';

/** Runs `read` with this request's history client, then says in the answer where it read. */
export async function withHistoryReads<T>(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  read: (reads: SqlClient) => Promise<T>,
): Promise<T> {
  const reads = await historyReads(ctx, { fresh: asksForFresh(request.headers['cache-control']) });
  const answer = await read(reads);
  reply.header(READ_SOURCE_HEADER, reads.source);
  return answer;
}

/** For a robot-data read that is always fresh (the batches listing robots resend from). */
export function readFrom(reply: FastifyReply, source: ReadSource): void {
  reply.header(READ_SOURCE_HEADER, source);
}

/** The OpenAPI description of a route whose data may come from the replica. */
export const HISTORY_READ_DESCRIPTION =
  'History: may be answered by the read replica, at most ROBOLEDGER_READ_MAX_LAG_MS behind the primary. ' +
  'The RoboLedger-Read response header says `replica` or `primary`; send `Cache-Control: no-cache` for the primary.';
