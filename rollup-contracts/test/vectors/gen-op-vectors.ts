// Differential vectors for the on-chain op semantics (OpSemantics.sol, Rng.sol, TensorProofs.sol,
// NodeCodec.sol), computed by the normative TypeScript: ops/table.ts (`sem.reads`, `evalElement`,
// `foldSequence`, shape rules), rng.ts, merkle.ts, program.ts and trace-acc.ts.
//
//   npx tsx rollup-contracts/test/vectors/gen-op-vectors.ts           # (re)write the files
//   npx tsx rollup-contracts/test/vectors/gen-op-vectors.ts --check   # fail if they are stale
//   ... --cases 50   # fewer cases per op (quick experiments; don't commit the output)
//
// Output (big-endian u32 words, read by the forge tests with mload):
//   ops/<id>_<name>.bin  nCases, then per case:
//     valid, opId, kind (0 source, 1 map, 2 fold), seed, step (u32; init = 0xFFFFFFFF),
//     nIn, per input [rank, dims...], nAttrs, attrs...
//     valid == 0: the TS shape rule (or the arity check) rejects the node; nothing follows.
//     valid == 1: outRank, outDims..., nSamples, per sample:
//       map : e, nReads, (input, index) * nReads, value bits * nReads, result bits
//       fold: e, len, init bits, nK, per k: k, nReads, (input, index) * nReads, values, acc_k, acc_{k+1}
//   Value bits are the raw input bit patterns (non-canonical NaN payloads included); results and
//   accumulators are canonical, as TS produces them.
//   rng.bin, tensors.bin, deep.bin, merkle.bin, nodes.bin, acc.bin: see proof-cases.ts.
// Modules: op-cases.ts (random nodes per op), op-vectors.ts (op files), proof-cases.ts (the rest),
// vec-writer.ts (word writer, PRNG, float classes). reproducible-ops/onchain-vectors.test.ts
// regenerates the op files (and the cheap proof files) and fails if the committed ones are stale.
import { mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CASES, opVectorFiles } from './op-vectors.ts';
import { proofVectorFiles } from './proof-cases.ts';

const OUT_DIR = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const CHECK = args.includes('--check');
const casesIdx = args.indexOf('--cases');
const VALID_CASES = casesIdx >= 0 ? Number(args[casesIdx + 1]) : DEFAULT_CASES;

function allFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const [name, buf] of opVectorFiles(VALID_CASES)) files.set(name, buf);
  for (const [name, buf] of proofVectorFiles()) files.set(name, buf);
  return files;
}

function main(): void {
  const files = allFiles();
  let stale = 0, total = 0;
  mkdirSync(path.join(OUT_DIR, 'ops'), { recursive: true });
  for (const [name, buf] of files) {
    const p = path.join(OUT_DIR, name);
    total += buf.length;
    if (CHECK) {
      if (!existsSync(p) || !readFileSync(p).equals(buf)) {
        console.error(`stale: ${name}`);
        stale++;
      }
    } else writeFileSync(p, buf);
  }
  if (CHECK) {
    const extra = readdirSync(path.join(OUT_DIR, 'ops')).filter((f) => !files.has(`ops/${f}`));
    for (const f of extra) console.error(`stale: ops/${f} (no such op)`);
    if (stale + extra.length) process.exit(1);
  }
  console.log(`${CHECK ? 'checked' : 'wrote'} ${files.size} files, ${(total / 1e6).toFixed(2)} MB`);
}

main();
