// chain/fastlz.ts against the chain's own FastLZ: GasPriceOracle.getL1Fee(data) (Fjord, Solady's
// LibZip.flzCompress on chain) on a real anvil --network optimism must equal fjordL1Cost of our
// flzCompressLen(data) + 68 to the wei, for inputs that exercise literals, short and long
// (> 262 byte) matches and far back-references. L1 prices are set so that one byte of FastLZ
// size moves the fee by ~0.7 gwei, and every input is past the 100-byte minimum.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concat, hexlify, keccak256, parseUnits, toBeHex, ZeroHash } from 'ethers';
import { REPO_ROOT } from '../chain/artifacts.ts';
import { makeProvider } from '../chain/client.ts';
import { fjordL1Cost, l1FeeOfBytes } from '../chain/op-bridge.ts';
import { flzCompressLen } from '../chain/fastlz.ts';
import { installFeePredeploys, OP_MAINNET_SCALARS, setL1BlockValues } from '../chain/op-stack.ts';
import { startAnvil, stopPid } from '../chain/processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'optrain-fastlz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** n pseudo-random bytes (keccak chain from a seed): incompressible. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let h = keccak256(toBeHex(seed, 32));
  for (let i = 0; i < n; i += 32) {
    out.set(Buffer.from(h.slice(2), 'hex').subarray(0, Math.min(32, n - i)), i);
    h = keccak256(h);
  }
  return out;
}

const repeat = (b: Uint8Array, times: number) => concat(Array(times).fill(b));

test('flzCompressLen + 68 prices every input exactly as GasPriceOracle.getL1Fee (LibZip on chain)', { timeout: 60_000 }, async () => {
  const anvil = await startAnvil({ dir, network: 'optimism', chainId: 10, blockTime: 0 });
  const l2 = makeProvider(anvil.rpcUrl, 100);
  try {
    await installFeePredeploys(l2);
    const prices = { baseFee: parseUnits('10', 'gwei'), blobBaseFee: 7n, baseFeeScalar: BigInt(OP_MAINNET_SCALARS.baseFeeScalar), blobBaseFeeScalar: BigInt(OP_MAINNET_SCALARS.blobBaseFeeScalar) };
    await setL1BlockValues(l2, { number: 1n, timestamp: 1n, baseFee: prices.baseFee, blobBaseFee: prices.blobBaseFee, hash: ZeroHash }, OP_MAINNET_SCALARS);
    const fixture = readFileSync(join(REPO_ROOT, 'rollup-contracts/test/fixtures/mnist-mlp.abi')).subarray(0, 6000); // real dispute calldata
    const inputs: [string, string][] = [
      ['random 200 B', hexlify(noise(200, 1))],
      ['random 5000 B', hexlify(noise(5000, 2))],
      ['random, 3000 zero bytes, random', concat([noise(150, 3), new Uint8Array(3000), noise(150, 4)])],
      ['a 7-byte pattern ×300', concat([noise(120, 5), repeat(noise(7, 6), 300)])],
      ['a 40-byte block repeated far apart', concat([noise(40, 7), noise(7000, 8), noise(40, 7), noise(100, 9)])],
      ['32-byte words with zero padding', concat(Array.from({ length: 60 }, (_, i) => concat([new Uint8Array(28), toBeHex(i * 977, 4)])))],
      ['dispute move-script bytes', hexlify(fixture)],
      // small alphabets: matches of every short length, the encodings' boundaries (2 vs 3 bytes)
      ['a 4-letter alphabet', hexlify(noise(4000, 10).map((x) => x & 3))],
      ['a 16-letter alphabet', hexlify(noise(4000, 11).map((x) => x & 15))],
      // zero runs of 250..280 bytes: match lengths around the 262-byte split of a long match
      ['zero runs of 250..280 bytes', concat(Array.from({ length: 31 }, (_, i) => concat([noise(20, 100 + i), new Uint8Array(250 + i)])))],
      // the same 20 bytes 8191 / 8192 bytes apart (zeros between): the longest back-reference, and one too far
      ['a repeat at distance 8191', concat([noise(20, 12), new Uint8Array(8171), noise(20, 12), noise(100, 13)])],
      ['a repeat at distance 8192', concat([noise(20, 14), new Uint8Array(8172), noise(20, 14), noise(100, 15)])],
    ];
    for (const [name, data] of inputs) {
      const ours = fjordL1Cost(flzCompressLen(Buffer.from(data.slice(2), 'hex')) + 68, prices);
      assert.ok(ours > fjordL1Cost(0, prices), `${name}: above the 100-byte minimum`);
      assert.equal(ours, await l1FeeOfBytes(l2, data, undefined, anvil.accounts[0].address), `${name}: FastLZ length`);
    }
  } finally {
    l2.destroy();
    await stopPid(anvil.pid);
  }
});
