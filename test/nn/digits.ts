/**
 * A small reader for data/digits.csv.gz (UCI optical digits as shipped with scikit-learn: 1797
 * rows of 64 pixel counts 0..16, then the label 0..9), for the nn acceptance test. The library's
 * own CSV loader lives in lib/data; this keeps the nn tests independent of it.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { repoRoot } from '../helpers';

export interface Digits {
  /** [rows·64] pixel counts 0..16, row-major */
  pixels: Float32Array;
  labels: Int32Array;
  rows: number;
}

export function readDigits(file = path.join(repoRoot, 'data', 'digits.csv.gz')): Digits {
  const text = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const rows = lines.length;
  const pixels = new Float32Array(rows * 64);
  const labels = new Int32Array(rows);
  lines.forEach((line, r) => {
    const v = line.split(',').map(Number);
    if (v.length !== 65 || v.some((x) => !Number.isFinite(x))) throw new Error(`${file}: row ${r + 1} is not 65 numbers`);
    pixels.set(v.slice(0, 64), r * 64);
    labels[r] = v[64];
  });
  return { pixels, labels, rows };
}
