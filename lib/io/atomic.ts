/**
 * Atomic file replacement: the bytes go to a temporary file in the target's directory, which is
 * fsync'ed and then renamed over the target (rename(2) is atomic within a file system), and the
 * directory is fsync'ed so that the rename itself survives a power cut. A crash at any point
 * leaves either the old complete file or the new complete file at `target`, never a mix; what it
 * can leave behind is a stray `.<name>.<pid>.<random>.tmp` next to it.
 *
 * The new file keeps the old file's permission bits when it replaces one. A symlink at `target` is
 * replaced by the file (the link's destination is not written through).
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';

/** Writes all of `bytes` at the current position of `fd`. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
}

function explain(fn: string, target: string, e: unknown): Error {
  const code = (e as { code?: string }).code;
  const dir = path.dirname(target);
  if (code === 'ENOENT') return new Error(`${fn}: cannot write ${target}: the directory ${dir} does not exist`);
  if (code === 'EACCES' || code === 'EPERM') return new Error(`${fn}: cannot write ${target}: permission denied in ${dir}`);
  if (code === 'ENOSPC') return new Error(`${fn}: cannot write ${target}: no space left on the device (the previous file, if any, is intact)`);
  if (code === 'EISDIR') return new Error(`${fn}: cannot write ${target}: it is a directory`);
  return new Error(`${fn}: cannot write ${target}: ${(e as Error).message}`);
}

/** Replaces `target` atomically with what `write(fd)` writes. */
export function writeFileAtomic(fn: string, target: string, write: (fd: number) => void): void {
  const abs = path.resolve(target);
  const dir = path.dirname(abs);
  const tmp = path.join(dir, `.${path.basename(abs)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let mode = 0o666; // less the umask
  try {
    const st = fs.statSync(abs);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    mode = st.mode & 0o777;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw explain(fn, target, e);
  }
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'wx', mode);
  } catch (e) {
    throw explain(fn, target, e);
  }
  try {
    try {
      write(fd);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, abs);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    if ((e as { code?: string }).code) throw explain(fn, target, e);
    throw e;
  }
  syncDirectory(dir);
}

/** fsync of a directory makes a rename in it durable; not every platform allows it (Windows). */
function syncDirectory(dir: string): void {
  let dfd: number | undefined;
  try {
    dfd = fs.openSync(dir, 'r');
    fs.fsyncSync(dfd);
  } catch {
    /* EISDIR/EPERM/EINVAL where directories cannot be opened or synced: the rename is still atomic */
  } finally {
    if (dfd !== undefined) fs.closeSync(dfd);
  }
}
