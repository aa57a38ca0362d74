// What `roboledger verify` and `roboledger witness` read: the log over HTTP (docs/api.md
// "Ledger") or the same documents saved to files (`--save DIR`). Everything here is untrusted
// input: shapes are checked before the pure verifiers of src/ledger see them, and a malformed
// answer is a verification failure, not a crash.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { OpeningJson } from '../ledger/index.js';

/**
 * Why a tool stops: the log misbehaved (`verification`), could not be reached, refused the
 * caller access (`refused`: a robot the token may not see is not evidence of tampering), or
 * was misused.
 */
export class LedgerToolError extends Error {
  override readonly name = 'LedgerToolError';
  constructor(
    readonly kind: 'verification' | 'unreachable' | 'refused' | 'usage',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** 1 verification failed, 2 usage, 3 the log could not be reached or refused access (docs/ledger.md). */
  get exitCode(): number {
    return this.kind === 'verification' ? 1 : this.kind === 'usage' ? 2 : 3;
  }
}

export const failed = (message: string, cause?: unknown) =>
  new LedgerToolError('verification', message, cause === undefined ? undefined : { cause });
export const usage = (message: string) => new LedgerToolError('usage', message);

export interface EntryDocument {
  index: number;
  entry: Uint8Array;
  leafHash: Uint8Array;
}

export interface InclusionDocument {
  index: number;
  treeSize: number;
  leafHash: Uint8Array;
  proof: Uint8Array[];
}

export interface ConsistencyDocument {
  from: number;
  to: number;
  proof: Uint8Array[];
}

/**
 * What `GET /v1/robots/{robotId}/history-proof` serves: proofs decoded, openings as served
 * (the pure verifier parses them strictly), the checkpoint and head as signed notes.
 */
export interface HistoryDocument {
  robotId: string;
  treeSize: number;
  checkpoint: string;
  head: string;
  records: { opening: OpeningJson; proof: Uint8Array[] }[];
  laterRecords: number;
}

// ---------------------------------------------------------------------------------------------
// Parsing the JSON documents (from the network or from files): strict, never trusting shapes.

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw failed(`${what} is not base64`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw failed(`${what} is not a non-negative integer`);
  }
  return value;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw failed(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function hashes(value: unknown, what: string): Uint8Array[] {
  if (!Array.isArray(value)) throw failed(`${what} is not an array`);
  return value.map((h, i) => base64(h, `${what}[${i}]`));
}

export function parseEntryDocument(json: unknown): EntryDocument {
  const o = object(json, 'the entry document');
  return {
    index: count(o.index, 'entry index'),
    entry: base64(o.entry, 'entry'),
    leafHash: base64(o.leafHash, 'leafHash'),
  };
}

export function parseInclusionDocument(json: unknown): InclusionDocument {
  const o = object(json, 'the inclusion proof');
  return {
    index: count(o.index, 'proof index'),
    treeSize: count(o.treeSize, 'proof treeSize'),
    leafHash: base64(o.leafHash, 'proof leafHash'),
    proof: hashes(o.proof, 'proof'),
  };
}

export function parseConsistencyDocument(json: unknown): ConsistencyDocument {
  const o = object(json, 'the consistency proof');
  return { from: count(o.from, 'from'), to: count(o.to, 'to'), proof: hashes(o.proof, 'proof') };
}

export function parseHistoryDocument(json: unknown): HistoryDocument {
  const o = object(json, 'the history proof');
  if (typeof o.robotId !== 'string' || typeof o.checkpoint !== 'string' || typeof o.head !== 'string') {
    throw failed('the history proof has no robotId, checkpoint or head');
  }
  if (!Array.isArray(o.records)) throw failed('the history proof has no records array');
  return {
    robotId: o.robotId,
    treeSize: count(o.treeSize, 'treeSize'),
    checkpoint: o.checkpoint,
    head: o.head,
    laterRecords: o.laterRecords === undefined ? 0 : count(o.laterRecords, 'laterRecords'),
    records: o.records.map((value, i) => {
      const r = object(value, `record ${i}`);
      // The opening's shape is checked by the verifier (parseOpening), which names the seq.
      return { opening: r.opening as OpeningJson, proof: hashes(r.proof, `record ${i} proof`) };
    }),
  };
}

/** A window of a robot's stored telemetry batches, each with its opening and inclusion proof. */
export interface BatchesDocument {
  robotId: string;
  treeSize: number;
  from: string | undefined;
  to: string | undefined;
  items: { seq: number; jws: string; opening: OpeningJson; proof: Uint8Array[] }[];
}

export function parseBatchesDocument(json: unknown): BatchesDocument {
  const o = object(json, 'the telemetry batches');
  if (typeof o.robotId !== 'string' || !Array.isArray(o.items)) {
    throw failed('the telemetry batches have no robotId or items');
  }
  const time = (value: unknown, what: string) => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw failed(`${what} is not a timestamp`);
    return value;
  };
  return {
    robotId: o.robotId,
    treeSize: count(o.treeSize, 'treeSize'),
    from: time(o.from, 'from'),
    to: time(o.to, 'to'),
    items: o.items.map((value, i) => {
      const item = object(value, `batch ${i}`);
      if (typeof item.jws !== 'string') throw failed(`batch ${i} has no jws`);
      return {
        seq: count(item.seq, `batch ${i} seq`),
        jws: item.jws,
        opening: item.opening as OpeningJson,
        proof: hashes(item.proof, `batch ${i} proof`),
      };
    }),
  };
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export function formatBatchesDocument(d: BatchesDocument): string {
  return `${JSON.stringify({ ...d, items: d.items.map((i) => ({ ...i, proof: i.proof.map(b64) })) }, null, 2)}\n`;
}

export function formatEntryDocument(d: EntryDocument): string {
  return `${JSON.stringify({ index: d.index, entry: b64(d.entry), leafHash: b64(d.leafHash) }, null, 2)}\n`;
}

export function formatInclusionDocument(d: InclusionDocument): string {
  return `${JSON.stringify({ index: d.index, treeSize: d.treeSize, leafHash: b64(d.leafHash), proof: d.proof.map(b64) }, null, 2)}\n`;
}

export function formatConsistencyDocument(d: ConsistencyDocument): string {
  return `${JSON.stringify({ from: d.from, to: d.to, proof: d.proof.map(b64) }, null, 2)}\n`;
}

export function formatHistoryDocument(d: HistoryDocument): string {
  return `${JSON.stringify(
    { ...d, records: d.records.map((r) => ({ opening: r.opening, proof: r.proof.map(b64) })) },
    null,
    2,
  )}\n`;
}

// ---------------------------------------------------------------------------------------------
// HTTP.

export interface LedgerHttpOptions {
  /** Bearer token for the routes that need one (a robot's history). */
  token?: string | undefined;
  timeoutMs?: number;
}

/** The log's public API at `baseUrl` (the platform's URL, e.g. http://localhost:8080). */
export class LedgerHttpClient {
  readonly #base: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, options: LedgerHttpOptions = {}) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw usage(`--url ${baseUrl} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw usage('--url must be http:// or https://');
    this.#base = url.toString().replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  get baseUrl(): string {
    return this.#base;
  }

  async #request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#token) headers.set('authorization', `Bearer ${this.#token}`);
    try {
      return await fetch(`${this.#base}${path}`, {
        ...init,
        headers,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new LedgerToolError('unreachable', `cannot reach ${this.#base}${path}: ${describeError(error)}`, {
        cause: error,
      });
    }
  }

  async #get(path: string, options: GetOptions = {}): Promise<Response> {
    const res = await this.#request(path);
    if (!res.ok) throw await httpError(res, path, options);
    return res;
  }

  async #getJson(path: string, options: GetOptions = {}): Promise<unknown> {
    const res = await this.#get(path, options);
    try {
      return await res.json();
    } catch (error) {
      throw failed(`${path} did not answer JSON`, error);
    }
  }

  async checkpoint(): Promise<string> {
    return (await this.#get('/v1/ledger/checkpoint')).text();
  }

  async checkpointAt(size: number): Promise<string> {
    return (await this.#get(`/v1/ledger/checkpoints/${size}`)).text();
  }

  async key(): Promise<string> {
    return (await (await this.#get('/v1/ledger/key')).text()).trim();
  }

  async entry(index: number): Promise<EntryDocument> {
    return parseEntryDocument(await this.#getJson(`/v1/ledger/entries/${index}`));
  }

  async inclusionProof(index: number, treeSize: number): Promise<InclusionDocument> {
    return parseInclusionDocument(
      await this.#getJson(`/v1/ledger/proofs/inclusion?index=${index}&treeSize=${treeSize}`),
    );
  }

  async consistencyProof(from: number, to: number): Promise<ConsistencyDocument> {
    return parseConsistencyDocument(
      await this.#getJson(`/v1/ledger/proofs/consistency?from=${from}&to=${to}`),
    );
  }

  async history(robotId: string, treeSize?: number): Promise<HistoryDocument> {
    const query = treeSize === undefined ? '' : `?treeSize=${treeSize}`;
    return parseHistoryDocument(
      await this.#getJson(`/v1/robots/${encodeURIComponent(robotId)}/history-proof${query}`, {
        accessControlled: true,
      }),
    );
  }

  /** Every stored batch of the window logged below `treeSize`, page after page. */
  async batches(
    robotId: string,
    window: { from?: string | undefined; to?: string | undefined; treeSize: number },
  ): Promise<BatchesDocument> {
    const items: BatchesDocument['items'] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ treeSize: String(window.treeSize), limit: '500' });
      if (window.from) query.set('from', window.from);
      if (window.to) query.set('to', window.to);
      if (cursor) query.set('cursor', cursor);
      const page = object(
        await this.#getJson(`/v1/robots/${encodeURIComponent(robotId)}/telemetry/batches?${query}`, {
          accessControlled: true,
        }),
        'a page of batches',
      );
      const parsed = parseBatchesDocument({ robotId, treeSize: window.treeSize, items: page.items });
      items.push(...parsed.items);
      cursor = typeof page.nextCursor === 'string' ? page.nextCursor : null;
    } while (cursor);
    return { robotId, treeSize: window.treeSize, from: window.from, to: window.to, items };
  }

  /** Submits a witness cosignature; resolves to the log's answer (status and body). */
  async submitCosignature(
    witnessName: string,
    body: { checkpoint: string; cosignature: string },
  ): Promise<{ status: number; body: unknown }> {
    const res = await this.#request(`/v1/ledger/witnesses/${encodeURIComponent(witnessName)}/cosignatures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  }
}

interface GetOptions {
  /**
   * The route answers only callers the access policy lets see the robot: a 401, 403 or 404 is
   * then a refusal (exit 3), not evidence that the log lost something (exit 1).
   */
  accessControlled?: boolean;
}

async function httpError(res: Response, path: string, options: GetOptions): Promise<LedgerToolError> {
  const body = (await res.json().catch(() => undefined)) as
    | { error?: { code?: string; message?: string } }
    | undefined;
  const coded = body?.error?.code ? ` ${body.error.code}: ${body.error.message ?? ''}` : '';
  const message = `${path} answered ${res.status}${coded}`;
  // A server error, an unavailable service or a rate limit is the log being out of reach; a
  // refusal of access is no verdict on the log; a 4xx for something it should have (a proof
  // for its own checkpoint) is a verification failure.
  if (res.status >= 500 || res.status === 429) return new LedgerToolError('unreachable', message.trim());
  if (options.accessControlled && [401, 403, 404].includes(res.status)) {
    return new LedgerToolError('refused', message.trim());
  }
  return new LedgerToolError('verification', message.trim());
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message && !error.message.includes(cause.message)
      ? `${error.message} (${cause.message})`
      : error.message;
  }
  return String(error);
}

// ---------------------------------------------------------------------------------------------
// Files.

/** A key given as itself or as a file holding it. */
export function keyArgument(value: string, what: string): string {
  const looksLikeKey = /^[^\s+]+\+[0-9a-fA-F]{8}\+[A-Za-z0-9+/=]+$/.test(value.trim());
  if (!looksLikeKey && existsSync(value)) return readFileSync(value, 'utf8').trim();
  if (!looksLikeKey)
    throw usage(`${what} is neither a verifier key (name+hash+key) nor a readable file: ${value}`);
  return value.trim();
}

export async function readTextFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw usage(`cannot read ${what} ${path}: ${describeError(error)}`);
  }
}

export async function readJsonFile(path: string, what: string): Promise<unknown> {
  const text = await readTextFile(path, what);
  try {
    return JSON.parse(text);
  } catch {
    throw failed(`${what} ${path} is not JSON`);
  }
}

/** Writes `content` to `dir/name` (creating `dir`); returns the path. */
export async function saveFile(dir: string, name: string, content: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** Replaces a file atomically (write, then rename), so a crash never leaves half a state. */
export async function writeFileAtomic(path: string, content: string, mode?: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, mode === undefined ? {} : { mode });
  await rename(temporary, path);
}
