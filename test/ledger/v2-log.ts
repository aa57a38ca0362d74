// An in-memory version 2 log for tests and the published vectors: what the server's writer does
// with the pure API (commit each record under a salt, chain each robot's records and batches,
// keep the Merkle nodes), without a database. Free of vitest, so that scripts/ledger-v2-vectors.ts can use it. Salts come from a function so that vectors are
// reproducible; the server uses makeSalt().

import { canonicalJsonBytes } from '../../src/ledger/canonical-json.js';
import { formatCheckpoint } from '../../src/ledger/checkpoint.js';
import { commitRecord, formatOpening, type OpeningJson } from '../../src/ledger/commitment.js';
import { sha256 } from '../../src/ledger/crypto.js';
import {
  inclusionProofNodes,
  MerkleFrontier,
  proofFromNodes,
  rootFromNodes,
} from '../../src/ledger/merkle.js';
import { type NoteSigner, signNote } from '../../src/ledger/note.js';
import { type ChainName, formatChainLink } from '../../src/ledger/robot-chain.js';
import { type ChainHeadLine, formatRobotHead, type RobotHead } from '../../src/ledger/robot-head.js';

// Not support.ts's nodeKey: that module imports vitest, and the vector script runs outside it.
const nodeKey = (id: { level: number; index: number }) => `${id.level}/${id.index}`;

export interface LoggedRecord {
  readonly index: number;
  readonly kind: string;
  readonly record: Record<string, unknown>;
  readonly recordBytes: Uint8Array;
  readonly salt: Uint8Array;
  readonly entry: Uint8Array;
  readonly leafHash: Uint8Array;
  readonly opening: OpeningJson;
}

/** A deterministic salt: SHA-256 of a label, so that vectors never change between runs. */
export function fixedSalt(label: string): Uint8Array {
  return sha256(new TextEncoder().encode(`roboledger test salt ${label}`));
}

export class V2TestLog {
  readonly origin: string;
  readonly records: LoggedRecord[] = [];
  readonly #frontier = new MerkleFrontier();
  readonly #nodes = new Map<string, Uint8Array>();
  readonly #heads = new Map<string, { records?: ChainHeadLine; batches?: ChainHeadLine }>();
  readonly #saltFor: (index: number) => Uint8Array;

  constructor(origin: string, saltFor: (index: number) => Uint8Array = (i) => fixedSalt(String(i))) {
    this.origin = origin;
    this.#saltFor = saltFor;
  }

  get size(): number {
    return this.#frontier.size;
  }

  /** Appends a record that is about no robot (a brand, an organisation). */
  append(kind: string, record: Record<string, unknown>): LoggedRecord {
    const index = this.#frontier.size;
    const salt = this.#saltFor(index);
    const recordBytes = canonicalJsonBytes(record);
    const committed = commitRecord(kind, recordBytes, salt);
    for (const node of this.#frontier.append(committed.leafHash)) this.#nodes.set(nodeKey(node), node.hash);
    const opening = formatOpening({ index, kind, salt, record: recordBytes });
    const logged = {
      index,
      kind,
      record,
      recordBytes,
      salt,
      entry: committed.entry,
      leafHash: committed.leafHash,
      opening,
    };
    this.records.push(logged);
    return logged;
  }

  /**
   * Appends a record of `robot` in one of its chains: adds `robot`, `robotId` and the chain
   * link (next seq, prev the robot's last record in that chain) to the record first.
   */
  appendChained(
    chain: ChainName,
    kind: string,
    robot: { readonly robot: string; readonly robotId: string },
    fields: Record<string, unknown>,
  ): LoggedRecord {
    const heads = this.#heads.get(robot.robot) ?? {};
    const last = heads[chain];
    const link = formatChainLink(
      last === undefined
        ? { seq: 0, prev: null }
        : { seq: last.seq + 1, prev: { index: last.index, leafHash: last.leafHash } },
    );
    const member = chain === 'records' ? 'robotChain' : 'batchChain';
    const logged = this.append(kind, {
      ...fields,
      kind,
      robot: robot.robot,
      robotId: robot.robotId,
      [member]: link,
    });
    heads[chain] = { seq: link.seq, index: logged.index, leafHash: logged.leafHash };
    this.#heads.set(robot.robot, heads);
    return logged;
  }

  /** The checkpoint of the current size (unsigned body fields). */
  checkpoint(size = this.size): { origin: string; size: number; rootHash: Uint8Array } {
    return { origin: this.origin, size, rootHash: rootFromNodes(size, (id) => this.#nodes.get(nodeKey(id))) };
  }

  signedCheckpoint(signer: NoteSigner, size = this.size): string {
    return signNote(formatCheckpoint(this.checkpoint(size)), [signer]);
  }

  proof(index: number, size = this.size): Uint8Array[] {
    return proofFromNodes(inclusionProofNodes(index, size), (id) => this.#nodes.get(nodeKey(id)));
  }

  /** The robot head now (robotId: the robot's ID now). */
  head(robot: { readonly robot: string; readonly robotId: string }): RobotHead {
    const heads = this.#heads.get(robot.robot);
    if (heads?.records === undefined) throw new Error(`robot ${robot.robot} has no records`);
    return {
      origin: this.origin,
      robotId: robot.robotId,
      treeSize: this.size,
      records: heads.records,
      ...(heads.batches ? { batches: heads.batches } : {}),
    };
  }

  headText(robot: { readonly robot: string; readonly robotId: string }): string {
    return formatRobotHead(this.head(robot));
  }

  /** A robot's records of one chain, in seq order. */
  chain(chain: ChainName, robot: string): LoggedRecord[] {
    const member = chain === 'records' ? 'robotChain' : 'batchChain';
    return this.records.filter((r) => r.record.robot === robot && member in r.record);
  }
}
