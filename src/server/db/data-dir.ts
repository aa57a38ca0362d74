// The embedded database's data directory belongs to one process and to its user alone.
//
// One process: PGlite is a single-process database with no lock of its own, so a second
// `serve` beside the first would write a diverging ledger, and a second opener removes the
// first one's postmaster.pid. An exclusive lock file, created with O_EXCL and naming its pid,
// is held for as long as the database is open; a lock whose process is gone (a crash) is taken
// over.
//
// Its user alone: the files hold API-key hashes, the ledger and every robot's telemetry. The
// directory is kept 0700 and its files 0600 (existing content is tightened at open, again once
// PGlite has started and at close; the process runs with a 0077 umask while the database is
// open), and a directory others may write to is refused.
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const DATA_DIR_LOCK_FILE = 'roboledger.lock';

export type DataDirProblem = 'DATA_DIR_LOCKED' | 'DATA_DIR_UNSAFE';

/** Why the data directory cannot be used; the message is one line, for a person. */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
  constructor(
    readonly code: DataDirProblem,
    message: string,
  ) {
    super(message);
  }
}

/** A claimed data directory; `release()` gives it up (idempotent). */
export interface DataDirClaim {
  readonly dir: string;
  release(): void;
}

/** Group and others may not write: that would let them replace the database under us. */
const WRITABLE_BY_OTHERS = 0o022;

/**
 * Creates `dir` (0700) or checks an existing one, tightens what is in it and takes its lock.
 * Throws DataDirError when another live process holds it or others may write to it.
 */
export async function claimDataDir(dir: string): Promise<DataDirClaim> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  if (!info.isDirectory())
    throw new DataDirError('DATA_DIR_UNSAFE', `the data directory ${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new DataDirError(
      'DATA_DIR_UNSAFE',
      `the data directory ${dir} belongs to another user (uid ${info.uid}); run as its owner`,
    );
  }
  if ((info.mode & WRITABLE_BY_OTHERS) !== 0) {
    throw new DataDirError(
      'DATA_DIR_UNSAFE',
      `the data directory ${dir} may be written by others (mode ${(info.mode & 0o777).toString(8)}); ` +
        `run chmod 700 ${dir} first`,
    );
  }
  const release = takeLock(dir);
  try {
    await tightenDataDir(dir);
  } catch (error) {
    release();
    throw error;
  }
  let released = false;
  return {
    dir,
    release() {
      if (released) return;
      released = true;
      release();
    },
  };
}

/**
 * chmod 0700 for directories and 0600 for files, everywhere under `dir`; links are left alone.
 * PGlite sets its files 0666 itself, whatever the umask, so this runs again once it has
 * started and when it closes; in between, the 0700 directories keep everyone else out.
 */
export async function tightenDataDir(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await tightenDataDir(path);
    else if (entry.isFile()) await chmod(path, 0o600).catch(ignoreVanished);
  }
}

/** A file removed between readdir and chmod (a recycled WAL segment) needs no tightening. */
function ignoreVanished(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockHolder(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Takes `<dir>/roboledger.lock`; returns its release. */
function takeLock(dir: string): () => void {
  const path = join(dir, DATA_DIR_LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      const removeOnExit = () => releaseLock(path);
      process.once('exit', removeOnExit);
      return () => {
        process.removeListener('exit', removeOnExit);
        releaseLock(path);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = lockHolder(path);
    if (holder !== null && isAlive(holder)) {
      throw new DataDirError(
        'DATA_DIR_LOCKED',
        `the data directory ${dir} is in use by process ${holder} (${DATA_DIR_LOCK_FILE}); stop it first`,
      );
    }
    takeOverStaleLock(path, holder);
  }
  throw new DataDirError('DATA_DIR_LOCKED', `the data directory ${dir} could not be locked; try again`);
}

/**
 * Removes a lock left by a process that is gone. It is first renamed aside (atomic), so of two
 * processes racing for it only one removes it; should that be a fresh lock another process took
 * in between, it is put back (link fails if a third already made a new one).
 */
function takeOverStaleLock(path: string, stalePid: number | null): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = lockHolder(aside);
  if (moved !== stalePid && moved !== null && isAlive(moved)) {
    try {
      linkSync(aside, path);
    } catch {
      // a new lock is already in place; ours to retry against
    }
  }
  unlinkSync(aside);
}

function releaseLock(path: string): void {
  try {
    if (lockHolder(path) === process.pid) unlinkSync(path);
  } catch {
    // Already gone; a lock left behind is detected as stale by its pid.
  }
}

/**
 * Sets the process umask to 0077 (files 0600, directories 0700) until the returned function
 * restores it: PGlite creates WAL segments and relation files for as long as it runs. Nested
 * holders (two databases open) restore it only when the last lets go.
 */
export function restrictUmask(): () => void {
  if (umaskHolders++ === 0) {
    try {
      savedUmask = process.umask(0o077);
    } catch {
      // A worker thread may not set it (ERR_WORKER_UNSUPPORTED_OPERATION); the chmod at open
      // still tightens what exists.
      savedUmask = undefined;
    }
  }
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    if (--umaskHolders === 0 && savedUmask !== undefined) process.umask(savedUmask);
  };
}
let umaskHolders = 0;
let savedUmask: number | undefined;
