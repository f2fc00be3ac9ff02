/**
 * Crash-safe file replacement for Node: write a temp file beside the target, fsync it, then
 * rename it over the target. rename() within one directory is atomic on POSIX, so readers see
 * either the old file or the complete new one, never a torn mix.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { ArgumentError } from '../errors.js';

/** Atomically replaces the file at `path` with `bytes`; on failure the old file is untouched. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  checkArgs('writeFileAtomic', path, bytes);
  const tmp = tempPathFor(path);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // 'wx' fails rather than follow or clobber something that already has our temp name.
    handle = await open(tmp, 'wx');
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dirname(path));
}

/** Synchronous variant of {@link writeFileAtomic}. */
export function writeFileAtomicSync(path: string, bytes: Uint8Array): void {
  checkArgs('writeFileAtomicSync', path, bytes);
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    // writeSync may write less than asked, so loop until everything is on its way to disk.
    for (let done = 0; done < bytes.length; ) {
      done += writeSync(fd, bytes, done, bytes.length - done);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) tryIgnore(() => closeSync(fd as number));
    tryIgnore(() => rmSync(tmp, { force: true }));
    throw err;
  }
  syncDirectorySync(dirname(path));
}

function checkArgs(op: string, path: unknown, bytes: unknown): void {
  if (typeof path !== 'string' || path === '') throw new ArgumentError(op, 'path must be a non-empty string');
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(op, 'bytes must be a Uint8Array');
}

function tempPathFor(path: string): string {
  const name = `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  return join(dirname(path), name);
}

// Persists the rename itself. Best effort: some platforms (Windows) cannot open or fsync a
// directory, and by now the new file is already in place.
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // ignored, see above
  }
}

function syncDirectorySync(dir: string): void {
  tryIgnore(() => {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

function tryIgnore(fn: () => void): void {
  try {
    fn();
  } catch {
    // cleanup failures must not mask the original error
  }
}
