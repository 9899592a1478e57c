#!/usr/bin/env node
// Builds wasm/build/repops.wasm from wasm/repops_wasm.c with clang + wasm-ld (Debian:
// apt-get install clang lld). Flags: 4-lane SIMD (-msimd128, never relaxed SIMD),
// -ffp-contract=off, no libc; shared imported memory and atomics so worker threads can
// share one memory. `--optional` turns a failure into a one-line notice (exit 0): the
// backend registry then reports wasm as unavailable and falls back.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build', 'repops.wasm');
const optional = process.argv.includes('--optional');
const quiet = process.argv.includes('--quiet');

function findClang() {
  const names = [process.env.WASM_CC, 'clang', 'clang-19', 'clang-18', 'clang-17', 'clang-16', 'clang-15', 'clang-14'].filter(Boolean);
  for (const n of names) {
    try {
      execFileSync(n, ['--version'], { stdio: 'ignore' });
      return n;
    } catch {}
  }
  throw new Error(`no clang found (tried ${names.join(', ')}); install clang and lld`);
}

const FLAGS = [
  '--target=wasm32', '-O3', '-msimd128', '-matomics', '-mbulk-memory', '-mmutable-globals', '-ffp-contract=off', '-fno-fast-math', '-fno-math-errno',
  '-nostdlib', '-std=gnu11', '-Wall', '-Wno-unused-variable', '-Wno-unused-but-set-variable',
  '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--shared-memory', '-Wl,--max-memory=2147483648',
  '-Wl,--export=__heap_base', '-Wl,--export=__stack_pointer', '-Wl,-z,stack-size=262144',
];

try {
  const clang = findClang();
  mkdirSync(dirname(out), { recursive: true });
  execFileSync(clang, [...FLAGS, join(here, 'repops_wasm.c'), '-o', out], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (!existsSync(out)) throw new Error(`${out} was not produced`);
  if (!quiet) console.log(`wasm backend built: ${out}`);
} catch (e) {
  const msg = `wasm backend not built (${String(e.message).split('\n')[0]})`;
  if (!optional) {
    console.error(msg);
    process.exit(1);
  }
  console.warn(msg);
}
