import canonicalizeModule from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  canonicalJsonBytes,
  MAX_JSON_DEPTH,
  parseCanonicalJson,
} from '../../src/ledger/canonical-json.js';
import { expectLedgerError } from './support.js';

// The npm package the server's version 1 entries use: an independent RFC 8785 implementation.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;
const bytes = (text: string) => new TextEncoder().encode(text);

describe('RFC 8785 canonical JSON', () => {
  it('writes the example of RFC 8785 §3.2.2 byte for byte', () => {
    // RFC 8785 §3.2.2: the input's numbers and escapes, and the canonical output the RFC gives.
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], ' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts member names by UTF-16 code units (RFC 8785 §3.2.3 example)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // (Object.keys would list "1" first: integer-like names come first in a JavaScript object.)
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it.each([
    [0, '0'],
    [-0, '0'],
    [1e21, '1e+21'],
    [1e-7, '1e-7'],
    [0.000001, '0.000001'],
    [9007199254740992, '9007199254740992'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [5e-324, '5e-324'],
    [-1.5, '-1.5'],
  ])('writes the number %s as %s (ECMAScript Number::toString)', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it('agrees with the canonicalize package on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 300 },
    );
  });

  it('reads back exactly what it writes, and nothing written any other way', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const canonical = canonicalJsonBytes(value);
        expect(canonicalJsonBytes(parseCanonicalJson(canonical))).toEqual(canonical);
        const spaced = JSON.stringify(value, null, 1);
        if (spaced !== canonicalJson(value)) {
          expectLedgerError(() => parseCanonicalJson(bytes(spaced)), 'RECORD_NOT_CANONICAL');
        }
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['whitespace', '{"a": 1}'],
    ['unsorted members', '{"b":1,"a":2}'],
    ['a duplicate member', '{"a":1,"a":1}'],
    ['a non-canonical number', '{"a":1.0}'],
    ['an exponent written otherwise', '[1E+30]'],
    ['a needless escape', '["\\u0041"]'],
    ['an upper-case escape', '["\\u001F"]'],
    ['a number beyond double precision', '[12345678901234567890]'],
    ['not JSON', '{"a":'],
    ['a byte-order mark', '\ufeff{}'],
  ])('refuses record bytes with %s', (_what, text) => {
    expectLedgerError(() => parseCanonicalJson(bytes(text)), 'RECORD_NOT_CANONICAL');
  });

  it('refuses bytes that are not UTF-8', () => {
    expectLedgerError(() => parseCanonicalJson(Uint8Array.of(0x22, 0xff, 0x22)), 'RECORD_NOT_CANONICAL');
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a lone surrogate', '\ud800'],
    ['a lone surrogate in a name', { '\udc00': 1 }],
    ['a bigint', 1n],
    ['undefined', undefined],
    ['undefined in an array', [1, undefined]],
    ['a Date', new Date(0)],
    ['a byte array', Uint8Array.of(1)],
    ['a function', () => 1],
  ])('refuses to canonicalize %s', (_what, value) => {
    expectLedgerError(() => canonicalJson(value), 'RECORD_NOT_CANONICAL');
  });

  it('refuses cycles and nesting deeper than MAX_JSON_DEPTH, but not shared values', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expectLedgerError(() => canonicalJson(cycle), 'RECORD_NOT_CANONICAL');
    const shared = { a: 1 };
    expect(canonicalJson({ x: shared, y: shared })).toBe('{"x":{"a":1},"y":{"a":1}}');
    let deep: unknown = 0;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) deep = [deep];
    expect(canonicalJson(deep)).toBe(`${'['.repeat(MAX_JSON_DEPTH)}0${']'.repeat(MAX_JSON_DEPTH)}`);
    expectLedgerError(() => canonicalJson([deep]), 'RECORD_NOT_CANONICAL');
    expectLedgerError(
      () => parseCanonicalJson(bytes(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)),
      'RECORD_NOT_CANONICAL',
    );
  });

  it('keeps a member named __proto__ as a plain member, both ways', () => {
    const text = '{"__proto__":{"a":1},"b":2}';
    const value = parseCanonicalJson(bytes(text)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(canonicalJson(value)).toBe(text);
  });

  it('leaves out members whose value is undefined, as JSON.stringify does', () => {
    expect(canonicalJson({ b: undefined, a: null })).toBe('{"a":null}');
  });
});
