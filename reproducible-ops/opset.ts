// The op-set version names the exact bits of every op (docs/REPOPS.md). Any change to any
// op's output bits, to the encodings or to the hashing layout must bump it; it goes into
// every job spec and so into every job hash.
export const OPSET_VERSION = 'repops-2';
