// RFC 8785 JSON Canonicalization Scheme (JCS), for the records that version 2 entries commit
// to. Written here rather than imported because src/ledger depends on nothing outside itself
// (a browser build swaps crypto.ts alone), and because a verifier needs the strict direction
// too: bytes are accepted as a record only if they ARE the canonical form of what they parse
// to, so one record has exactly one byte string and no parser can read it two ways.

import { decodeUtf8, isWellFormed, utf8 } from './encoding.js';
import { LedgerError } from './errors.js';

/** Deeper nesting is refused: records are shallow, and the writer below recurses. */
export const MAX_JSON_DEPTH = 64;

function notCanonical(message: string): LedgerError {
  return new LedgerError('RECORD_NOT_CANONICAL', message);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function write(value: unknown, out: string[], depth: number, path: Set<object>): void {
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      // RFC 8785 §3.2.2.3: ECMAScript Number.prototype.toString, which JSON.stringify uses
      // for finite numbers (and which writes -0 as 0).
      if (!Number.isFinite(value)) throw notCanonical(`${value} has no JSON form`);
      out.push(JSON.stringify(value));
      return;
    case 'string':
      // RFC 8785 §3.2.2.2: JSON.stringify escapes exactly `"`, `\` and U+0000..U+001F, with the
      // short forms and lowercase \u00xx; a lone surrogate has no UTF-8 form and is refused.
      if (!isWellFormed(value)) throw notCanonical('a string has a lone surrogate');
      out.push(JSON.stringify(value));
      return;
    case 'object': {
      if (value === null) {
        out.push('null');
        return;
      }
      if (depth >= MAX_JSON_DEPTH) throw notCanonical(`nesting deeper than ${MAX_JSON_DEPTH}`);
      if (path.has(value)) throw notCanonical('a value contains itself');
      path.add(value);
      if (Array.isArray(value)) {
        out.push('[');
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(',');
          // JSON.stringify would write undefined as null; refused, so a record means one thing.
          if (value[i] === undefined) throw notCanonical('an array holds undefined');
          write(value[i], out, depth + 1, path);
        }
        out.push(']');
      } else {
        if (!isPlainObject(value)) throw notCanonical('only plain objects have a JSON form');
        // RFC 8785 §3.2.3: members sorted by the UTF-16 code units of their names, which is
        // what the default sort compares. Members whose value is undefined are left out, as
        // JSON.stringify does.
        const record = value as Record<string, unknown>;
        const names = Object.keys(record)
          .filter((name) => record[name] !== undefined)
          .sort();
        out.push('{');
        names.forEach((name, i) => {
          if (i > 0) out.push(',');
          if (!isWellFormed(name)) throw notCanonical('a member name has a lone surrogate');
          out.push(JSON.stringify(name), ':');
          write(record[name], out, depth + 1, path);
        });
        out.push('}');
      }
      path.delete(value);
      return;
    }
    default:
      throw notCanonical(`a ${typeof value} has no JSON form`);
  }
}

/** The RFC 8785 canonical JSON text of `value`; RECORD_NOT_CANONICAL if it has none. */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, 0, new Set());
  return out.join('');
}

/** The UTF-8 bytes of canonicalJson(value): the form a record is committed to. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return utf8(canonicalJson(value));
}

/**
 * Parses record bytes that must be canonical JSON. The bytes come from an opening, that is
 * from whoever hands it over: they are refused (RECORD_NOT_CANONICAL) unless they are strict
 * UTF-8, parse as JSON, and re-canonicalize to the very same text. That refuses whitespace,
 * unsorted or duplicate member names, and numbers or escapes written any other way.
 */
export function parseCanonicalJson(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) throw notCanonical('a record is bytes');
  const text = decodeUtf8(bytes);
  if (text === undefined) throw notCanonical('the record is not valid UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LedgerError('RECORD_NOT_CANONICAL', 'the record is not JSON', { cause: error });
  }
  if (canonicalJson(value) !== text) throw notCanonical('the record is JSON but not in RFC 8785 form');
  return value;
}
