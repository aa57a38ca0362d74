// `roboledger witness`: an independent witness (C2SP tlog-witness role, tlog-cosignature
// format). It follows a log, keeps the last checkpoint it verified in a state file, and cosigns
// a new checkpoint only after checking the log's signature and an RFC 9162 consistency proof
// from the one it holds. A smaller checkpoint (rollback), one of the same size with another root
// (fork), or a proof that does not verify stops it with exit 1, and its state does not move.
//
// Its cosignatures go two places: the latest cosigned checkpoint note is written next to the
// state file (`<state>.cosigned`), and each is submitted to the log
// (POST /v1/ledger/witnesses/<name>/cosignatures) unless --no-submit.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  type Checkpoint,
  cosignCheckpoint,
  generateCosignerKey,
  isLedgerError,
  noteVerifier,
  openCheckpoint,
  parseCosignerKey,
  verifyConsistency,
} from '../ledger/index.js';
import {
  describeError,
  failed,
  keyArgument,
  LedgerHttpClient,
  LedgerToolError,
  readTextFile,
  usage,
  writeFileAtomic,
} from './ledger-client.js';

const HELP = `
Set up once:   roboledger witness --init --key witness.key --name witness.example/w1
               (prints the witness's verifier key: give it to the log's registry, which
               registers it with POST /v1/ledger/witnesses)
Then follow:   roboledger witness --url https://ledger.example --log-key <key|file> \\
                 --key witness.key --state witness.state [--once]

State: <state> holds the last verified checkpoint (JSON); <state>.cosigned the latest
checkpoint note with this witness's cosignature line appended.
Exit status: 0 ok (a round with nothing new is ok), 1 the log was refused (bad signature,
rollback, fork, inconsistent proof), 2 usage error, 3 the log could not be reached (--once).`;

interface WitnessState {
  version: 1;
  origin: string;
  logKey: string;
  size: number;
  rootHash: string;
  checkpoint: string;
  verifiedAt: string;
}

interface WitnessOptions {
  init?: boolean;
  name?: string;
  url?: string;
  logKey?: string;
  key?: string;
  state?: string;
  once?: boolean;
  interval: string;
  submit: boolean;
}

export function registerWitnessCommand(program: Command): void {
  program
    .command('witness')
    .description(
      'follow a log, verify each checkpoint extends the last one seen, and cosign it (C2SP tlog-cosignature)',
    )
    .option('--init', 'generate the witness key into --key (mode 0600) and print its verifier key')
    .option('--name <name>', 'the witness key name, with --init (e.g. witness.example/w1)')
    .option('--url <url>', 'the platform whose log to follow')
    .option('--log-key <key|file>', "the log's verifier key, or a file holding it")
    .option('--key <file>', "the witness's signer key file")
    .option('--state <file>', 'where the last verified checkpoint is kept')
    .option('--once', 'one round, then exit')
    .option('--interval <seconds>', 'seconds between rounds when following', '10')
    .option('--no-submit', 'do not send cosignatures to the log (write them next to the state only)')
    .addHelpText('after', HELP)
    .action(async (options: WitnessOptions) => {
      try {
        if (options.init) await initWitness(options);
        else await follow(options);
      } catch (error) {
        if (!(error instanceof LedgerToolError)) throw error;
        const label =
          error.kind === 'verification' ? 'REFUSED' : error.kind === 'usage' ? 'usage' : 'unreachable';
        process.stderr.write(`roboledger witness: ${label}: ${error.message}\n`);
        process.exitCode = error.exitCode;
      }
    });
}

async function initWitness(options: WitnessOptions): Promise<void> {
  if (!options.key || !options.name) throw usage('--init needs --key <file> and --name <name>');
  let keys: { signerKey: string; verifierKey: string };
  try {
    keys = generateCosignerKey(options.name);
  } catch (error) {
    throw usage(`--name ${options.name}: ${describeError(error)}`);
  }
  try {
    await writeFile(options.key, `${keys.signerKey}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const exists = (error as NodeJS.ErrnoException).code === 'EEXIST';
    throw usage(exists ? `${options.key} exists; refusing to overwrite a witness key` : describeError(error));
  }
  await writeFile(`${options.key}.pub`, `${keys.verifierKey}\n`);
  process.stdout.write(`${keys.verifierKey}\n`);
}

interface Setup {
  client: LedgerHttpClient;
  logKey: string;
  signerKey: string;
  witnessName: string;
  statePath: string;
}

async function setUp(options: WitnessOptions): Promise<Setup> {
  if (!options.url || !options.logKey || !options.key || !options.state) {
    throw usage('following a log needs --url, --log-key, --key and --state (or --init to make a key)');
  }
  const logKey = keyArgument(options.logKey, '--log-key');
  try {
    noteVerifier(logKey);
  } catch (error) {
    throw usage(`--log-key is not a note verifier key: ${describeError(error)}`);
  }
  const signerKey = (await readTextFile(options.key, 'the witness key')).trim();
  let witnessName: string;
  try {
    witnessName = parseCosignerKey(signerKey).name;
  } catch (error) {
    throw usage(`${options.key} is not a witness signer key: ${describeError(error)}`);
  }
  return {
    client: new LedgerHttpClient(options.url),
    logKey,
    signerKey,
    witnessName,
    statePath: options.state,
  };
}

async function follow(options: WitnessOptions): Promise<void> {
  const setup = await setUp(options);
  const interval = Number(options.interval);
  if (!(interval > 0)) throw usage('--interval must be a positive number of seconds');
  if (options.once) {
    await round(setup, options.submit);
    return;
  }
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  while (!stop) {
    try {
      await round(setup, options.submit);
    } catch (error) {
      // A refusal ends the witness; an unreachable log is retried.
      if (!(error instanceof LedgerToolError) || error.kind !== 'unreachable') throw error;
      process.stderr.write(`roboledger witness: ${error.message}; retrying\n`);
    }
    for (let waited = 0; waited < interval * 1000 && !stop; waited += 200) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function loadState(path: string, logKey: string): Promise<WitnessState | undefined> {
  if (!existsSync(path)) return undefined;
  const text = await readTextFile(path, 'the witness state');
  let state: WitnessState;
  try {
    state = JSON.parse(text) as WitnessState;
  } catch {
    throw usage(`the state file ${path} is not JSON; move it away to start over`);
  }
  if (state.version !== 1 || typeof state.size !== 'number' || typeof state.checkpoint !== 'string') {
    throw usage(`the state file ${path} is not a witness state`);
  }
  if (state.logKey !== logKey) throw usage(`the state file ${path} is of another log (key ${state.logKey})`);
  return state;
}

/** One round: fetch, verify against the state, cosign, save, submit. */
async function round(setup: Setup, submit: boolean): Promise<void> {
  const { client, logKey, statePath } = setup;
  const log = noteVerifier(logKey);
  const note = await client.checkpoint();
  let checkpoint: Checkpoint;
  let text: string;
  try {
    const opened = openCheckpoint(note, [log], { origin: log.name });
    checkpoint = opened.checkpoint;
    text = opened.note.text;
  } catch (error) {
    const code = isLedgerError(error) ? ` (${error.code})` : '';
    throw failed(`the log's checkpoint is not signed by its key ${log.name}: ${describeError(error)}${code}`);
  }
  const state = await loadState(statePath, logKey);
  const root = Buffer.from(checkpoint.rootHash).toString('base64');
  let what: string;
  if (!state) {
    what = `first checkpoint, size ${checkpoint.size} (trusted on first use)`;
  } else if (checkpoint.size < state.size) {
    throw failed(
      `ROLLBACK: the log serves a checkpoint of size ${checkpoint.size}, smaller than the size ${state.size} this witness already verified; state kept`,
    );
  } else if (checkpoint.size === state.size) {
    if (root !== state.rootHash) {
      throw failed(
        `FORK: the log serves a checkpoint of size ${checkpoint.size} with root ${root}, but this witness verified root ${state.rootHash} for that size; state kept`,
      );
    }
    process.stdout.write(`${log.name}: no new checkpoint (size ${checkpoint.size})\n`);
    return;
  } else {
    const old = new Uint8Array(Buffer.from(state.rootHash, 'base64'));
    if (state.size > 0) {
      const proof = await client.consistencyProof(state.size, checkpoint.size).catch((error: unknown) => {
        if (error instanceof LedgerToolError && error.kind === 'verification') {
          throw failed(
            `FORK: the log gives no consistency proof from size ${state.size} to ${checkpoint.size}: ${error.message}; state kept`,
          );
        }
        throw error;
      });
      if (proof.from !== state.size || proof.to !== checkpoint.size) {
        throw failed(`the log answered a proof from ${proof.from} to ${proof.to}; state kept`);
      }
      try {
        verifyConsistency(state.size, checkpoint.size, proof.proof, old, checkpoint.rootHash);
      } catch (error) {
        const code = isLedgerError(error) ? ` (${error.code})` : '';
        throw failed(
          `FORK: the checkpoint of size ${checkpoint.size} does not extend the one of size ${state.size} this witness verified: ${describeError(error)}${code}; state kept`,
        );
      }
    }
    what = `size ${checkpoint.size}, consistent with ${state.size}`;
  }
  const line = cosignCheckpoint(text, setup.signerKey, Math.floor(Date.now() / 1000));
  const next: WitnessState = {
    version: 1,
    origin: checkpoint.origin,
    logKey,
    size: checkpoint.size,
    rootHash: root,
    checkpoint: note,
    verifiedAt: new Date().toISOString(),
  };
  await writeFileAtomic(statePath, `${JSON.stringify(next, null, 2)}\n`);
  await writeFileAtomic(`${statePath}.cosigned`, note + line);
  process.stdout.write(`${log.name}: cosigned ${what}\n`);
  if (!submit) return;
  const answer = await client
    .submitCosignature(setup.witnessName, { checkpoint: note, cosignature: line })
    .catch((error: unknown) => ({ status: 0, body: describeError(error) }));
  if (answer.status !== 200 && answer.status !== 201) {
    const body = answer.body as { error?: { code?: string; message?: string } } | string | undefined;
    const reason =
      typeof body === 'string' ? body : `${body?.error?.code ?? answer.status} ${body?.error?.message ?? ''}`;
    process.stderr.write(
      `roboledger witness: warning: the log did not take the cosignature (${reason.trim()}); it is kept in ${statePath}.cosigned\n`,
    );
  }
}
