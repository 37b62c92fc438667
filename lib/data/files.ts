/** Reading a data file with errors that name it. */
import * as fs from 'fs';
import { argError } from '../errors';

/** The file's bytes; a missing file, a directory or an unreadable file gives an Error naming the path. */
export function readFileBytes(fn: string, path: unknown): Buffer {
  if (typeof path !== 'string' || path.length === 0) throw argError(fn, 'path', 'a non-empty string (a file path)', path);
  try {
    return fs.readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new Error(`${fn}: no such file: ${path}`);
    if (code === 'EISDIR') throw new Error(`${fn}: ${path} is a directory, not a file`);
    if (code === 'EACCES') throw new Error(`${fn}: permission denied reading ${path}`);
    if (e instanceof RangeError) throw new Error(`${fn}: ${path} is too large to read into memory (${e.message})`);
    throw new Error(`${fn}: cannot read ${path}: ${(e as Error).message}`);
  }
}
