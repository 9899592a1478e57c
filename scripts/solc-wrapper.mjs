#!/usr/bin/env node
// Minimal native-solc stand-in built on solc-js (npm `solc`), for forge.
//
// No native solc binary can be downloaded in our environments, so foundry.toml points
// `solc` at this script. Forge only needs two things from a compiler binary:
//   solc --version                 -> "solc, the solidity compiler commandline interface\nVersion: X"
//   solc --standard-json [flags]   -> Standard JSON input on stdin, output JSON on stdout
// Flags forge may pass: --base-path P, --include-path P (repeatable), --allow-paths A,B,
// plus anything else (ignored). Imports that are not already in `sources` are resolved
// through the import callback: relative to the base path, the include paths, the allowed
// paths and the current directory, in that order, refusing anything outside them.
import { createRequire } from 'node:module';
import { readFileSync, readSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const solc = loadSolc();

/**
 * solc-js with string arguments passed through solc's heap instead of the WASM stack.
 * Emscripten's cwrap copies 'string' arguments onto the stack, so a Standard JSON input above
 * ~1.25 MB (a full build of this repo: ~80 sources, 1.3 MB) crashed with "memory access out of
 * bounds". solidity_alloc'd buffers are released by the solidity_reset solc-js calls after
 * every compile.
 */
function loadSolc() {
  const soljson = require('solc/soljson.js');
  const cwrap = soljson.cwrap;
  soljson.cwrap = (name, returnType, argTypes) => {
    if (!argTypes || !argTypes.includes('string') || !soljson._solidity_alloc) return cwrap(name, returnType, argTypes);
    const raw = cwrap(name, returnType, argTypes.map((t) => (t === 'string' ? 'number' : t)));
    return (...callArgs) =>
      raw(...callArgs.map((a, i) => {
        if (argTypes[i] !== 'string' || typeof a !== 'string') return a;
        const size = soljson.lengthBytesUTF8(a) + 1;
        const ptr = soljson._solidity_alloc(size);
        soljson.stringToUTF8(a, ptr, size);
        return ptr;
      }));
  };
  return require('solc/wrapper.js')(soljson);
}

// solc-js reports e.g. "0.8.28+commit.7893614a.Emscripten.clang"; native Linux builds say
// "...Linux.g++". Forge parses the semver (and the commit) out of it.
function nativeVersion() {
  return solc.version().replace(/\.Emscripten\.clang$/, '.Linux.g++');
}

const args = process.argv.slice(2);
const FLAGS_WITH_VALUE = new Set([
  '--base-path',
  '--include-path',
  '--allow-paths',
  '--output-dir',
  '-o',
  '--evm-version',
  '--optimize-runs',
  '--libraries',
  '--stop-after',
  '--revert-strings',
  '--debug-info',
  '--model-checker-engine',
]);

let basePath = null;
const includePaths = [];
const allowPaths = [];
let mode = null;
const positional = [];
for (let i = 0; i < args.length; i++) {
  let a = args[i];
  let v;
  const eq = a.indexOf('=');
  if (a.startsWith('--') && eq > 0) {
    v = a.slice(eq + 1);
    a = a.slice(0, eq);
  } else if (FLAGS_WITH_VALUE.has(a)) {
    v = args[++i];
  }
  switch (a) {
    case '--version':
    case '-v':
      mode ??= 'version';
      break;
    case '--standard-json':
      mode = 'standard-json';
      break;
    case '--base-path':
      basePath = v;
      break;
    case '--include-path':
      if (v) includePaths.push(v);
      break;
    case '--allow-paths':
      if (v) allowPaths.push(...v.split(',').filter(Boolean));
      break;
    default:
      // Unknown flags are accepted and ignored; a positional arg may name the JSON input file.
      if (!a.startsWith('-')) positional.push(a);
      break;
  }
}

if (mode === 'version') {
  process.stdout.write(
    `solc, the solidity compiler commandline interface\nVersion: ${nativeVersion()}\n`,
  );
  process.exit(0);
}

if (mode !== 'standard-json') {
  process.stderr.write(
    'solc-wrapper (solc-js): only --version and --standard-json are supported\n',
  );
  process.exit(1);
}

const cwd = process.cwd();
const roots = [basePath, ...includePaths, ...allowPaths, cwd]
  .filter((p) => p != null && p !== '')
  .map((p) => path.resolve(cwd, p));
const uniqueRoots = [...new Set(roots)];

function isInside(file, root) {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function findImports(importPath) {
  const candidates = path.isAbsolute(importPath)
    ? [importPath]
    : uniqueRoots.map((r) => path.join(r, importPath));
  for (const c of candidates) {
    const abs = path.resolve(c);
    if (!uniqueRoots.some((r) => isInside(abs, r))) continue;
    try {
      if (existsSync(abs) && statSync(abs).isFile()) {
        return { contents: readFileSync(abs, 'utf8') };
      }
    } catch {
      /* try next */
    }
  }
  return { error: `File not found (solc-wrapper searched: ${uniqueRoots.join(', ')}): ${importPath}` };
}

function readStdin() {
  const chunks = [];
  let buf = Buffer.alloc(1 << 16);
  for (;;) {
    let n;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if (e.code === 'EAGAIN') continue;
      if (e.code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

// Like native solc: `--standard-json [file]` reads the file if given, stdin otherwise.
const input = positional.length > 0 ? readFileSync(positional[0], 'utf8') : readStdin();
let output;
try {
  output = solc.compile(input, { import: findImports });
} catch (e) {
  output = JSON.stringify({
    errors: [
      {
        component: 'general',
        formattedMessage: `solc-wrapper: ${e && e.stack ? e.stack : e}`,
        message: `solc-wrapper: ${e && e.message ? e.message : e}`,
        severity: 'error',
        type: 'InternalCompilerError',
      },
    ],
  });
}
process.stdout.write(output);
process.stdout.write('\n');
