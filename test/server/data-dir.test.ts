// The embedded database's data directory: one process at a time (a lock file naming its pid,
// taken over when that process is gone), created 0700 with files 0600, and refused when others
// may write to it. Always PGlite: the data directory is the embedded backend's.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR_LOCK_FILE, DataDirError } from '../../src/server/db/data-dir.js';
import { migrate } from '../../src/server/db/migrate.js';
import { openDatabase } from '../../src/server/db/open-database.js';
import type { Database } from '../../src/server/db/sql-client.js';
import { roboledger } from '../cli/ledger-cli-support.js';

/** Every path under `dir` with its permission bits, directories marked with a slash. */
async function modes(dir: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() && !entry.isDirectory()) continue;
    const path = join(entry.parentPath, entry.name);
    found.set(entry.isDirectory() ? `${path}/` : path, (await stat(path)).mode & 0o777);
  }
  return found;
}

/** How many paths are not 0700 (directories) or 0600 (files), with the first few. */
function loose(found: Map<string, number>, only: 'dirs' | 'all' = 'all') {
  const paths = [...found]
    .filter(([path]) => only === 'all' || path.endsWith('/'))
    .filter(([path, mode]) => mode !== (path.endsWith('/') ? 0o700 : 0o600))
    .map(([path, mode]) => `${path} ${mode.toString(8)}`);
  return { count: paths.length, first: paths.slice(0, 3) };
}
const TIGHT = { count: 0, first: [] };

/** A process that stays alive until killed, and its pid. */
async function liveProcess() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  return child;
}

// PGlite starts in about a second on an idle machine, in a minute on a loaded one: explicit deadlines.
describe('the embedded data directory', { timeout: 240_000 }, () => {
  let root: string;
  const open: Database[] = [];
  let umaskBefore: number;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'rl-datadir-'));
    // The usual login umask, under which PGlite alone leaves its files 0644 and 0666.
    umaskBefore = process.umask(0o022);
  });
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
  });
  afterAll(async () => {
    process.umask(umaskBefore);
    await rm(root, { recursive: true, force: true });
  });

  async function openAt(dataDir: string): Promise<Database> {
    const db = await openDatabase({ dataDir });
    open.push(db);
    return db;
  }

  it('is created 0700 and everything the database writes in it is 0600 (0700 for directories)', async () => {
    const dataDir = join(root, 'fresh');
    const db = await openAt(dataDir);
    expect(loose(await modes(dataDir))).toEqual(TIGHT);
    await migrate(db);
    await db.query('CREATE TABLE scratch AS SELECT generate_series(1, 5000) AS n');
    // While it runs, no one else can enter any directory of it.
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect(loose(await modes(dataDir), 'dirs')).toEqual(TIGHT);
    // The process's umask is given back when the database closes, and what it wrote is 0600.
    await open.pop()!.close();
    expect(process.umask()).toBe(0o022);
    const found = await modes(dataDir);
    expect([...found.keys()].some((p) => p.includes('pg_wal/0'))).toBe(true);
    expect(loose(found)).toEqual(TIGHT);
  });

  it('tightens an existing directory and its files', async () => {
    const dataDir = join(root, 'old');
    const db = await openAt(dataDir);
    await migrate(db);
    await open.pop()!.close();
    await chmod(dataDir, 0o755);
    await chmod(join(dataDir, 'PG_VERSION'), 0o666);
    await writeFile(join(dataDir, 'notes.txt'), 'left by an older version\n', { mode: 0o644 });
    await openAt(dataDir);
    expect(loose(await modes(dataDir))).toEqual(TIGHT);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
  });

  it('refuses a directory others may write to, with a one-line message, writing nothing', async () => {
    for (const mode of [0o777, 0o770, 0o702]) {
      const dataDir = join(root, `open-${mode.toString(8)}`);
      await mkdir(dataDir);
      await chmod(dataDir, mode);
      const error = await openDatabase({ dataDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataDirError);
      expect((error as DataDirError).code).toBe('DATA_DIR_UNSAFE');
      expect((error as Error).message).toContain(dataDir);
      expect((error as Error).message).not.toContain('\n');
      expect(await readdir(dataDir)).toEqual([]);
    }
  });

  it('is held by one opener at a time; closing lets the next one in', async () => {
    const dataDir = join(root, 'shared');
    await openAt(dataDir);
    expect((await readFile(join(dataDir, DATA_DIR_LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));
    const second = await openDatabase({ dataDir }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(DataDirError);
    expect((second as DataDirError).code).toBe('DATA_DIR_LOCKED');
    expect((second as Error).message).toContain(`process ${process.pid}`);
    // The refused opener removed nothing of the first one's.
    expect(await readdir(dataDir)).toContain('postmaster.pid');
    expect(await readdir(dataDir)).toContain(DATA_DIR_LOCK_FILE);
    await open.pop()!.close();
    expect(await readdir(dataDir)).not.toContain(DATA_DIR_LOCK_FILE);
    await openAt(dataDir);
  });

  it('refuses while the process named in the lock lives, and takes the lock over once it is gone', async () => {
    const dataDir = join(root, 'crashed');
    await openAt(dataDir);
    await open.pop()!.close();
    const other = await liveProcess();
    try {
      await writeFile(join(dataDir, DATA_DIR_LOCK_FILE), `${other.pid}\n`);
      const refused = await openDatabase({ dataDir }).catch((e: unknown) => e);
      expect((refused as DataDirError).code).toBe('DATA_DIR_LOCKED');
      expect((refused as Error).message).toContain(`process ${other.pid}`);
    } finally {
      other.kill('SIGKILL');
      await once(other, 'exit');
    }
    // Its process is gone (a crash): the lock is stale.
    const db = await openAt(dataDir);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect((await readFile(join(dataDir, DATA_DIR_LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));
  });

  it('`roboledger audit` beside an open database refuses in one line and leaves it alone', async () => {
    const dataDir = join(root, 'live');
    const db = await openAt(dataDir);
    await migrate(db);
    const before = await readdir(dataDir);
    const run = await roboledger(['audit'], { ROBOLEDGER_DATA_DIR: dataDir });
    expect(run.status).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`in use by process ${process.pid}`);
    expect(await readdir(dataDir)).toEqual(before);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  }, 120_000);
});
