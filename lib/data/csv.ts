/**
 * CSV files of numbers with one target column, plain or gzipped (gzip magic detected).
 *
 * - Fields are separated by `delimiter` (default ','); surrounding spaces and a pair of double
 *   quotes around a field are ignored; blank lines are skipped; CRLF and a UTF-8 BOM are accepted.
 * - A field is a decimal number (`-1.5`, `2e-3`, `.5`, `Infinity`); anything else (empty, `abc`,
 *   `0x10`, `NaN`) is an Error naming the line and column.
 * - The target column (`labelColumn`) gives class indices or regression targets (`targetType`):
 *   'class': every target must be a non-negative 32-bit integer → y, an Int32Array [rows];
 *   'float': y is a float32 Tensor [rows]; 'auto' (default): 'class' when every target is a
 *   non-negative integer, 'float' otherwise (pass 'float' for integer-valued regression targets).
 * - `header: 'auto'` (default) treats the first line as column names when any of its fields is not
 *   a number; `true`/`false` force it.
 * - Every row must have as many fields as the first.
 *
 * Memory is bounded by the file: the decompressed text of a .gz file may not exceed what deflate
 * can produce from it, nor V8's largest string.
 */
import * as path from 'path';
import { Tensor, allocate } from '../tensor';
import { argError, checkNumber, checkOptions, rangeError } from '../errors';
import { packageRoot } from '../native';
import { readFileBytes } from './files';
import { gunzipAll, isGzip, MAX_DEFLATE_RATIO } from './gzip';

export interface CsvOptions {
  /** index of the label column, negative counts from the end (default −1: the last) */
  labelColumn?: number;
  /** 'auto' (default): a first line with a non-numeric field is a header */
  header?: 'auto' | boolean;
  /** field separator (default ',') */
  delimiter?: string;
  /** class indices, float targets, or 'auto' (default): classes when every target is a non-negative integer */
  targetType?: 'auto' | 'class' | 'float';
}

export interface CsvData<Y extends Int32Array | Tensor = Int32Array | Tensor> {
  /** features [rows, columns − 1] */
  x: Tensor;
  /** class indices (Int32Array [rows]) or float targets (Tensor [rows]) */
  y: Y;
  /** the header's column names (feature columns, then the label's), when there was a header */
  columns?: string[];
}

/** V8's longest string (2^29 − 24 UTF-16 units on 64-bit). */
const MAX_TEXT = 2 ** 29 - 24;

/** Reads a numeric CSV file (gzipped or plain) → { x, y }. */
export function loadCsv(file: string, opts: CsvOptions & { targetType: 'class' }): CsvData<Int32Array>;
export function loadCsv(file: string, opts: CsvOptions & { targetType: 'float' }): CsvData<Tensor>;
export function loadCsv(file: string, opts?: CsvOptions): CsvData;
export function loadCsv(file: string, opts: CsvOptions = {}): CsvData {
  const bytes = readFileBytes('ng.data.loadCsv', file);
  return parseCsv(bytes, opts, file);
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?Infinity$/;

function unquote(f: string): string {
  const t = f.trim();
  return t.length >= 2 && t[0] === '"' && t[t.length - 1] === '"' ? t.slice(1, -1).trim() : t;
}

/** Parses CSV bytes (gzipped or plain); `name` appears in error messages. */
export function parseCsv(bytes: Uint8Array, opts: CsvOptions & { targetType: 'class' }, name?: string): CsvData<Int32Array>;
export function parseCsv(bytes: Uint8Array, opts: CsvOptions & { targetType: 'float' }, name?: string): CsvData<Tensor>;
export function parseCsv(bytes: Uint8Array, opts?: CsvOptions, name?: string): CsvData;
export function parseCsv(bytes: Uint8Array, opts: CsvOptions = {}, name = '<bytes>'): CsvData {
  const fn = 'ng.data.loadCsv';
  opts = checkOptions(fn, opts, ['labelColumn', 'header', 'delimiter', 'targetType'], "{ labelColumn: -1, header: 'auto', targetType: 'float' }");
  const targetType = opts.targetType ?? 'auto';
  if (targetType !== 'auto' && targetType !== 'class' && targetType !== 'float') throw argError(fn, 'targetType', "'auto', 'class' or 'float'", targetType);
  const delimiter = opts.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length === 0 || /[\r\n"]/.test(delimiter))
    throw argError(fn, 'delimiter', 'a non-empty string without quotes or line breaks', delimiter);
  const header = opts.header ?? 'auto';
  if (header !== 'auto' && typeof header !== 'boolean') throw argError(fn, 'header', "'auto', true or false", header);
  const labelOpt = checkNumber(fn, 'labelColumn', opts.labelColumn ?? -1, { integer: true });
  const what = `${fn}: ${name}`;

  let raw: Uint8Array = bytes;
  if (isGzip(bytes)) {
    const limit = Math.min(MAX_DEFLATE_RATIO * bytes.length, 3 * MAX_TEXT);
    raw = gunzipAll(what, bytes, limit, `the decompressed text is too large to parse in memory (over ${limit} bytes)`);
  }
  let text: string;
  try {
    text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  } catch (e) {
    throw new Error(`${what}: too large to parse as text in memory (${raw.length} bytes): ${(e as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n');

  let columns: string[] | undefined;
  let C = -1; // fields per row
  let firstDataLine = 0;
  let rows = 0;
  // first pass: header, field count and row count, so that x is allocated once
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    if (C < 0) {
      const fields = line.replace(/\r$/, '').split(delimiter).map(unquote);
      C = fields.length;
      const isHeader = header === true || (header === 'auto' && fields.some((f) => !NUMBER.test(f)));
      if (isHeader) {
        columns = fields;
        continue;
      }
      firstDataLine = i;
    }
    if (rows === 0 && columns) firstDataLine = i;
    rows++;
  }
  if (C < 0) throw new Error(`${what}: the file holds no data (no non-blank line)`);
  if (C < 2) throw new Error(`${what}: each row has ${C} field; a feature column and a label column are needed (is the delimiter ${JSON.stringify(delimiter)} right?)`);
  if (labelOpt < -C || labelOpt >= C) throw rangeError(fn, `labelColumn ${labelOpt} is out of range for ${C} columns (valid: ${-C} … ${C - 1})`);
  const label = labelOpt < 0 ? labelOpt + C : labelOpt;
  const F = C - 1;
  const x = allocate(fn, rows * F);
  const t = new Float64Array(rows); // the targets as read; classes or floats once all are seen
  let allClasses = true;
  let r = 0;
  for (let i = firstDataLine; i < lines.length && r < rows; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const fields = line.replace(/\r$/, '').split(delimiter);
    if (fields.length !== C)
      throw new Error(`${what}, line ${i + 1}: ${fields.length} fields, expected ${C} like the ${columns ? 'header' : 'first row'}`);
    let o = r * F;
    for (let c = 0; c < C; c++) {
      const f = fields[c];
      let v = +f;
      // fast path for plain numbers; otherwise the strict grammar (+'' is 0, +'0x1f' is 31, …)
      if (v !== v || /[xXbBoO]/.test(f) || f.trim() === '') {
        const u = unquote(f);
        if (!NUMBER.test(u)) {
          const col = columns ? ` ('${columns[c]}')` : '';
          throw new Error(`${what}, line ${i + 1}, column ${c + 1}${col}: ${JSON.stringify(f.length > 40 ? f.slice(0, 40) + '…' : f)} is not a number`);
        }
        v = +u;
      }
      if (c === label) {
        if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) {
          if (targetType === 'class')
            throw new Error(`${what}, line ${i + 1}, column ${c + 1}: the label ${f.trim()} is not a non-negative integer class index (pass targetType: 'float' for regression targets)`);
          allClasses = false;
        }
        t[r] = v;
      } else {
        x[o++] = v;
      }
    }
    r++;
  }
  const asClasses = targetType === 'class' || (targetType === 'auto' && allClasses);
  const y = asClasses ? Int32Array.from(t) : new Tensor(Float32Array.from(t), [rows]);
  const out: CsvData = { x: new Tensor(x, [rows, F]), y };
  if (columns) out.columns = [...columns.filter((_, c) => c !== label), columns[label]];
  return out;
}

/**
 * The UCI optical digits shipped with nativegrad (data/digits.csv.gz, CC BY 4.0, Alpaydin & Kaynak
 * 1998, as distributed with scikit-learn): x [1797, 64] pixel counts 0…16 (8×8 images, not
 * scaled), y [1797] labels 0…9.
 */
export function loadDigits(): { x: Tensor; y: Int32Array } {
  const file = path.join(packageRoot, 'data', 'digits.csv.gz');
  const { x, y } = loadCsv(file, { header: false, targetType: 'class' });
  return { x, y };
}
