/**
 * TensorFlow.js peer of the MLP benchmark: @tensorflow/tfjs-core with the wasm backend (SIMD, as
 * Node users get it; single-threaded in Node), the wasm binaries loaded from the local
 * node_modules (nothing is downloaded).
 *
 * The step is what a tfjs-core user writes: tf.variableGrads over the forward pass, then
 * tf.train.adam's applyGradients, inside tf.tidy. tfjs-core's CommonJS bundle registers no
 * gradients (the `@tensorflow/tfjs` union package imports them as ES modules), so the four this
 * MLP needs are registered here with TensorFlow's own rules; the loss is a fused softmax
 * cross-entropy through tf.customGrad (gradient (softmax − onehot)/N, as tf.losses uses).
 */
import * as path from 'path';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports */
type Tf = any;

let tfPromise: Promise<Tf | null> | null = null;

/** Loads tfjs-core with the wasm backend, or null (with the reason) when it is not installed. */
export function loadTfjs(): Promise<{ tf: Tf | null; why?: string }> {
  if (!tfPromise)
    tfPromise = (async () => {
      let tf: Tf;
      let wasm: any;
      try {
        tf = require('@tensorflow/tfjs-core');
        wasm = require('@tensorflow/tfjs-backend-wasm');
      } catch (e) {
        throw new Error(`TensorFlow.js is not installed: ${(e as Error).message.split('\n')[0]}`);
      }
      wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
      registerGradients(tf);
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
      await tf.ready();
      return tf;
    })();
  return tfPromise.then(
    (tf) => ({ tf }),
    (e: Error) => ({ tf: null, why: e.message }),
  );
}

function registerGradients(tf: Tf): void {
  // dy summed over the axes that broadcasting added or stretched, back to `shape`
  const reduceTo = (dy: Tf, shape: number[]): Tf => {
    let g = dy;
    while (g.rank > shape.length) g = tf.sum(g, 0);
    shape.forEach((d, i) => {
      if (d === 1 && g.shape[i] !== 1) g = tf.sum(g, i, true);
    });
    return tf.reshape(g, shape);
  };
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: Tf, [a, b]: Tf[], attrs: { transposeA: boolean; transposeB: boolean }) => {
      if (attrs.transposeA || attrs.transposeB) throw new Error('tfjs_mlp: transposed BatchMatMul gradient not registered');
      return { a: () => tf.matMul(dy, b, false, true), b: () => tf.matMul(a, dy, true, false) };
    },
  });
  tf.registerGradient({ kernelName: 'Add', inputsToSave: ['a', 'b'], gradFunc: (dy: Tf, [a, b]: Tf[]) => ({ a: () => reduceTo(dy, a.shape), b: () => reduceTo(dy, b.shape) }) });
  tf.registerGradient({ kernelName: 'Relu', inputsToSave: ['x'], gradFunc: (dy: Tf, [x]: Tf[]) => ({ x: () => tf.mul(dy, tf.step(x)) }) });
  tf.registerGradient({ kernelName: 'Reshape', inputsToSave: ['x'], gradFunc: (dy: Tf, [x]: Tf[]) => ({ x: () => tf.reshape(dy, x.shape) }) });
}

export interface TfjsCase {
  /** one training step; returns the loss */
  step(): number;
  /** `steps` steps without reading the loss back */
  run(steps: number): void;
  dispose(): void;
}

/**
 * The 784-256-128-10 ReLU MLP with Adam(lr) on pre-sliced batches (cycled). `params` are the
 * initial values in PyTorch's layout (weight [O, I], bias [O] per layer), transposed here to
 * tf.matMul's [I, O].
 */
export function tfjsMlp(tf: Tf, params: Float32Array[], sizes: number[], batches: { x: Float32Array; y: Int32Array }[], B: number, lr: number): TfjsCase {
  const vars: Tf[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const I = sizes[l];
    const O = sizes[l + 1];
    vars.push(tf.variable(tf.tidy(() => tf.transpose(tf.tensor2d(params[2 * l], [O, I])))));
    vars.push(tf.variable(tf.tensor1d(params[2 * l + 1])));
  }
  const data = batches.map((b) => ({ x: tf.tensor2d(b.x, [B, sizes[0]]), y: tf.oneHot(tf.tensor1d(b.y, 'int32'), sizes[sizes.length - 1]) }));
  const opt = tf.train.adam(lr);
  const xent = tf.customGrad((logits: Tf, labels: Tf, save: (ts: Tf[]) => void) => {
    const logp = tf.logSoftmax(logits);
    save([logp, labels]);
    const value = tf.div(tf.neg(tf.sum(tf.mul(labels, logp))), logits.shape[0]);
    return { value, gradFunc: (dy: Tf, [lp, lb]: Tf[]) => [tf.mul(tf.sub(tf.exp(lp), lb), tf.div(dy, lp.shape[0])), tf.zerosLike(lb)] };
  });
  let i = 0;
  const once = (): Tf =>
    tf.tidy(() => {
      const { x, y } = data[i];
      i = (i + 1) % data.length;
      const { value, grads } = tf.variableGrads(() => {
        let h = x;
        for (let l = 0; l < vars.length / 2; l++) {
          h = tf.add(tf.matMul(h, vars[2 * l]), vars[2 * l + 1]);
          if (l < vars.length / 2 - 1) h = tf.relu(h);
        }
        return xent(h, y);
      });
      opt.applyGradients(grads);
      return value;
    });
  return {
    step: () => {
      const v = once();
      const out = v.dataSync()[0];
      v.dispose();
      return out;
    },
    run: (steps) => {
      for (let s = 0; s < steps; s++) once().dispose();
    },
    dispose: () => {
      for (const v of vars) v.dispose();
      for (const d of data) {
        d.x.dispose();
        d.y.dispose();
      }
      opt.dispose();
    },
  };
}
