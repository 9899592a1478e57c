#!/usr/bin/env node
// Builds the native backend addon native/build/optrain_native.node with the system C
// compiler against the Node-API headers that ship with Node (no header download, so it
// works offline, unlike a default node-gyp run). Each instruction-set flavour of the
// kernels is its own translation unit with its own -m flags; the addon picks one at load
// time from CPUID. Bit-exactness flags: -ffp-contract=off (no FMA contraction), never
// -ffast-math. `--optional` (used by npm's postinstall) turns a failure into a one-line
// notice and exit 0: the backend registry then falls back to WASM.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const out = join(here, 'build');
const optional = process.argv.includes('--optional');
const quiet = process.argv.includes('--quiet');
let cc = 'cc';

function findCompiler() {
  const names = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean);
  for (const n of names) {
    try {
      execFileSync(n, ['--version'], { stdio: 'ignore' });
      return n;
    } catch {}
  }
  throw new Error(`no C compiler found (tried ${names.join(', ')}); install gcc or set CC`);
}

const COMMON = ['-O3', '-fPIC', '-std=gnu11', '-ffp-contract=off', '-fno-fast-math', '-fno-math-errno', '-fvisibility=hidden', '-Wall', '-Wno-unused-variable', '-Wno-unused-but-set-variable'];

function flavours() {
  const a = arch();
  if (a === 'x64')
    return {
      avx512: ['-mavx512f', '-mavx512dq', '-mavx512bw', '-mavx512vl', '-mprefer-vector-width=512'],
      avx2: ['-mavx2'],
      sse2: [],
      generic: [],
    };
  if (a === 'arm64') return { neon: [], generic: [] };
  return { generic: [] };
}

function nodeInclude() {
  const candidates = [process.env.NODE_INCLUDE_DIR, join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  const dir = candidates.find((d) => d && existsSync(join(d, 'node_api.h')));
  if (!dir) throw new Error(`node_api.h not found (looked in ${candidates.filter(Boolean).join(', ')}); set NODE_INCLUDE_DIR`);
  return dir;
}

function compile(file, flags, include) {
  const obj = join(out, file.replace(/\.c$/, '.o'));
  execFileSync(cc, [...COMMON, ...flags, `-I${include}`, `-I${src}`, '-c', join(src, file), '-o', obj], { stdio: ['ignore', 'inherit', 'inherit'] });
  return obj;
}

function build() {
  cc = findCompiler();
  const include = nodeInclude();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const objs = Object.entries(flavours()).map(([isa, flags]) => compile(`kernels_${isa}.c`, flags, include));
  objs.push(compile('pool.c', [], include), compile('sha256.c', [], include), compile('binding.c', ['-DNODE_GYP_MODULE_NAME=optrain_native'], include));
  const target = join(out, 'optrain_native.node');
  const link = process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared'];
  execFileSync(cc, [...link, '-o', target, ...objs, '-lpthread', '-lm'], { stdio: ['ignore', 'inherit', 'inherit'] });
  return target;
}

try {
  const target = build();
  if (!quiet) console.log(`native backend built: ${target}`);
} catch (e) {
  const msg = `native backend not built (${String(e.message).split('\n')[0]}); the wasm backend will be used instead`;
  if (!optional) {
    console.error(msg);
    process.exit(1);
  }
  console.warn(msg);
}
