// Counting what a piece of code sends to the database: a SqlClient (or transaction) wrapped so
// that every method call is recorded with its statement text, then passed on unchanged. Tests
// whose names promise "one statement" or "by COPY" assert on this record.
import { type CopyRows, copyStatement } from '../../src/server/db/sql-client.js';

export interface RecordedStatement {
  /** The client method called (query, or whatever else the client offers). */
  method: string;
  /** The SQL text: the string given, or the `text` of a statement object (prepared, COPY). */
  text: string;
}

function statementText(method: string, arg: unknown): string {
  if (typeof arg === 'string') return arg;
  // SqlClient.copyFrom: the COPY it asks for, as either adapter sends it.
  if (method === 'copyFrom') return copyStatement(arg as CopyRows, 'STDIN');
  const text = (arg as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : String(arg);
}

/** `client`, recording each call into `into`. */
export function recording<C extends object>(client: C, into: RecordedStatement[]): C {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        into.push({ method: property, text: statementText(property, args[0]).trim() });
        return value.apply(target, args);
      };
    },
  });
}
