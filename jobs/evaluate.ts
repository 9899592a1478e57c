// Test-set accuracy of a parameter set, evaluated in batches so that conv layers'
// im2col buffers stay small (10k MNIST images at once would need ~600 MB for the CNN).
import { argmaxRows, type Engine } from '../reproducible-ops/engine.ts';
import { numel, tensor, type Tensor } from '../reproducible-ops/tensor.ts';

export const EVAL_BATCH = 1000;

/** Predicted class of every sample of x. */
export function predictClasses(engine: Engine, params: Float32Array[], x: Tensor, classes: number, batch = EVAL_BATCH): Int32Array {
  const n = x.shape[0];
  const per = numel(x.shape.slice(1));
  const out = new Int32Array(n);
  for (let from = 0; from < n; from += batch) {
    const m = Math.min(batch, n - from);
    const xb = tensor([m, ...x.shape.slice(1)], x.data.subarray(from * per, (from + m) * per));
    out.set(argmaxRows(engine.predict(params, xb), classes), from);
  }
  return out;
}

/** Fraction of samples whose predicted class equals the label. */
export function accuracy(engine: Engine, params: Float32Array[], x: Tensor, labels: Uint8Array, classes: number): number {
  const pred = predictClasses(engine, params, x, classes);
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) ok++;
  return ok / pred.length;
}

/**
 * Mean softmax cross-entropy of the model on (at most `max` of) the held-out samples: the
 * validation loss a solver publishes next to its training losses. Informational only (never
 * hashed or committed), so it is computed in double precision with Math.exp/log.
 */
export function validationLoss(engine: Engine, params: Float32Array[], x: Tensor, labels: Uint8Array, classes: number, max = 256): number {
  const n = Math.min(max, x.shape[0]);
  const per = numel(x.shape.slice(1));
  const logits = engine.predict(params, tensor([n, ...x.shape.slice(1)], x.data.subarray(0, n * per)));
  let total = 0;
  for (let r = 0; r < n; r++) {
    const row = logits.subarray(r * classes, (r + 1) * classes);
    const top = Math.max(...row);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - top);
    total += Math.log(sum) + top - row[labels[r]];
  }
  return total / n;
}
