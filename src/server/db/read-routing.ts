// Which database answers a ledger read: the replica (ctx.readDb, DATABASE_READ_URL) when it has
// replayed everything the read cites, else the primary. A streaming replica lags by whatever
// WAL it has not replayed yet, so a proof for a tree size it does not hold yet would be
// refused (or, worse, be built from a shorter tree). Its replayed size is its own latest
// checkpoint row: a checkpoint is stored after the tree it covers committed, and a replica
// replays commits in order, so a replica showing a checkpoint of size S holds the tree of S.
// Anything that must be fresh (a read after its write, a key lookup, a unit of work) does not
// come here: it reads ctx.db.
import type { Database, SqlClient } from './sql-client.js';

export interface ReadRouting {
  /** True when a replica is configured (readDb is not the primary). */
  readonly hasReplica: boolean;
  /** The largest checkpoint size the replica holds (the primary's when there is no replica). */
  replayedSize(): Promise<number>;
  /** The database to read a tree of `size` from: the replica if it holds it, else the primary. */
  forTreeSize(size: number): Promise<SqlClient>;
}

export async function latestCheckpointSize(client: SqlClient): Promise<number> {
  const { rows } = await client.query<{ size: number | null }>(
    'SELECT max(size) AS size FROM ledger_checkpoints',
  );
  return rows[0]?.size ?? 0;
}

export function readRouting(ctx: { db: Database; readDb: Database }): ReadRouting {
  const { db, readDb } = ctx;
  const hasReplica = readDb !== db;
  return {
    hasReplica,
    replayedSize: () => latestCheckpointSize(readDb),
    async forTreeSize(size) {
      if (!hasReplica) return db;
      try {
        return size <= (await latestCheckpointSize(readDb)) ? readDb : db;
      } catch {
        // An unreachable replica costs the primary a read, never the caller an error.
        return db;
      }
    },
  };
}
