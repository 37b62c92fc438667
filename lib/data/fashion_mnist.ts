/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, MIT licence): 28×28 grey images of 10 clothing
 * classes, 60,000 for training and 10,000 for testing, as four IDX files (gzipped or plain):
 * train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.
 * Debian's `dataset-fashion-mnist` package installs them in /usr/share/datasets/fashion-mnist.
 *
 * x [N, 784] = pixel / 255 in float32 (the same values as torchvision's ToTensor), y [N] labels 0…9.
 *
 * `{ format: 'bytes' }` keeps the pixels as bytes instead: each split is a ByteDataset [N, 784]
 * (scale 1/255) whose DataLoader batches hold the same float32 values, bit for bit, converted one
 * batch at a time — 47 MB for the training images instead of 188 MB, and the float copy is never made.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, allocateUninit } from '../tensor';
import { argError, checkOptions } from '../errors';
import { loadIdxShared, IdxArray } from './idx';
import { native as k } from '../native';
import { ByteDataset } from './byte_dataset';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

export interface LabelledSplit {
  x: Tensor;
  y: Int32Array;
}

export interface FashionMnistOptions {
  /** 'float32' (default): x as a Tensor of pixel / 255; 'bytes': each split a ByteDataset of the pixels */
  format?: 'float32' | 'bytes';
}

function where(dir: string): string {
  return (
    `expected ${Object.values(FILES).map((f) => `${f}.gz`).join(', ')} (gzipped or plain) in ${dir}. ` +
    `Debian/Ubuntu: \`sudo apt-get install dataset-fashion-mnist\` installs them in ${FASHION_MNIST_DIR}; ` +
    'or download them from https://github.com/zalandoresearch/fashion-mnist and pass their directory'
  );
}

function find(fn: string, dir: string, base: string): string {
  for (const f of [`${base}.gz`, base]) {
    const p = path.join(dir, f);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${fn}: ${base}(.gz) is missing from ${dir}: ${where(dir)}`);
}

/** The images as bytes [N, 784] and the labels, checked. */
function readSplit(fn: string, dir: string, images: string, labels: string): { pixels: Uint8Array; N: number; y: Int32Array } {
  const imgFile = find(fn, dir, images);
  const lblFile = find(fn, dir, labels);
  const img = loadIdxShared(imgFile); // a view of the decompressed file: the pixels are not copied
  const lbl = loadIdxShared(lblFile);
  const shapeOk = (a: IdxArray, nd: number): boolean => a.dtype === 'uint8' && a.shape.length === nd;
  if (!shapeOk(img, 3) || img.shape[1] !== 28 || img.shape[2] !== 28)
    throw new Error(`${fn}: ${imgFile} holds ${img.dtype} [${img.shape.join(', ')}], expected uint8 images [N, 28, 28]`);
  if (!shapeOk(lbl, 1)) throw new Error(`${fn}: ${lblFile} holds ${lbl.dtype} [${lbl.shape.join(', ')}], expected uint8 labels [N]`);
  const N = img.shape[0];
  if (lbl.shape[0] !== N) throw new Error(`${fn}: ${imgFile} has ${N} images but ${lblFile} has ${lbl.shape[0]} labels`);
  const y = Int32Array.from(lbl.data as Uint8Array);
  const bad = y.findIndex((v) => v > 9);
  if (bad >= 0) throw new Error(`${fn}: ${lblFile}: label ${y[bad]} at index ${bad} is not a class 0…9`);
  return { pixels: img.data as Uint8Array, N, y };
}

function floatSplit(fn: string, dir: string, images: string, labels: string): LabelledSplit {
  const { pixels, N, y } = readSplit(fn, dir, images, labels);
  const x = allocateUninit(fn, N * 784); // castToF32 writes every element
  k.castToF32(x, pixels, 1 / 255);
  return { x: new Tensor(x, [N, 784]), y };
}

function byteSplit(fn: string, dir: string, images: string, labels: string): ByteDataset {
  const { pixels, N, y } = readSplit(fn, dir, images, labels);
  return new ByteDataset(pixels, [N, 784], y, { scale: 1 / 255 });
}

/**
 * Loads Fashion-MNIST from `dir` (default: Debian's location) → { train, test }: each split
 * { x: Tensor [N, 784], y } by default, or a ByteDataset with `{ format: 'bytes' }`.
 */
export function loadFashionMnist(dir?: string, opts?: { format?: 'float32' }): { train: LabelledSplit; test: LabelledSplit };
export function loadFashionMnist(dir: string | undefined, opts: { format: 'bytes' }): { train: ByteDataset; test: ByteDataset };
export function loadFashionMnist(
  dir: string | undefined,
  opts?: FashionMnistOptions,
): { train: LabelledSplit; test: LabelledSplit } | { train: ByteDataset; test: ByteDataset };
export function loadFashionMnist(
  dir: string = FASHION_MNIST_DIR,
  opts?: FashionMnistOptions,
): { train: LabelledSplit; test: LabelledSplit } | { train: ByteDataset; test: ByteDataset } {
  const fn = 'ng.data.loadFashionMnist';
  if (typeof dir !== 'string' || dir.length === 0) throw argError(fn, 'dir', 'a directory path', dir);
  const format = checkOptions(fn, opts, ['format'], "{ format: 'bytes' }").format ?? 'float32';
  if (format !== 'float32' && format !== 'bytes') throw argError(fn, 'format', "'float32' or 'bytes'", format);
  if (!fs.existsSync(dir)) throw new Error(`${fn}: no such directory: ${dir}; ${where(dir)}`);
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${fn}: ${dir} is not a directory; ${where(dir)}`);
  const load = format === 'bytes' ? byteSplit : floatSplit;
  return {
    train: load(fn, dir, FILES.trainImages, FILES.trainLabels),
    test: load(fn, dir, FILES.testImages, FILES.testLabels),
  } as { train: LabelledSplit; test: LabelledSplit } | { train: ByteDataset; test: ByteDataset };
}
