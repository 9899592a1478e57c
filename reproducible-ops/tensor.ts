// Shapes and flat row-major indexing shared by every backend.

export type Shape = readonly number[];

export interface Tensor {
  shape: Shape;
  data: Float32Array;
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: Shape, data?: Float32Array | number[]): Tensor {
  const n = numel(shape);
  const d = data instanceof Float32Array ? data : data ? Float32Array.from(data) : new Float32Array(n);
  if (d.length !== n) throw new Error(`tensor: shape [${shape}] needs ${n} elements, got ${d.length}`);
  return { shape: [...shape], data: d };
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Numpy-style broadcast of shapes aligned on the right; throws when incompatible. */
export function broadcastShapes(...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) throw new Error(`cannot broadcast shapes ${shapes.map((x) => `[${x}]`).join(' and ')}`);
    }
  }
  return out;
}

/** Strides of `inShape` viewed inside `outShape` (0 on broadcast dimensions). */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const st = stridesOf(inShape);
  const res = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < inShape.length; i++) {
    const o = outShape.length - inShape.length + i;
    res[o] = inShape[i] === 1 ? 0 : st[i];
  }
  return res;
}

/** Flat index in a broadcast input of output element e. */
export function broadcastIndex(e: number, outShape: Shape, inStrides: number[]): number {
  let idx = 0;
  for (let d = outShape.length - 1; d >= 0; d--) {
    const c = e % outShape[d];
    e = (e - c) / outShape[d];
    idx += c * inStrides[d];
  }
  return idx;
}
