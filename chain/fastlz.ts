// The FastLZ compressed length an OP Stack chain (Fjord and later) prices a transaction's L1
// data by: op-geth's types.FlzCompressLen / op-revm's flz_compress_len, the length of Solady's
// LibZip.flzCompress output (what GasPriceOracle compresses on chain). Only the length is
// computed, never the output bytes.

/** Length in bytes of the FastLZ (level 1) compression of `ib`. */
export function flzCompressLen(ib: Uint8Array): number {
  let n = 0;
  const ht = new Uint32Array(8192);
  const u24 = (i: number) => ib[i] | (ib[i + 1] << 8) | (ib[i + 2] << 16);
  // bits 19..31 of the 32-bit product (the Solidity's 256-bit product agrees on them)
  const hash = (v: number) => (Math.imul(2654435769 | 0, v) >>> 19) & 0x1fff;
  const literals = (r: number) => {
    n += 0x21 * Math.floor(r / 0x20);
    r %= 0x20;
    if (r !== 0) n += r + 1;
  };
  const match = (l: number) => {
    l--;
    n += 3 * Math.floor(l / 262);
    n += l % 262 >= 6 ? 3 : 2;
  };
  // length of the common run at p and q, plus one past a mismatch (as the reference counts it)
  const cmp = (p: number, q: number, e: number) => {
    let l = 0;
    for (e -= q; l < e; l++) if (ib[p + l] !== ib[q + l]) e = 0;
    return l;
  };
  const setNextHash = (ip: number) => {
    ht[hash(u24(ip))] = ip;
    return ip + 1;
  };
  let a = 0;
  const ipLimit = ib.length < 13 ? 0 : ib.length - 13;
  for (let ip = a + 2; ip < ipLimit; ) {
    let r = 0, d = 0;
    for (;;) {
      const s = u24(ip);
      const h = hash(s);
      r = ht[h];
      ht[h] = ip;
      d = ip - r;
      if (ip >= ipLimit) break;
      ip++;
      if (d <= 0x1fff && s === u24(r)) break;
    }
    if (ip >= ipLimit) break;
    ip--;
    if (ip > a) literals(ip - a);
    const l = cmp(r + 3, ip + 3, ipLimit + 9);
    match(l);
    ip = setNextHash(setNextHash(ip + l));
    a = ip;
  }
  literals(ib.length - a);
  return n;
}
