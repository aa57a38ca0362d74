import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OpeningJson, openRecord } from '../../src/ledger/commitment.js';
import { LedgerError, type LedgerErrorCode } from '../../src/ledger/errors.js';
import {
  type ChainItem,
  type ChainName,
  formatChainLink,
  RobotChainError,
  readChainLink,
  verifyChainSegment,
  verifyRobotChain,
  verifyRobotHistory,
} from '../../src/ledger/robot-chain.js';
import type { RobotHead } from '../../src/ledger/robot-head.js';
import { expectLedgerError, flipBit, hex } from './support.js';
import { type LoggedRecord, V2TestLog } from './v2-log.js';

const ORIGIN = 'example.org/roboledger-test';
const A = { robot: 'a0000000-0000-4000-8000-00000000000a', robotId: 'CNB7K2B0A3T511000000000123455' };
const B = { robot: 'b0000000-0000-4000-8000-00000000000b', robotId: 'CNH4W9W1C2TCA30000000000A7Z96' };

/** Two robots' records and batches interleaved with unrelated records, as a real log would hold them. */
function buildLog(): V2TestLog {
  const log = new V2TestLog(ORIGIN);
  log.append('brand', { kind: 'brand', id: 'acme' });
  log.appendChained('records', 'robot_event', A, { type: 'filing' });
  log.appendChained('records', 'robot_event', B, { type: 'filing' });
  for (let i = 0; i < 12; i++) {
    log.appendChained('records', i % 3 === 0 ? 'grant' : 'robot_event', A, { type: `event ${i}` });
    log.appendChained('batches', 'telemetry_batch', A, { seq: i, sampleCount: 10 });
    if (i % 2 === 0) log.appendChained('records', 'robot_event', B, { type: `event ${i}` });
    if (i % 4 === 0) log.append('brand', { kind: 'brand', id: `brand ${i}` });
  }
  return log;
}

const log = buildLog();
const checkpoint = log.checkpoint();
const headA = log.head(A);

function items(chain: ChainName, robot: string, l = log): ChainItem[] {
  return l.chain(chain, robot).map((r) => ({ ...openRecord(r.opening), proof: l.proof(r.index) }));
}

const recordsA = items('records', A.robot);
const batchesA = items('batches', A.robot);
const recordsB = items('records', B.robot);

/** The RobotChainError that `action` throws: its code and seq, checked. */
function expectBreak(
  action: () => unknown,
  code: LedgerErrorCode,
  seq: number,
  chain?: ChainName,
): RobotChainError {
  const error = expectLedgerError(action, code);
  expect(error).toBeInstanceOf(RobotChainError);
  const broken = error as RobotChainError;
  expect({ code: broken.code, seq: broken.seq }).toEqual({ code, seq });
  if (chain) expect(broken.chain).toBe(chain);
  return broken;
}

const verify = (chain: ChainName, list: readonly ChainItem[], head: RobotHead = headA) =>
  verifyRobotChain({ chain, head, checkpoint, items: list });

describe('robot chains, complete at a robot head', () => {
  it('verify a whole records chain and a whole batches chain', () => {
    const records = verify('records', recordsA);
    expect(records).toMatchObject({ chain: 'records', robot: A.robot, robotIds: [A.robotId], length: 13 });
    expect(records.last).toEqual(headA.records);
    const batches = verify('batches', batchesA);
    expect(batches).toMatchObject({ robot: A.robot, length: 12 });
    expect(batches.last).toEqual(headA.batches);
    expect(verify('records', recordsB, log.head(B)).length).toBe(7);
  });

  it('verify every chain of any log the honest writer builds', () => {
    const step = fc.record({
      robot: fc.constantFrom(A, B),
      chain: fc.constantFrom<ChainName>('records', 'batches'),
      other: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const l = new V2TestLog(ORIGIN);
        const filed = new Set<string>();
        for (const { robot, chain, other } of steps) {
          if (other) l.append('brand', { kind: 'brand', id: `b${l.size}` });
          // A robot's first record is its filing, in the records chain.
          const c = filed.has(robot.robot) ? chain : 'records';
          filed.add(robot.robot);
          l.appendChained(c, 'robot_event', robot, { n: l.size });
        }
        const cp = l.checkpoint();
        for (const robot of [A, B].filter((r) => filed.has(r.robot))) {
          const head = l.head(robot);
          for (const chain of ['records', 'batches'] as const) {
            const summary = verifyRobotChain({
              chain,
              head,
              checkpoint: cp,
              items: items(chain, robot.robot, l),
            });
            expect(summary.length).toBe(head[chain] ? head[chain].seq + 1 : 0);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('verify a head without a batches line only with no batches', () => {
    const headB = log.head(B);
    expect(headB.batches).toBeUndefined();
    expect(verify('batches', [], headB).length).toBe(0);
    expectBreak(() => verify('batches', batchesA, headB), 'CHAIN_HEAD_MISMATCH', 0, 'batches');
  });

  describe.each(['records', 'batches'] as const)('the %s chain', (chain) => {
    const full = chain === 'records' ? recordsA : batchesA;

    it('fails on any omission, naming the first seq missing', () => {
      fc.assert(
        fc.property(fc.nat(full.length - 1), fc.integer({ min: 1, max: 3 }), (at, count) => {
          const list = [...full.slice(0, at), ...full.slice(at + count)];
          expectBreak(() => verify(chain, list), 'CHAIN_RECORD_OMITTED', at, chain);
        }),
      );
      expectBreak(() => verify(chain, []), 'CHAIN_RECORD_OMITTED', 0, chain);
    });

    it('fails on any reordering, naming the first seq out of place', () => {
      fc.assert(
        fc.property(fc.nat(full.length - 1), fc.nat(full.length - 1), (i, j) => {
          fc.pre(i !== j);
          const list = [...full];
          [list[i], list[j]] = [list[j]!, list[i]!];
          expectBreak(() => verify(chain, list), 'CHAIN_OUT_OF_ORDER', Math.min(i, j), chain);
        }),
      );
      expectBreak(() => verify(chain, [...full].reverse()), 'CHAIN_OUT_OF_ORDER', 0, chain);
    });

    it('fails on any duplication, naming the seq given twice', () => {
      fc.assert(
        fc.property(fc.nat(full.length - 1), fc.nat(full.length), (k, at) => {
          const list = [...full.slice(0, at), full[k]!, ...full.slice(at)];
          expectBreak(() => verify(chain, list), 'CHAIN_DUPLICATE', k, chain);
        }),
      );
    });

    it('fails on any foreign record inserted, naming the seq it stands in for', () => {
      fc.assert(
        fc.property(fc.constantFrom(...recordsB), fc.nat(full.length), (other, at) => {
          const list = [...full.slice(0, at), other, ...full.slice(at)];
          expectBreak(() => verify(chain, list), 'CHAIN_FOREIGN_ROBOT', at, chain);
        }),
      );
    });

    it('fails when a record is swapped for a foreign one', () => {
      fc.assert(
        fc.property(fc.nat(full.length - 1), fc.constantFrom(...recordsB), (at, other) => {
          const list = full.map((item, i) => (i === at ? other : item));
          expectBreak(() => verify(chain, list), 'CHAIN_FOREIGN_ROBOT', at, chain);
        }),
      );
    });

    it('fails when a leaf is not in the log at the head, naming its seq', () => {
      fc.assert(
        fc.property(fc.nat(full.length - 1), fc.nat(255), (at, bit) => {
          const list = full.map((item, i) =>
            i === at ? { ...item, leafHash: flipBit(item.leafHash, bit) } : item,
          );
          const error = expectBreak(() => verify(chain, list), 'OPENING_NOT_INCLUDED', at, chain);
          expect((error.cause as LedgerError).code).toBe('PROOF_ROOT_MISMATCH');
        }),
      );
    });
  });

  it('reports items built wrongly from a file as not included, not as a crash', () => {
    const broken = recordsA.map((item, i) =>
      i === 2 ? { ...item, leafHash: 'ab' as unknown as Uint8Array } : item,
    );
    expectBreak(() => verify('records', broken), 'OPENING_NOT_INCLUDED', 2);
    const noProof = recordsA.map((item, i) =>
      i === 12 ? { ...item, proof: undefined as unknown as Uint8Array[] } : item,
    );
    expectBreak(() => verify('records', noProof), 'OPENING_NOT_INCLUDED', 12);
  });

  it('does not mistake the other chain of the same robot for this one', () => {
    const mixed = [...recordsA.slice(0, 3), batchesA[0]!, ...recordsA.slice(3)];
    expectBreak(() => verify('records', mixed), 'CHAIN_LINK_MALFORMED', 3, 'records');
  });

  it('fails when the chain runs past the head, or the head names another leaf for its seq', () => {
    const short: RobotHead = {
      ...headA,
      records: { seq: 10, index: recordsA[10]!.index, leafHash: recordsA[10]!.leafHash },
    };
    expectBreak(() => verify('records', recordsA, short), 'CHAIN_HEAD_MISMATCH', 11);
    const forked: RobotHead = {
      ...headA,
      records: { ...headA.records, leafHash: flipBit(headA.records.leafHash, 3) },
    };
    expectBreak(() => verify('records', recordsA, forked), 'CHAIN_HEAD_MISMATCH', 12);
    const elsewhere: RobotHead = { ...headA, records: { ...headA.records, index: headA.records.index - 1 } };
    expectBreak(() => verify('records', recordsA, elsewhere), 'CHAIN_HEAD_MISMATCH', 12);
  });

  it("fails when a whole other robot's chain is offered for the head", () => {
    const robotIdOnly: RobotHead = { ...log.head(B), robotId: A.robotId };
    expectBreak(() => verify('records', recordsB, robotIdOnly), 'CHAIN_FOREIGN_ROBOT', 6);
    expectBreak(() => verify('records', recordsB, headA), 'CHAIN_RECORD_OMITTED', 7);
  });

  it('refuses a checkpoint of another size or log than the head', () => {
    expectLedgerError(
      () =>
        verifyRobotChain({
          chain: 'records',
          head: headA,
          checkpoint: log.checkpoint(log.size - 1),
          items: recordsA,
        }),
      'CHAIN_CHECKPOINT_MISMATCH',
    );
    expectLedgerError(
      () =>
        verifyRobotChain({
          chain: 'records',
          head: headA,
          checkpoint: { ...checkpoint, origin: 'x' },
          items: recordsA,
        }),
      'CHAIN_CHECKPOINT_MISMATCH',
    );
  });

  it('follows the robot across a re-coding: one stable id, the robot ID changing once', () => {
    const l = new V2TestLog(ORIGIN);
    l.appendChained('records', 'robot_event', A, { type: 'filing' });
    l.appendChained('records', 'robot_event', A, { type: 'deployment' });
    const recoded = { robot: A.robot, robotId: 'CNB7K2B0A3T511000000000999999' };
    l.appendChained('records', 'robot_event', recoded, { type: 'recoding', previousRobotId: A.robotId });
    l.appendChained('records', 'robot_event', recoded, { type: 'maintenance' });
    const summary = verifyRobotChain({
      chain: 'records',
      head: l.head(recoded),
      checkpoint: l.checkpoint(),
      items: items('records', A.robot, l),
    });
    expect(summary.robotIds).toEqual([A.robotId, recoded.robotId]);
    // The head names the robot by its ID at the tree size; the old ID no longer ends the chain.
    expectBreak(
      () =>
        verifyRobotChain({
          chain: 'records',
          head: l.head(A),
          checkpoint: l.checkpoint(),
          items: items('records', A.robot, l),
        }),
      'CHAIN_FOREIGN_ROBOT',
      3,
    );
  });
});

describe('a log that breaks its own chains', () => {
  /** Appends robot A's records with hand-made links, as a dishonest writer could. */
  function forged(links: (records: LoggedRecord[]) => unknown): {
    l: V2TestLog;
    list: ChainItem[];
    head: RobotHead;
  } {
    const l = new V2TestLog(ORIGIN);
    const records: LoggedRecord[] = [];
    for (let seq = 0; seq < 5; seq++) {
      const last = records[records.length - 1];
      const link =
        seq === 3
          ? links(records)
          : formatChainLink({ seq, prev: last ? { index: last.index, leafHash: last.leafHash } : null });
      records.push(l.append('robot_event', { kind: 'robot_event', ...A, robotChain: link }));
      l.append('brand', { kind: 'brand', id: `filler ${seq}` });
    }
    const lastRecord = records[4]!;
    const head: RobotHead = {
      origin: ORIGIN,
      robotId: A.robotId,
      treeSize: l.size,
      records: { seq: 4, index: lastRecord.index, leafHash: lastRecord.leafHash },
    };
    return { l, list: records.map((r) => ({ ...openRecord(r.opening), proof: l.proof(r.index) })), head };
  }

  const check = ({ l, list, head }: ReturnType<typeof forged>) =>
    verifyRobotChain({ chain: 'records', head, checkpoint: l.checkpoint(), items: list });

  it('is caught when a prev skips a record', () => {
    const f = forged((records) =>
      formatChainLink({ seq: 3, prev: { index: records[1]!.index, leafHash: records[1]!.leafHash } }),
    );
    expectBreak(() => check(f), 'CHAIN_PREV_MISMATCH', 3);
  });

  it('is caught when a prev names the right index with another hash', () => {
    const f = forged((records) =>
      formatChainLink({
        seq: 3,
        prev: { index: records[2]!.index, leafHash: flipBit(records[2]!.leafHash, 9) },
      }),
    );
    expectBreak(() => check(f), 'CHAIN_PREV_MISMATCH', 3);
  });

  it('is caught when a prev points forward', () => {
    const f = forged((records) => ({ seq: 3, prev: { index: 9_999, leafHash: hex(records[2]!.leafHash) } }));
    expectBreak(() => check(f), 'CHAIN_PREV_MISMATCH', 3);
  });

  it.each([
    ['no link', undefined],
    ['a null link', null],
    ['prev null after seq 0', { seq: 3, prev: null }],
    ['an upper-case hash', { seq: 3, prev: { index: 4, leafHash: 'AB'.repeat(32) } }],
    ['an extra member', { seq: 3, prev: null, next: null }],
    ['a string seq', { seq: '3', prev: { index: 4, leafHash: 'ab'.repeat(32) } }],
  ])('is caught when a record has %s', (_what, link) => {
    const f = forged(() => link);
    expectBreak(() => check(f), 'CHAIN_LINK_MALFORMED', 3);
  });

  it('is caught when seq 0 names a prev', () => {
    expectLedgerError(
      () =>
        readChainLink({ robotChain: { seq: 0, prev: { index: 1, leafHash: 'ab'.repeat(32) } } }, 'records'),
      'CHAIN_LINK_MALFORMED',
    );
    expectLedgerError(
      () => formatChainLink({ seq: 0, prev: { index: 1, leafHash: new Uint8Array(32) } }),
      'CHAIN_LINK_MALFORMED',
    );
    expectLedgerError(() => formatChainLink({ seq: 2, prev: null }), 'CHAIN_LINK_MALFORMED');
  });
});

describe('robot histories from openings', () => {
  const proven = (chain: ChainName, robot: string) =>
    log.chain(chain, robot).map((r) => ({ opening: r.opening, proof: log.proof(r.index) }));

  it('open and verify both chains of a robot', () => {
    const history = verifyRobotHistory({
      head: headA,
      checkpoint,
      records: proven('records', A.robot),
      batches: proven('batches', A.robot),
    });
    expect(history.robot).toBe(A.robot);
    expect(history.records).toHaveLength(13);
    expect(history.batches).toHaveLength(12);
    expect(history.records[5]!.record).toEqual(log.chain('records', A.robot)[5]!.record);
  });

  it('may leave the batches out', () => {
    const history = verifyRobotHistory({ head: headA, checkpoint, records: proven('records', A.robot) });
    expect(history.batches).toBeUndefined();
  });

  it('name the seq of a tampered opening', () => {
    const records = proven('records', A.robot);
    const salt = Buffer.from(records[4]!.opening.salt, 'base64');
    salt[0] = salt[0]! ^ 1;
    records[4] = { ...records[4]!, opening: { ...records[4]!.opening, salt: salt.toString('base64') } };
    const error = expectBreak(
      () => verifyRobotHistory({ head: headA, checkpoint, records }),
      'OPENING_NOT_INCLUDED',
      4,
      'records',
    );
    expect(error.index).toBe(records[4]!.opening.index);
  });

  it('name the seq of a batch omitted, and refuse batches of another robot', () => {
    const batches = proven('batches', A.robot);
    batches.splice(6, 1);
    expectBreak(
      () => verifyRobotHistory({ head: headA, checkpoint, records: proven('records', A.robot), batches }),
      'CHAIN_RECORD_OMITTED',
      6,
      'batches',
    );
    const l = new V2TestLog(ORIGIN);
    l.appendChained('records', 'robot_event', A, { type: 'filing' });
    l.appendChained('batches', 'telemetry_batch', B, { seq: 0 });
    const hB = l.chain('batches', B.robot)[0]!;
    const head: RobotHead = { ...l.head(A), batches: { seq: 0, index: hB.index, leafHash: hB.leafHash } };
    expectBreak(
      () =>
        verifyRobotHistory({
          head,
          checkpoint: l.checkpoint(),
          records: l.chain('records', A.robot).map((r) => ({ opening: r.opening, proof: l.proof(r.index) })),
          batches: [{ opening: hB.opening, proof: l.proof(hB.index) }],
        }),
      'CHAIN_FOREIGN_ROBOT',
      0,
      'batches',
    );
  });

  it('report a malformed opening with its place in the chain', () => {
    const records = proven('records', A.robot);
    records[2] = { ...records[2]!, opening: { ...records[2]!.opening, index: -1 } as OpeningJson };
    expectBreak(() => verifyRobotHistory({ head: headA, checkpoint, records }), 'OPENING_MALFORMED', 2);
  });
});

describe('chain segments (a telemetry window)', () => {
  it('verify a contiguous run, anchored or not, and one that reaches the head', () => {
    const run = batchesA.slice(4, 9);
    const summary = verifyChainSegment({
      chain: 'batches',
      head: headA,
      checkpoint,
      items: run,
      robot: A.robot,
    });
    expect(summary.first?.seq).toBe(4);
    expect(summary.last?.seq).toBe(8);
    const before = batchesA[3]!;
    const after = { seq: 3, index: before.index, leafHash: before.leafHash };
    expect(
      verifyChainSegment({ chain: 'batches', head: headA, checkpoint, items: run, robot: A.robot, after })
        .length,
    ).toBe(5);
    expect(
      verifyChainSegment({
        chain: 'batches',
        head: headA,
        checkpoint,
        items: batchesA.slice(8),
        robot: A.robot,
      }).last,
    ).toEqual(headA.batches);
    expect(
      verifyChainSegment({ chain: 'batches', head: headA, checkpoint, items: [], robot: A.robot }).length,
    ).toBe(0);
  });

  it('fail on a gap, a wrong anchor, another robot or a run past the head', () => {
    const run = [...batchesA.slice(4, 6), ...batchesA.slice(7, 9)];
    expectBreak(
      () => verifyChainSegment({ chain: 'batches', head: headA, checkpoint, items: run, robot: A.robot }),
      'CHAIN_RECORD_OMITTED',
      6,
    );
    const wrong = batchesA[2]!;
    expectBreak(
      () =>
        verifyChainSegment({
          chain: 'batches',
          head: headA,
          checkpoint,
          items: batchesA.slice(4, 9),
          robot: A.robot,
          after: { seq: 3, index: wrong.index, leafHash: wrong.leafHash },
        }),
      'CHAIN_PREV_MISMATCH',
      4,
    );
    expectBreak(
      () =>
        verifyChainSegment({
          chain: 'batches',
          head: headA,
          checkpoint,
          items: batchesA.slice(4, 9),
          robot: B.robot,
        }),
      'CHAIN_FOREIGN_ROBOT',
      4,
    );
    const earlier: RobotHead = {
      ...headA,
      batches: { seq: 5, index: batchesA[5]!.index, leafHash: batchesA[5]!.leafHash },
    };
    expectBreak(
      () =>
        verifyChainSegment({
          chain: 'batches',
          head: earlier,
          checkpoint,
          items: batchesA.slice(4, 9),
          robot: A.robot,
        }),
      'CHAIN_HEAD_MISMATCH',
      6,
    );
  });
});

it('the fixtures are what the tests assume (so that the checks above can fail)', () => {
  expect(recordsA.map((i) => readChainLink(i.record, 'records').seq)).toEqual([...Array(13).keys()]);
  expect(batchesA.map((i) => readChainLink(i.record, 'batches').seq)).toEqual([...Array(12).keys()]);
  expect(new Set([...recordsA, ...batchesA, ...recordsB].map((i) => i.index)).size).toBe(13 + 12 + 7);
  expect(() => verifyRobotChain({ chain: 'records', head: headA, checkpoint, items: recordsA })).not.toThrow(
    LedgerError,
  );
});
