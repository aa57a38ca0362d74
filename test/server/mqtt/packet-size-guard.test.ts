// The frame scanner in front of the embedded broker: it follows MQTT packet boundaries however
// the bytes are split into chunks, passes packets up to the limit and refuses a larger one as
// soon as its declared length is read (MQTT 3.1.1 §2.2.3).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MqttFrameScanner } from '../../../src/server/mqtt/packet-size-guard.js';

/** A fixed header: type byte and remaining length (variable-length). */
function fixedHeader(type: number, length: number): Buffer {
  const header = [type];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    header.push(byte);
  } while (rest > 0);
  return Buffer.from(header);
}

/** A whole packet: the fixed header, then `length` body bytes. */
const packet = (type: number, length: number) =>
  Buffer.concat([fixedHeader(type, length), Buffer.alloc(length, 0x80)]);

function feed(scanner: MqttFrameScanner, bytes: Buffer, cuts: number[]): boolean {
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b)) {
    if (!scanner.push(bytes.subarray(at, cut))) return false;
    at = cut;
  }
  return scanner.push(bytes.subarray(at));
}

describe('MqttFrameScanner', () => {
  it('passes packets up to the limit however they are split, and refuses the first larger one', () => {
    const limit = 20_000;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: limit }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (lengths, cuts) => {
          const stream = Buffer.concat(lengths.map((n) => packet(0x30, n)));
          const cutsIn = cuts.map((c) => c % (stream.length + 1));
          expect(feed(new MqttFrameScanner(limit), stream, cutsIn)).toBe(true);
          const withLarge = Buffer.concat([stream, packet(0x30, limit + 1)]);
          expect(feed(new MqttFrameScanner(limit), withLarge, cutsIn)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses on the declared length alone, before any body byte', () => {
    const scanner = new MqttFrameScanner(1024 * 1024);
    // 0x30, then 200 MB as a remaining length: four bytes, no body.
    expect(scanner.push(fixedHeader(0x30, 200 * 1024 * 1024))).toBe(false);
  });

  it('refuses a malformed fifth length byte', () => {
    expect(
      new MqttFrameScanner(Number.MAX_SAFE_INTEGER).push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])),
    ).toBe(false);
  });
});
