// The shape of an op-table entry (types only), apart from table.ts so the table's parts
// (table.ts, table-transformer.ts) share it without importing each other.
import type { Shape } from '../tensor.ts';

export type Read = [input: number, index: number];

export interface ElemCtx {
  inShapes: Shape[];
  outShape: Shape;
  attrs: number[];
  seed: number;
  step: number; // -1 while initialising
}

export type ElemSem =
  | { kind: 'source' } // output root is checked as a whole (state slot / dataset root)
  | { kind: 'map'; reads(e: number, c: ElemCtx): Read[]; f(v: number[], e: number, c: ElemCtx): number }
  | {
      kind: 'fold';
      len(e: number, c: ElemCtx): number;
      init(e: number, c: ElemCtx): number;
      reads(e: number, k: number, c: ElemCtx): Read[];
      // e (output element) and k (fold index) are context too: gather/scatter compare ids with them
      step(acc: number, v: number[], c: ElemCtx, e: number, k: number): number;
    };

export interface OpDef {
  id: number;
  name: string;
  arity: number;
  attrs: string[]; // names of the leading fixed attr words; `...dims` (or `...perm`) = rank + list follow
  shape(inShapes: Shape[], a: number[]): Shape;
  sem: ElemSem;
}
