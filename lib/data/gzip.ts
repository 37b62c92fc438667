/**
 * Bounded gzip decompression for the data-set loaders. A hostile .gz file can expand by a factor
 * of up to ~1032 (deflate's limit), so nothing here decompresses without an output limit:
 * `gunzipPrefix` reads just enough for a header, `gunzipAll` stops (with an Error) at `limit` bytes.
 */
import * as zlib from 'zlib';
import { constants as bufferConstants } from 'buffer';

/** deflate's largest expansion: one 258-byte match per ~2 bits, ≈ 1032:1 */
export const MAX_DEFLATE_RATIO = 1032;
/** the largest Buffer Node can make */
export const MAX_BUFFER_BYTES = bufferConstants.MAX_LENGTH;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Why zlib refused, in words. */
function zlibReason(e: unknown): string {
  const err = e as { code?: string; message?: string };
  if (err.code === 'Z_BUF_ERROR') return 'the gzip stream is truncated (unexpected end of file)';
  return `the gzip stream is corrupt (${err.message ?? String(e)})`;
}

/**
 * At least `want` bytes from the start of the decompressed stream (fewer only when the whole
 * stream is shorter), decompressing growing prefixes of the input. No attempt may produce more
 * than 16 MiB: when a prefix expands past that, a shorter one is bisected for, so memory stays
 * bounded whatever the stream holds.
 */
export function gunzipPrefix(what: string, gz: Uint8Array, want: number): Buffer {
  const cap = Math.max(16 * 2 ** 20, 2 * want);
  let lo = 0; // a prefix length known to give fewer than `want` bytes
  let take = Math.min(4096, gz.length);
  for (;;) {
    let out: Buffer;
    try {
      out = zlib.gunzipSync(gz.subarray(0, take), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: cap });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' && take - lo > 1) {
        take = lo + Math.floor((take - lo) / 2);
        continue;
      }
      throw new Error(`${what}: ${zlibReason(e)}`);
    }
    if (out.length >= want) return out;
    if (take === gz.length) {
      // the whole stream gives less than a header: say so if it is cut short rather than complete
      try {
        zlib.gunzipSync(gz, { maxOutputLength: cap });
      } catch (e) {
        throw new Error(`${what}: ${zlibReason(e)}`);
      }
      return out;
    }
    lo = take;
    take = Math.min(take * 4, gz.length);
  }
}

/** The largest single output buffer gunzipAll asks zlib for when the size is known in advance. */
const MAX_ONE_CHUNK = 256 * 2 ** 20;

/**
 * The whole decompressed stream, refusing to produce more than `limit` bytes. `tooLarge` words the
 * error for a stream that goes past the limit. With `expectExactly` (the caller knows the size, e.g.
 * from a file header), zlib writes into one buffer of `limit` bytes (up to 256 MiB) instead of 16 KiB
 * chunks that are then concatenated: the output is made once and the peak memory is the output's size
 * rather than twice it (plus the heap fragmentation of thousands of freed chunks).
 */
export function gunzipAll(what: string, gz: Uint8Array, limit: number, tooLarge: string, expectExactly = false): Buffer {
  const maxOutputLength = Math.max(1, Math.min(limit, MAX_BUFFER_BYTES));
  const chunk = expectExactly ? { chunkSize: Math.max(zlib.constants.Z_MIN_CHUNK, Math.min(maxOutputLength, MAX_ONE_CHUNK)) } : {};
  try {
    return zlib.gunzipSync(gz, { maxOutputLength, ...chunk });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new Error(`${what}: ${tooLarge}`);
    throw new Error(`${what}: ${zlibReason(e)}`);
  }
}
