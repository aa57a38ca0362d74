// Duplicate names in signed JSON: JSON.parse keeps the last, other parsers the first; the
// platform refuses them, so it must find every one, at any depth, however it is escaped.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duplicateNamePath } from '../../../src/core/telemetry/index.js';

describe('duplicateNamePath', () => {
  it('finds nothing in any JSON that JSON.stringify wrote (names are unique there)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(duplicateNamePath(JSON.stringify(value))).toBeUndefined();
        expect(duplicateNamePath(JSON.stringify(value, null, 2))).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('finds a name given twice at the top, deep in arrays, and spelled with escapes', () => {
    expect(duplicateNamePath('{"robotId":"A","seq":1,"robotId":"B"}')).toBe('/robotId');
    expect(duplicateNamePath('{"samples":[{"t":"x"},{"t":"x","battery":{"a":1, "a" :2}}]}')).toBe(
      '/samples/1/battery/a',
    );
    expect(duplicateNamePath('{"robotId":"A","robot\\u0049d":"B"}')).toBe('/robotId');
    expect(duplicateNamePath('{"a/b~":1,"a/b~":2}')).toBe('/a~1b~0');
    expect(duplicateNamePath('[[],{"k":[{"x":1}],"k":0}]')).toBe('/1/k');
  });

  it('finds a duplicate among thousands of names in one object (kept in a set past 16)', () => {
    const names = Array.from({ length: 5_000 }, (_, i) => `"n${i}":${i}`);
    expect(duplicateNamePath(`{${names.join(',')}}`)).toBeUndefined();
    expect(duplicateNamePath(`{"x":[{${names.join(',')},"n3":0}]}`)).toBe('/x/0/n3');
  });

  it('does not take string values, or names in sibling objects, for duplicates', () => {
    expect(duplicateNamePath('{"a":"a","b":"a","c":["a","a"]}')).toBeUndefined();
    expect(duplicateNamePath('[{"a":1},{"a":1}]')).toBeUndefined();
    expect(duplicateNamePath('{"a":{"a":{"a":1}}}')).toBeUndefined();
    expect(duplicateNamePath('{"s":"\\"a\\":1,\\"a\\":2","a":{}}')).toBeUndefined();
  });

  it('finds a duplicate injected anywhere into random JSON', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }), fc.nat(), (object, pick) => {
        const names = Object.keys(object);
        const name = names[pick % names.length]!;
        const text = JSON.stringify(object);
        const doubled = `${text.slice(0, -1)},${JSON.stringify(name)}:null}`;
        const escaped = name.replaceAll('~', '~0').replaceAll('/', '~1');
        expect(duplicateNamePath(`{"wrap":[0,${doubled}]}`)).toBe(`/wrap/1/${escaped}`);
      }),
      { numRuns: 500 },
    );
  });
});
