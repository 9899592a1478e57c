// The import graph reads top to bottom (README "Layout", common rules):
//   cli -> {solver, verifier, explorer} -> arbiter -> chain -> {commitments, econ} -> jobs -> reproducible-ops
// A module imports only modules in lower layers, two modules of one layer (solver and verifier,
// commitments and econ) never import each other, and no file-level import circle exists anywhere.
// Leaf trees (tests, benches, scripts, contract fixtures) may import any layer; nothing layered
// imports them. Static, dynamic, type-only imports and re-exports all count (a circle through a
// type import is still a circle for the reader). The installed TypeScript 7 has no JS parser API,
// so imports are matched by pattern; the first test checks every match resolves to a real file.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const LAYERS: string[][] = [['cli'], ['solver', 'verifier', 'explorer'], ['arbiter'], ['chain'], ['commitments', 'econ'], ['jobs'], ['reproducible-ops']];
export const LEAVES = ['test', 'bench', 'rollup-contracts', 'scripts', 'bin', 'native', 'wasm'];
const SKIP = new Set(['node_modules', 'out', 'cache', 'build', 'lib']); // build output, forge libraries

// `import x from '.'`, `import type {..} from`, `export * from`, multi-line lists; `import '.'`; `import('.')`.
const IMPORT_RE = /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

const layerOf = new Map(LAYERS.flatMap((mods, i) => mods.map((m) => [m, i] as const)));

function sourceFiles(dir: string, acc: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || SKIP.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, acc);
    else if (/\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts')) acc.push(p);
  }
  return acc;
}

/** Every relative import of every source file, as repo-relative paths: file -> imported files. */
export function importGraph(root = ROOT): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const tops = [...layerOf.keys(), ...LEAVES].filter((d) => existsSync(join(root, d)));
  for (const abs of tops.flatMap((d) => sourceFiles(join(root, d)))) {
    const specs = [...readFileSync(abs, 'utf8').matchAll(IMPORT_RE)].map((m) => m[1] ?? m[2] ?? m[3]);
    const targets = specs
      .filter((s) => s.startsWith('.'))
      .map((s) => relative(root, resolve(dirname(abs), s)));
    graph.set(relative(root, abs), targets);
  }
  return graph;
}

const moduleOf = (file: string) => file.split('/')[0];
const isLeaf = (file: string) => LEAVES.includes(moduleOf(file)) || file.endsWith('.test.ts');

/** One line per import that goes up a layer, sideways between peers, or into a leaf tree. */
export function layerViolations(graph: Map<string, string[]>): string[] {
  const bad: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const a = moduleOf(from), b = moduleOf(to);
      if (LEAVES.includes(b) && !isLeaf(from)) bad.push(`${from} -> ${to}: ${a}/ imports the leaf tree ${b}/`);
      if (a === b || !layerOf.has(b)) continue;
      if (!layerOf.has(a)) continue; // leaf trees may import any layer
      const peerRoles = (a === 'solver' && b === 'verifier') || (a === 'verifier' && b === 'solver');
      if (isLeaf(from) && !peerRoles) continue; // a module's own tests may reach into any layer, but never the other role
      if (layerOf.get(b)! <= layerOf.get(a)!) bad.push(`${from} -> ${to}: ${a}/ may not import ${b}/ (${layerOf.get(b) === layerOf.get(a) ? 'peers' : 'upward'})`);
    }
  }
  return bad;
}

/** File-level import circles (strongly connected components of more than one file, or a self-import). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>();
  const stack: string[] = [], cycles: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next), low.set(v, next), next++;
    stack.push(v), onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) visit(w), low.set(v, Math.min(low.get(v)!, low.get(w)!));
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do (w = stack.pop()!), onStack.delete(w), scc.push(w);
    while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('import graph', () => {
  const graph = importGraph();

  test('reads every module of the layer order and resolves every relative import to a file', () => {
    for (const mods of LAYERS) for (const m of mods) assert.ok(existsSync(join(ROOT, m)), `layer module ${m}/ missing`);
    assert.ok(graph.size > 200, `only ${graph.size} source files found`);
    const dangling = [...graph].flatMap(([f, ts]) => ts.filter((t) => !existsSync(join(ROOT, t))).map((t) => `${f} -> ${t}`));
    assert.deepEqual(dangling, []);
  });

  test('no import circle', () => {
    assert.deepEqual(importCycles(graph).map((c) => c.join(' <-> ')), []);
  });

  test('layers: no upward import, no import between peers, nothing layered imports a test/bench/script', () => {
    assert.deepEqual(layerViolations(graph), []);
  });

  test('the checks catch what they are for', () => {
    const g = new Map([
      ['chain/a.ts', ['arbiter/b.ts']], // upward
      ['verifier/c.ts', ['solver/d.ts']], // peer role
      ['verifier/e.test.ts', ['solver/d.ts']], // a test does not make it legal
      ['jobs/f.ts', ['test/helpers/g.ts']], // layered code using a test helper
      ['arbiter/b.ts', ['arbiter/h.ts']],
      ['arbiter/h.ts', ['arbiter/b.ts']], // circle
      ['solver/d.ts', []], ['test/helpers/g.ts', []],
    ]);
    assert.equal(layerViolations(g).length, 4, layerViolations(g).join('\n'));
    assert.deepEqual(importCycles(g), [['arbiter/b.ts', 'arbiter/h.ts']]);
    assert.deepEqual(importCycles(new Map([['cli/x.ts', ['cli/x.ts']]])), [['cli/x.ts']]);
  });
});
