// `roboledger verify` and `roboledger witness` as real processes against a platform listening
// in-process, then offline on the files they saved, then against a log that lies.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCheckpoint, generateSignerKey, noteSigner, signNote } from '../../src/ledger/index.js';
import { LedgerWriter } from '../../src/server/ledger/ledger-writer.js';
import {
  appendTestEntries,
  type LedgerTestPlatform,
  ORIGIN,
  rewriteLedger,
  startLedgerPlatform,
  utf8,
} from '../server/ledger/support.js';
import { ADMIN_TOKEN, createOrg } from '../support/app.js';
import { backend } from '../support/database.js';
import { fileRobot, type OrgRef, recordEvent, SAMPLE_EVENT_DATA } from '../support/fleet.js';
import { healthySamples, signBatch } from '../support/telemetry-fleet.js';
import { expectExit, PROCESS_TEST_TIMEOUT_MS, roboledger } from './ledger-cli-support.js';

// The writer's sequencing under test, not the platform's record kinds: any kind may be appended.
const ANY_KIND = { has: () => true };

/** An HTTP server that answers /v1/ledger/checkpoint with `note()` and 404 otherwise: a lying log. */
async function fakeLog(note: () => string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/v1/ledger/checkpoint') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(note());
    } else {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"error":{"code":"NOT_FOUND","message":"no"}}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, server };
}

describe(`roboledger verify and witness, as processes (${backend})`, {
  timeout: PROCESS_TEST_TIMEOUT_MS,
}, () => {
  let p: LedgerTestPlatform;
  let url: string;
  let dir: string;
  let maker: OrgRef;
  let robotId: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    p = await startLedgerPlatform();
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(p.app.server.address() as { port: number }).port}`;
    dir = await mkdtemp(join(tmpdir(), 'rl-ledger-cli-'));
    maker = await createOrg(p, 'manufacturer');
    robotId = (await fileRobot(p, maker)).robotId;
    await recordEvent(p, robotId, maker, 'deployment', SAMPLE_EVENT_DATA.deployment);
    await appendTestEntries(p, 20);
    await p.ctx.checkpointer.checkpointNow();
  });
  afterAll(async () => {
    for (const server of servers) server.close();
    await p?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('verify checkpoint: exit 0 with the log key, 1 with another key, 2 without a key', async () => {
    const ok = await roboledger(['verify', 'checkpoint', '--url', url, '--key', p.verifierKey]);
    expect(ok.stderr).toBe('');
    expectExit(ok, 0);
    expect(ok.stdout).toMatch(/^OK checkpoint test\.roboledger\.example\/ledger size \d+ root /);

    const other = generateSignerKey(ORIGIN).verifierKey;
    const wrong = await roboledger(['verify', 'checkpoint', '--url', url, '--key', other]);
    expectExit(wrong, 1);
    expect(wrong.stderr).toContain('FAILED: the checkpoint is not signed by the log key');

    const missing = await roboledger(['verify', 'checkpoint', '--url', url]);
    expectExit(missing, 2);
    expect(missing.stderr).toContain('--key is required');
    const unreachable = await roboledger([
      'verify',
      'checkpoint',
      '--url',
      'http://127.0.0.1:9',
      '--key',
      p.verifierKey,
    ]);
    expectExit(unreachable, 3);
  });

  it('verify inclusion online with --save, then offline on the saved files; a tampered entry fails', async () => {
    const saved = join(dir, 'inclusion');
    const keyFile = join(dir, 'log.key');
    await writeFile(keyFile, `${p.verifierKey}\n`);
    const online = await roboledger([
      'verify',
      'inclusion',
      '--index',
      '3',
      '--url',
      url,
      '--key',
      keyFile,
      '--save',
      saved,
    ]);
    expect(online.stderr).toBe('');
    expectExit(online, 0);
    const size = Number(/size (\d+)/.exec(online.stdout)![1]);
    const files = {
      checkpoint: join(saved, `checkpoint-${size}`),
      entry: join(saved, 'entry-3.json'),
      proof: join(saved, `inclusion-3-${size}.json`),
    };
    const offline = await roboledger([
      'verify',
      'inclusion',
      '--index',
      '3',
      '--key',
      join(saved, 'key.txt'),
      '--checkpoint',
      files.checkpoint,
      '--entry',
      files.entry,
      '--proof',
      files.proof,
    ]);
    expect(offline.stderr).toBe('');
    expectExit(offline, 0);
    expect(offline.stdout).toContain('OK entry 3');

    const doc = JSON.parse(await readFile(files.entry, 'utf8'));
    const forged = Buffer.from(doc.entry, 'base64').toString('utf8').replace('"kind"', '"forged":1,"kind"');
    await writeFile(files.entry, JSON.stringify({ ...doc, entry: Buffer.from(forged).toString('base64') }));
    const tampered = await roboledger([
      'verify',
      'inclusion',
      '--index',
      '3',
      '--key',
      keyFile,
      '--checkpoint',
      files.checkpoint,
      '--entry',
      files.entry,
      '--proof',
      files.proof,
    ]);
    expectExit(tampered, 1);
    expect(tampered.stderr).toContain('entry 3');

    const beyond = await roboledger([
      'verify',
      'inclusion',
      '--index',
      String(size + 5),
      '--url',
      url,
      '--key',
      keyFile,
    ]);
    expectExit(beyond, 1);
  });

  it('verify consistency between two checkpoints, online and offline; reversed it is a rollback', async () => {
    const saved = join(dir, 'consistency');
    const old = (await p.ctx.checkpointer.latest())!;
    await appendTestEntries(p, 7);
    const latest = await p.ctx.checkpointer.checkpointNow();
    const online = await roboledger([
      'verify',
      'consistency',
      '--old',
      String(old.size),
      '--url',
      url,
      '--key',
      p.verifierKey,
      '--save',
      saved,
    ]);
    expect(online.stderr).toBe('');
    expectExit(online, 0);
    const offline = await roboledger([
      'verify',
      'consistency',
      '--key',
      p.verifierKey,
      '--old',
      join(saved, `checkpoint-${old.size}`),
      '--new',
      join(saved, `checkpoint-${latest.size}`),
      '--proof',
      join(saved, `consistency-${old.size}-${latest.size}.json`),
    ]);
    expect(offline.stderr).toBe('');
    expectExit(offline, 0);
    const reversed = await roboledger([
      'verify',
      'consistency',
      '--key',
      p.verifierKey,
      '--old',
      join(saved, `checkpoint-${latest.size}`),
      '--new',
      join(saved, `checkpoint-${old.size}`),
    ]);
    expectExit(reversed, 1);
    expect(reversed.stderr).toContain('ROLLBACK');
  });

  it("verify robot: the whole history with the owner's token, offline from the saved file, and not for a stranger", async () => {
    const saved = join(dir, 'robot');
    const online = await roboledger([
      'verify',
      'robot',
      robotId,
      '--url',
      url,
      '--key',
      p.verifierKey,
      '--token',
      maker.apiKey,
      '--save',
      saved,
    ]);
    expect(online.stderr).toBe('');
    expectExit(online, 0);
    expect(online.stdout).toContain(`OK robot ${robotId}: 2 record(s), seq 0 … 1, complete at checkpoint`);
    const size = Number(/size (\d+)/.exec(online.stdout)![1]);
    const file = join(saved, `robot-${robotId}-${size}.json`);
    const offline = await roboledger(['verify', 'robot', robotId, '--key', p.verifierKey, '--history', file]);
    expectExit(offline, 0);
    const history = JSON.parse(await readFile(file, 'utf8'));

    /** Runs verify robot offline on `edited` (a copy of the saved history); returns the run. */
    const verifyEdited = async (edited: unknown) => {
      const copy = join(saved, 'edited.json');
      await writeFile(copy, JSON.stringify(edited));
      return roboledger(['verify', 'robot', robotId, '--key', p.verifierKey, '--history', copy]);
    };
    // A record changed after the fact fails at its seq: its opening no longer gives its leaf.
    const record = JSON.parse(Buffer.from(history.records[1].opening.record, 'base64').toString('utf8'));
    record.data = { ...record.data, siteName: 'elsewhere' };
    const changed = structuredClone(history);
    changed.records[1].opening.record = Buffer.from(JSON.stringify(record)).toString('base64');
    const tampered = await verifyEdited(changed);
    expectExit(tampered, 1);
    expect(tampered.stderr).toContain('records chain seq 1');
    // A record left out (the seller's shortened history) fails at the missing seq.
    const shortened = await verifyEdited({ ...history, records: [history.records[0]] });
    expectExit(shortened, 1);
    expect(shortened.stderr).toContain('records chain seq 1');
    expect(shortened.stderr).toContain('CHAIN_RECORD_OMITTED');

    // A robot the token may not see: refused (exit 3), not a verification failure.
    const stranger = await createOrg(p, 'operator');
    const hidden = await roboledger([
      'verify',
      'robot',
      robotId,
      '--url',
      url,
      '--key',
      p.verifierKey,
      '--token',
      stranger.apiKey,
    ]);
    expectExit(hidden, 3);
    expect(hidden.stderr).toContain('refused');
    expect(hidden.stderr).toContain('ROBOT_NOT_FOUND');
  });

  it("verify telemetry: a window's batches against the robot's own key, its records and the batch chain", async () => {
    const { robotId: id, device } = await fileRobot(p, maker);
    await recordEvent(p, id, maker, 'deployment', SAMPLE_EVENT_DATA.deployment);
    const robot = { robotId: id, jointCount: 2, device };
    const now = Date.now();
    for (let seq = 1; seq <= 3; seq++) {
      const sent = await p.call('POST', '/v1/telemetry', {
        body: signBatch(robot, { seq, samples: healthySamples(2, 2, now - (4 - seq) * 10_000) }),
        headers: { 'content-type': 'application/jose' },
      });
      expect(sent.statusCode, sent.body).toBe(202);
    }
    const saved = join(dir, 'telemetry');
    const online = await roboledger([
      'verify',
      'telemetry',
      id,
      '--url',
      url,
      '--key',
      p.verifierKey,
      '--token',
      maker.apiKey,
      '--from',
      new Date(now - 60_000).toISOString(),
      '--save',
      saved,
    ]);
    expect(online.stderr).toBe('');
    expectExit(online, 0);
    expect(online.stdout).toContain(`OK telemetry ${id}: 3 batch(es)`);
    expect(online.stdout).toContain('batch chain seq 0 … 2 unbroken');
    const size = Number(/size (\d+)/.exec(online.stdout)![1]);
    const historyFile = join(saved, `robot-${id}-${size}.json`);
    const batchesFile = join(saved, `telemetry-${id}-${size}.json`);
    const offline = (batches: string) =>
      roboledger([
        'verify',
        'telemetry',
        id,
        '--key',
        p.verifierKey,
        '--history',
        historyFile,
        '--batches',
        batches,
      ]);
    expectExit(await offline(batchesFile), 0);

    const batches = JSON.parse(await readFile(batchesFile, 'utf8'));
    const edited = join(saved, 'edited.json');
    // A batch left out of the window: the chain breaks at its seq.
    await writeFile(edited, JSON.stringify({ ...batches, items: [batches.items[0], batches.items[2]] }));
    const gap = await offline(edited);
    expectExit(gap, 1);
    expect(gap.stderr).toContain('batches chain seq 1');
    // A stored JWS that is not what the robot signed and the log digested.
    const forged = structuredClone(batches);
    forged.items[1].jws = forged.items[0].jws;
    await writeFile(edited, JSON.stringify(forged));
    const swapped = await offline(edited);
    expectExit(swapped, 1);
    expect(swapped.stderr).toContain('batch seq 2');
    expect(swapped.stderr).toContain('jwsSha256');

    // No telemetry access: refused (exit 3).
    const stranger = await createOrg(p, 'operator');
    const hidden = await roboledger([
      'verify',
      'telemetry',
      id,
      '--url',
      url,
      '--key',
      p.verifierKey,
      '--token',
      stranger.apiKey,
    ]);
    expectExit(hidden, 3);
  });

  it('witness: --init, cosigns consistent checkpoints, submits them, and refuses a rewritten ledger without moving', async () => {
    const key = join(dir, 'witness.key');
    const state = join(dir, 'witness.state');
    const init = await roboledger(['witness', '--init', '--key', key, '--name', 'witness.example/cli']);
    expectExit(init, 0);
    const verifierKey = init.stdout.trim();
    expect(verifierKey).toMatch(/^witness\.example\/cli\+[0-9a-f]{8}\+/);
    expectExit(await roboledger(['witness', '--init', '--key', key, '--name', 'x']), 2);
    const registered = await p.call('POST', '/v1/ledger/witnesses', {
      token: ADMIN_TOKEN,
      body: { verifierKey },
    });
    expect(registered.statusCode).toBe(201);

    const args = [
      'witness',
      '--url',
      url,
      '--log-key',
      p.verifierKey,
      '--key',
      key,
      '--state',
      state,
      '--once',
    ];
    const first = await roboledger(args);
    expect(first.stderr).toBe('');
    expectExit(first, 0);
    expect(first.stdout).toContain('trusted on first use');
    await appendTestEntries(p, 5);
    const latest = await p.ctx.checkpointer.checkpointNow();
    const second = await roboledger(args);
    expect(second.stderr).toBe('');
    expectExit(second, 0);
    expect(second.stdout).toContain(`cosigned size ${latest.size}, consistent with`);
    // The log now serves the witness's cosignature with the checkpoint, and verify can demand it.
    const served = await p.call('GET', `/v1/ledger/checkpoints/${latest.size}`);
    expect(served.body).toContain('— witness.example/cli ');
    expect(await readFile(`${state}.cosigned`, 'utf8')).toContain('— witness.example/cli ');
    const demanded = await roboledger([
      'verify',
      'checkpoint',
      '--key',
      p.verifierKey,
      '--witness-key',
      verifierKey,
      '--checkpoint',
      `${state}.cosigned`,
    ]);
    expectExit(demanded, 0);
    const none = await roboledger(['witness', ...args.slice(1)]);
    expect(none.stdout).toContain('no new checkpoint');
    const oldCheckpoint = join(dir, 'before-rewrite');
    await writeFile(oldCheckpoint, served.body);

    // An attacker with the database and the key rewrites entry 2, recomputes every node and the
    // head, deletes the checkpoints after it, restarts the sequencer, appends and re-signs.
    await rewriteLedger(p.ctx.db, 2, utf8('{"id":"x","kind":"organisation","name":"forged"}'));
    p.ctx.ledger = new LedgerWriter(p.ctx.db, {
      recordKinds: ANY_KIND,
      onCommit: (tree) => p.ctx.checkpointer.notify(tree),
    });
    await appendTestEntries(p, 3);
    const forged = await p.ctx.checkpointer.checkpointNow();
    expect(forged.size).toBeGreaterThan(latest.size);

    const before = await readFile(state, 'utf8');
    const refused = await roboledger(args);
    expectExit(refused, 1);
    expect(refused.stderr).toMatch(
      /REFUSED: FORK: the checkpoint of size \d+ does not extend the one of size \d+/,
    );
    expect(await readFile(state, 'utf8')).toBe(before);
    const verified = await roboledger([
      'verify',
      'consistency',
      '--old',
      oldCheckpoint,
      '--url',
      url,
      '--key',
      p.verifierKey,
    ]);
    expectExit(verified, 1);
    expect(verified.stderr).toContain('FORK');
  });

  it('witness refuses a rolled-back checkpoint and one signed by another key, and keeps its state', async () => {
    const key = join(dir, 'witness2.key');
    const state = join(dir, 'witness2.state');
    expectExit(await roboledger(['witness', '--init', '--key', key, '--name', 'witness.example/two']), 0);
    const args = (logUrl: string) => [
      'witness',
      '--url',
      logUrl,
      '--log-key',
      p.verifierKey,
      '--key',
      key,
      '--state',
      state,
      '--once',
      '--no-submit',
    ];
    await appendTestEntries(p, 2);
    const now = await p.ctx.checkpointer.checkpointNow();
    expectExit(await roboledger(args(url)), 0);
    const before = await readFile(state, 'utf8');

    const older = (
      await p.ctx.db.query<{ note: string }>(
        'SELECT note FROM ledger_checkpoints WHERE size < $1 ORDER BY size LIMIT 1',
        [now.size],
      )
    ).rows[0]!;
    const rollback = await fakeLog(() => older.note);
    servers.push(rollback.server);
    const rolled = await roboledger(args(rollback.url));
    expectExit(rolled, 1);
    expect(rolled.stderr).toContain('ROLLBACK');

    const impostor = generateSignerKey(ORIGIN).signerKey;
    const foreign = await fakeLog(() =>
      signNote(formatCheckpoint({ origin: ORIGIN, size: now.size + 10, rootHash: new Uint8Array(32) }), [
        noteSigner(impostor),
      ]),
    );
    servers.push(foreign.server);
    const refused = await roboledger(args(foreign.url));
    expectExit(refused, 1);
    expect(refused.stderr).toContain('not signed by its key');
    const verify = await roboledger(['verify', 'checkpoint', '--url', foreign.url, '--key', p.verifierKey]);
    expectExit(verify, 1);
    expect(await readFile(state, 'utf8')).toBe(before);
  });
});
