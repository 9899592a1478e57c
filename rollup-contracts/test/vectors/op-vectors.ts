// The op-semantics vectors (format: see gen-op-vectors.ts): for every op of ops/table.ts, random
// nodes from op-cases.ts with TS-computed output shapes, reads, values and fold sequences.
import { evalElement, foldSequence, OPS_BY_ID, type ElemCtx, type OpDef, type Read } from '../../../reproducible-ops/ops/table.ts';
import { fromBits, toBits } from '../../../reproducible-ops/f32.ts';
import { numel, type Shape } from '../../../reproducible-ops/tensor.ts';
import { buildCase, mutate, type OpCase } from './op-cases.ts';
import { chance, int, mix, mulberry32, seedOf, valueBits, Words, type Rand } from './vec-writer.ts';

export const DEFAULT_CASES = 400;
const MAP_SAMPLES = 3;
const FOLD_SAMPLES = 2;
const KIND = { source: 0, map: 1, fold: 2 } as const;

/** Input values, drawn per element on first read (the same element always has the same bits). */
interface LazyInput {
  bits(i: number): number;
  view: Float32Array; // what evalElement indexes: a Proxy returning fromBits(bits(i))
}

function lazyInput(n: number, gen: (i: number) => number): LazyInput {
  const cache = new Map<number, number>();
  const bits = (i: number): number => {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`read of element ${i} outside an input of ${n} elements`);
    let b = cache.get(i);
    if (b === undefined) cache.set(i, (b = gen(i) >>> 0));
    return b;
  };
  const view = new Proxy({} as Float32Array, {
    get(_t, p) {
      if (typeof p === 'string' && /^\d+$/.test(p)) return fromBits(bits(Number(p)));
      throw new Error(`unexpected access to property ${String(p)} of a lazy input`);
    },
  });
  return { bits, view };
}

function ctxOf(c: OpCase, outShape: Shape): ElemCtx {
  return { inShapes: c.inShapes, outShape, attrs: c.attrs, seed: c.seed >>> 0, step: c.step };
}

function inputsOf(c: OpCase, caseSeed: number): LazyInput[] {
  const inputs = c.inShapes.map((s, i) => lazyInput(numel(s), (e) => valueBits(mulberry32(mix(caseSeed, i, e)), c.modes[i])));
  if (c.derivedY) {
    // y = maxpool2d(x) for most windows (so ties with the window's elements happen), random elsewhere
    const pool = OPS_BY_ID.get(33)!;
    const x = inputs[0], random = inputs[1];
    const pc: ElemCtx = { inShapes: [c.inShapes[0]], outShape: c.inShapes[1], attrs: c.attrs, seed: 0, step: 0 };
    inputs[1] = lazyInput(numel(c.inShapes[1]), (w) =>
      chance(mulberry32(mix(caseSeed, 99, w)), 0.75) ? toBits(evalElement(pool, w, pc, [x.view])) : random.bits(w));
  }
  return inputs;
}

function validShape(c: OpCase): Shape | null {
  if (c.inShapes.length !== c.def.arity) return null;
  try {
    return c.def.shape(c.inShapes, c.attrs);
  } catch {
    return null;
  }
}

function sampleElements(r: Rand, n: number, count: number): number[] {
  if (n === 0) return [];
  const es = new Set([0, n - 1]);
  while (es.size < Math.min(n, count)) es.add(int(r, 0, n - 1));
  return [...es].slice(0, count);
}

function writeReads(w: Words, reads: Read[], inputs: LazyInput[]): void {
  w.u32(reads.length);
  for (const [inp, idx] of reads) w.u32(inp).u32(idx);
  for (const [inp, idx] of reads) w.u32(inputs[inp].bits(idx));
}

function writeMapSample(w: Words, def: OpDef, e: number, ctx: ElemCtx, inputs: LazyInput[]): void {
  if (def.sem.kind !== 'map') throw new Error('not a map');
  w.u32(e);
  writeReads(w, def.sem.reads(e, ctx), inputs);
  w.u32(toBits(evalElement(def, e, ctx, inputs.map((x) => x.view))));
}

/** gather_rows / scatter_rows: also sample the steps whose id matches (random k rarely does). */
const ROW_FOLDS = new Set(['gather_rows', 'scatter_rows']);
const accumulationSteps = (seq: number[]): number[] =>
  [...Array(seq.length - 1).keys()].filter((k) => toBits(seq[k + 1]) !== toBits(seq[k]));

function writeFoldSample(w: Words, r: Rand, def: OpDef, e: number, ctx: ElemCtx, inputs: LazyInput[]): void {
  const sem = def.sem;
  if (sem.kind !== 'fold') throw new Error('not a fold');
  const seq = foldSequence(def, e, ctx, inputs.map((x) => x.view));
  const len = seq.length - 1;
  if (toBits(seq[len]) !== toBits(evalElement(def, e, ctx, inputs.map((x) => x.view))))
    throw new Error(`${def.name}: foldSequence and evalElement disagree at e=${e}`);
  let ks = len <= 4 ? [...Array(len).keys()] : [...new Set([0, int(r, 0, len - 1), int(r, 0, len - 1), len - 1])].sort((a, b) => a - b);
  if (ROW_FOLDS.has(def.name)) ks = [...new Set([...ks, ...accumulationSteps(seq).slice(0, 3)])].sort((a, b) => a - b);
  w.u32(e).u32(len).u32(toBits(sem.init(e, ctx))).u32(ks.length);
  for (const k of ks) {
    w.u32(k);
    writeReads(w, sem.reads(e, k, ctx), inputs);
    w.u32(toBits(seq[k])).u32(toBits(seq[k + 1]));
  }
}

function writeCase(w: Words, r: Rand, c: OpCase, withSamples: boolean): boolean {
  const out = validShape(c);
  w.u32(out ? 1 : 0).u32(c.def.id).u32(KIND[c.def.sem.kind]).u32(c.seed >>> 0).u32(c.step >>> 0);
  w.u32(c.inShapes.length);
  for (const s of c.inShapes) w.list(s);
  w.list(c.attrs.map((a) => a >>> 0));
  if (!out) return false;
  w.list(out);
  const kind = c.def.sem.kind;
  const es = withSamples && kind !== 'source' ? sampleElements(r, numel(out), kind === 'map' ? MAP_SAMPLES : FOLD_SAMPLES) : [];
  w.u32(es.length);
  const ctx = ctxOf(c, out);
  const inputs = inputsOf(c, r());
  for (const e of es) {
    if (kind === 'map') writeMapSample(w, c.def, e, ctx, inputs);
    else writeFoldSample(w, r, c.def, e, ctx, inputs);
  }
  return true;
}

function opVectors(def: OpDef, validCases: number): Buffer {
  const r = mulberry32(seedOf(`op:${def.name}`));
  const w = new Words();
  const body = new Words();
  let count = 0;
  for (let i = 0; i < validCases; i++, count++) {
    if (!writeCase(body, r, buildCase(def, r), true)) throw new Error(`${def.name}: builder made an invalid case`);
  }
  for (let i = 0; i < Math.ceil(validCases / 8); i++, count++) writeCase(body, r, mutate(buildCase(def, r), r), false);
  w.u32(count);
  return Buffer.concat([w.toBuffer(), body.toBuffer()]);
}

/** ops/<id>_<name>.bin for every op of the table, `validCases` well-formed nodes each (+1/8 malformed). */
export function opVectorFiles(validCases = DEFAULT_CASES): [string, Buffer][] {
  return [...OPS_BY_ID.values()].sort((a, b) => a.id - b.id).map((def) => [`ops/${def.id}_${def.name}.bin`, opVectors(def, validCases)]);
}
