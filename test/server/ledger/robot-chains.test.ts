// Robot chains under concurrency (docs/ledger.md "What is logged"): the writer numbers a robot's
// links under the log's head lock, and knows chain heads only as of the tree it last wrote. Two
// writers on one database (two processes, as far as the log can tell) alternating on one robot,
// or units of one group commit touching the same robot, still make one unbroken chain.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCanonicalJson } from '../../../src/ledger/index.js';
import { loadOpenings } from '../../../src/server/ledger/ledger-openings.js';
import { LedgerWriter } from '../../../src/server/ledger/ledger-writer.js';
import { appendRecord, defineRecordKind } from '../../../src/server/ledger/record-kinds.js';
import { startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';

/** A chained kind of the test's own: the record is the row. */
const chained = defineRecordKind<{ kind: string; id: string; robot: string; robotId: string; n: number }>({
  kind: 'test_chained',
  chain: 'records',
  load: async () => null,
  record: (row) => row,
});
const ANY_KIND = { has: () => true };

describe(`robot chains with several writers (${backend})`, () => {
  let p: TestPlatform;
  let a: LedgerWriter;
  let b: LedgerWriter;

  beforeAll(async () => {
    p = await startTestPlatform();
    a = new LedgerWriter(p.ctx.db, { recordKinds: ANY_KIND });
    b = new LedgerWriter(p.ctx.db, { recordKinds: ANY_KIND });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await p?.close();
  });

  const append = (writer: LedgerWriter, robot: string, n: number) =>
    writer.run((tx, ledger) =>
      appendRecord(tx, ledger, chained, `${robot}/${n}`, {
        kind: 'test_chained',
        id: `${robot}/${n}`,
        robot,
        robotId: 'CNB7K2B0A3T511000000000123455',
        n,
      }),
    );

  /** The robot's chain as stored: each link's seq and its record's prev, in seq order. */
  async function chainOf(robot: string) {
    const { rows } = await p.ctx.db.query<{ seq: number; idx: number }>(
      "SELECT seq, idx FROM robot_chain_links WHERE robot_uuid = $1 AND chain = 'records' ORDER BY seq",
      [robot],
    );
    const openings = await loadOpenings(
      p.ctx.db,
      rows.map((r) => r.idx),
    );
    return rows.map((row) => {
      const opening = openings.get(row.idx)!;
      const record = parseCanonicalJson(opening.record) as {
        n: number;
        robotChain: { seq: number; prev: { index: number; leafHash: string } | null };
      };
      return {
        ...row,
        n: record.n,
        link: record.robotChain,
        leafHash: Buffer.from(opening.leafHash).toString('hex'),
      };
    });
  }

  function expectUnbroken(chain: Awaited<ReturnType<typeof chainOf>>, length: number) {
    expect(chain.map((c) => c.seq)).toEqual(Array.from({ length }, (_, i) => i));
    chain.forEach((c, i) => {
      expect(c.link.seq).toBe(i);
      if (i === 0) expect(c.link.prev).toBeNull();
      else expect(c.link.prev).toEqual({ index: chain[i - 1]!.idx, leafHash: chain[i - 1]!.leafHash });
    });
  }

  it('two writers taking turns on one robot make one chain: each sees the links the other wrote', async () => {
    const robot = randomUUID();
    for (let n = 0; n < 6; n++) await append(n % 2 === 0 ? a : b, robot, n);
    // Both at once, several times over: whichever commits second links to the first.
    for (let n = 6; n < 12; n += 2) await Promise.all([append(a, robot, n), append(b, robot, n + 1)]);
    const chain = await chainOf(robot);
    expectUnbroken(chain, 12);
    expect(chain.slice(0, 6).map((c) => c.n)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('units of one group commit on one robot chain to each other, and a refused unit leaves no link', async () => {
    const robot = randomUUID();
    await append(a, robot, 0);
    const refused = a.run(async (tx, ledger) => {
      await appendRecord(tx, ledger, chained, `${robot}/x`, {
        kind: 'test_chained',
        id: `${robot}/x`,
        robot,
        robotId: 'CNB7K2B0A3T511000000000123455',
        n: -1,
      });
      throw new Error('refused after appending');
    });
    // Queued together: one transaction, each unit in its savepoint.
    const results = await Promise.allSettled([
      append(a, robot, 1),
      refused,
      append(a, robot, 2),
      append(a, robot, 3),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const chain = await chainOf(robot);
    expectUnbroken(chain, 4);
    expect(chain.map((c) => c.n)).toEqual([0, 1, 2, 3]);
  });
});
