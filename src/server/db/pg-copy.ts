// COPY ... FROM STDIN on a pg connection, through pg's public Submittable interface (what
// pg-copy-streams uses): the rows go as CopyData messages, no parameter is parsed.
import type { Connection, Submittable } from 'pg';

/** The part of pg's Connection a COPY FROM STDIN uses once the server asks for the data. */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

const CHUNK = 256 * 1024;

/**
 * A Submittable running `COPY ... FROM STDIN` with `data`. pg's client.query() returns a
 * submittable as is; `done` settles with the row count once the server is ready again.
 */
export class CopyFromStdin implements Submittable {
  readonly text: string;
  readonly done: Promise<number>;
  readonly #data: Buffer;
  #resolve!: (rowCount: number) => void;
  #reject!: (error: unknown) => void;
  #rowCount = 0;

  constructor(text: string, data: Uint8Array) {
    this.text = text;
    this.#data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  submit(connection: Connection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    for (let at = 0; at < this.#data.length; at += CHUNK) {
      connection.sendCopyFromChunk(this.#data.subarray(at, at + CHUNK));
    }
    connection.endCopyFrom();
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /^COPY (\d+)/.exec(message.text ?? '');
    if (match) this.#rowCount = Number(match[1]);
  }

  // pg clears its active query on an ErrorResponse, so the ReadyForQuery that follows never
  // reaches this submittable: settle on the error itself (as pg's own Query does).
  handleError(error: unknown): void {
    this.#reject(error);
  }

  handleReadyForQuery(): void {
    this.#resolve(this.#rowCount);
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}
}
