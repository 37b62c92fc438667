/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, MIT licence): 28×28 grey images of 10 clothing
 * classes, 60,000 for training and 10,000 for testing, as four IDX files (gzipped or plain):
 * train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.
 * Debian's `dataset-fashion-mnist` package installs them in /usr/share/datasets/fashion-mnist.
 *
 * x [N, 784] = pixel / 255 in float32 (the same values as torchvision's ToTensor), y [N] labels 0…9.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, allocateUninit } from '../tensor';
import { argError } from '../errors';
import { loadIdx, IdxArray } from './idx';
import { k } from './kernels';

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

function split(fn: string, dir: string, images: string, labels: string): LabelledSplit {
  const imgFile = find(fn, dir, images);
  const lblFile = find(fn, dir, labels);
  const img = loadIdx(imgFile);
  const lbl = loadIdx(lblFile);
  const shapeOk = (a: IdxArray, nd: number): boolean => a.dtype === 'uint8' && a.shape.length === nd;
  if (!shapeOk(img, 3) || img.shape[1] !== 28 || img.shape[2] !== 28)
    throw new Error(`${fn}: ${imgFile} holds ${img.dtype} [${img.shape.join(', ')}], expected uint8 images [N, 28, 28]`);
  if (!shapeOk(lbl, 1)) throw new Error(`${fn}: ${lblFile} holds ${lbl.dtype} [${lbl.shape.join(', ')}], expected uint8 labels [N]`);
  const N = img.shape[0];
  if (lbl.shape[0] !== N) throw new Error(`${fn}: ${imgFile} has ${N} images but ${lblFile} has ${lbl.shape[0]} labels`);
  const y = Int32Array.from(lbl.data as Uint8Array);
  const bad = y.findIndex((v) => v > 9);
  if (bad >= 0) throw new Error(`${fn}: ${lblFile}: label ${y[bad]} at index ${bad} is not a class 0…9`);
  const x = allocateUninit(fn, N * 784); // castToF32 writes every element
  k.castToF32(x, img.data as Uint8Array, 1 / 255);
  return { x: new Tensor(x, [N, 784]), y };
}

/** Loads Fashion-MNIST from `dir` (default: Debian's location) → { train, test }. */
export function loadFashionMnist(dir: string = FASHION_MNIST_DIR): { train: LabelledSplit; test: LabelledSplit } {
  const fn = 'ng.data.loadFashionMnist';
  if (typeof dir !== 'string' || dir.length === 0) throw argError(fn, 'dir', 'a directory path', dir);
  if (!fs.existsSync(dir)) throw new Error(`${fn}: no such directory: ${dir}; ${where(dir)}`);
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${fn}: ${dir} is not a directory; ${where(dir)}`);
  return {
    train: split(fn, dir, FILES.trainImages, FILES.trainLabels),
    test: split(fn, dir, FILES.testImages, FILES.testLabels),
  };
}
