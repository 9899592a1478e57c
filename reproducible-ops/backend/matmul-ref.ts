// Reference matmul of one [M, K] x [K, N] product (optionally transposed operands): every
// element is acc = +0, then acc + a(i,k)*b(k,j) for k ascending, each product rounded first.
const fr = Math.fround;

export function matmulRef(a: Float32Array, b: Float32Array, M: number, K: number, N: number, ta: boolean, tb: boolean): Float32Array {
  const o = new Float32Array(M * N); // acc_0 = +0
  if (tb) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        const bo = j * K;
        if (ta) for (let k = 0; k < K; k++) acc = fr(acc + fr(a[k * M + i] * b[bo + k]));
        else for (let k = 0, ao = i * K; k < K; k++) acc = fr(acc + fr(a[ao + k] * b[bo + k]));
        o[i * N + j] = acc;
      }
    }
    return o;
  }
  // k-outer order keeps each element's accumulation in ascending k
  for (let i = 0; i < M; i++) {
    const oo = i * N;
    for (let k = 0; k < K; k++) {
      const aik = ta ? a[k * M + i] : a[i * K + k];
      const bo = k * N;
      for (let j = 0; j < N; j++) o[oo + j] += fr(aik * b[bo + j]);
    }
  }
  return o;
}
