import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderedAcks } from '../../../src/server/mqtt/ordered-acks.js';

describe('OrderedAcks: PUBACKs leave in arrival order whatever order the commits finish in', () => {
  it('holds a finished message behind an earlier unfinished one', () => {
    const acks = new OrderedAcks();
    const sent: number[] = [];
    const first = acks.hold(() => sent.push(1));
    const second = acks.hold(() => sent.push(2));
    second();
    expect(sent).toEqual([]);
    expect(acks.pending).toBe(2);
    first();
    expect(sent).toEqual([1, 2]);
    expect(acks.pending).toBe(0);
  });

  it('sends each acknowledgement once, even when released twice', () => {
    const acks = new OrderedAcks();
    const sent: number[] = [];
    const release = acks.hold(() => sent.push(1));
    release();
    release();
    expect(sent).toEqual([1]);
  });

  it('for any completion order, sends 0..n-1 in order, each once', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 40 })
          .chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n })),
        (order) => {
          const acks = new OrderedAcks();
          const sent: number[] = [];
          const releases = order.map((_, i) => acks.hold(() => sent.push(i)));
          for (const i of order) {
            releases[i]!();
            // Never ahead of an unfinished earlier message.
            const done = new Set(order.slice(0, order.indexOf(i) + 1));
            let prefix = 0;
            while (done.has(prefix)) prefix++;
            expect(sent).toEqual([...Array(prefix).keys()]);
          }
          expect(sent).toEqual([...Array(order.length).keys()]);
        },
      ),
    );
  });
});
