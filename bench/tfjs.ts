// @tensorflow/tfjs baselines: the pure-JS 'cpu' backend and @tensorflow/tfjs-backend-wasm
// (XNNPACK, SIMD; Node runs it single-threaded). Used for matmul rates and for `model.fit`
// on the same MLP, data and hyperparameters as the engine runs.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { BATCH, type MnistSplit } from './mnist.ts';
import { cpuSeconds } from './timing.ts';

let tfPromise: Promise<typeof TF> | null = null;

/** tfjs with the wasm backend registered (wasm binaries loaded from node_modules). */
export function loadTf(): Promise<typeof TF> {
  tfPromise ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    wasm.setWasmPaths(`${dir}/`);
    return tf;
  })();
  return tfPromise;
}

export type TfBackend = 'cpu' | 'wasm';

export async function useTfBackend(name: TfBackend): Promise<typeof TF> {
  const tf = await loadTf();
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' failed to initialise`);
  await tf.ready();
  return tf;
}

/** A matmul closure on tfjs tensors (inputs stay resident; each call reads the result back). */
export async function tfMatmul(name: TfBackend, M: number, K: number, N: number, ta: boolean, tb: boolean): Promise<{ run: () => Promise<void>; dispose: () => void }> {
  const tf = await useTfBackend(name);
  const a = tf.randomUniform(ta ? [K, M] : [M, K], -1, 1) as TF.Tensor2D;
  const b = tf.randomUniform(tb ? [N, K] : [K, N], -1, 1) as TF.Tensor2D;
  return {
    run: async () => {
      const c = tf.matMul(a, b, ta, tb);
      await c.data();
      c.dispose();
    },
    dispose: () => tf.dispose([a, b]),
  };
}

export interface FitResult {
  seconds: number;
  cpuSeconds: number;
  samples: number;
  testAccuracy: number;
}

/** model.fit of the benchmark MLP for one pass over `train`, then test accuracy. */
export async function tfFitMlp(name: TfBackend, train: MnistSplit, test: MnistSplit, seed: number): Promise<FitResult> {
  const tf = await useTfBackend(name);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 128, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const n = train.x.shape[0];
  const xs = tf.tensor2d(train.x.data, [n, 784]), ys = tf.tensor2d(train.y.data, [n, 10]);
  const t0 = performance.now(), c0 = cpuSeconds();
  await model.fit(xs, ys, { batchSize: BATCH, epochs: 1, shuffle: true, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000, cpu = cpuSeconds() - c0;
  const tx = tf.tensor2d(test.x.data, [test.x.shape[0], 784]);
  const pred = (model.predict(tx) as TF.Tensor).argMax(1);
  const predicted = await pred.data();
  let ok = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === test.labels[i]) ok++;
  tf.dispose([xs, ys, tx, pred]);
  model.dispose();
  return { seconds, cpuSeconds: cpu, samples: n, testAccuracy: ok / predicted.length };
}

export function requireResolvable(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
