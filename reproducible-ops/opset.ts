// The op-set version names the exact bits of every op (docs/REPOPS.md). Any change to any
// op's output bits, to the encodings or to the hashing layout must bump it; it goes into
// every job spec and so into every job hash.
//
// repops-3 only ADDS ops (ops/table-transformer.ts); every repops-2 op keeps its id and bits.
// So one build runs both: a job names the op set it was posted under, a repops-2 job keeps
// the job hash and state hashes it always had, and only a repops-3 job may use the new ops
// (docs/REPOPS.md §15.1).
import { REPOPS3_OPS } from './ops/table-transformer.ts';

export const OPSET_VERSIONS = ['repops-2', 'repops-3'] as const;
export type OpsetVersion = (typeof OPSET_VERSIONS)[number];
/** The newest op set: what new jobs are written with and `optrain --version` prints. */
export const OPSET_VERSION: OpsetVersion = 'repops-3';
/** The op set of every job posted before repops-3 (and of the golden jobs). */
export const REPOPS_2: OpsetVersion = 'repops-2';

export function isOpsetVersion(v: unknown): v is OpsetVersion {
  return (OPSET_VERSIONS as readonly unknown[]).includes(v);
}

/** The first op set that has `op`. */
export function opIntroducedIn(op: string): OpsetVersion {
  return REPOPS3_OPS.has(op) ? 'repops-3' : 'repops-2';
}

/** Throws a one-line error when a program uses an op its job's op set does not have. */
export function checkProgramOpset(version: string, ops: Iterable<string>): void {
  if (!isOpsetVersion(version)) throw new Error(`opsetVersion: expected one of ${OPSET_VERSIONS.map((v) => `"${v}"`).join(', ')}, got ${JSON.stringify(version)}`);
  if (version !== 'repops-2') return;
  for (const op of ops)
    if (opIntroducedIn(op) !== 'repops-2') throw new Error(`opsetVersion "repops-2" has no op '${op}' (added in "${opIntroducedIn(op)}"): set "opsetVersion": "${opIntroducedIn(op)}"`);
}
