// Unit tests of the dispute client's pieces that need no chain: the off-chain step bisection,
// the calldata builders (every path verified with the TS twins of the contract's checks) and the
// one-step prediction, on a real recorded transition of a tiny MLP job.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../reproducible-ops/engine.ts';
import { chunkBytes, dataRoot, leafHashes, merkleLevels, merkleRoot, sha256, tensorRootOf, verifyProof } from '../reproducible-ops/merkle.ts';
import { opDef } from '../reproducible-ops/ops/table.ts';
import { nodeHash } from '../reproducible-ops/program.ts';
import { tensor } from '../reproducible-ops/tensor.ts';
import { accClimb, emptyAccRoot, verifyAccInsert } from '../reproducible-ops/trace-acc.ts';
import { flipTransform } from '../commitments/tamper-hooks.ts';
import { firstDivergence } from './bisect.ts';
import { childrenOf, chooseRight, firstDifferentWord } from './data-game.ts';
import type { GameState } from '../chain/game-state.ts';
import { predictOneStep } from './one-step.ts';
import { chunkArg, linkProofArgs, oneStepArgs, postFoldArgs, recordRevealArgs, stepsPath, tracePostArgs } from './proofs.ts';
import { accumulators, claimedFoldSequence, runTransition } from './transition.ts';

const buf = (h: unknown) => Buffer.from(String(h).slice(2), 'hex');
const bufs = (hs: unknown) => (hs as string[]).map(buf);

function tinyEngine(): Engine {
  let s = 7;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 2 ** 32);
  const x = new Float32Array(24 * 6).map(() => Math.fround(rnd()));
  const y = new Float32Array(24 * 3);
  for (let i = 0; i < 24; i++) y[i * 3 + (i % 3)] = 1;
  return new Engine({
    specHash: sha256(Buffer.from('arbiter unit test')),
    model: { inputShape: [6], layers: [{ type: 'dense', units: 5, activation: 'relu', useBias: true }, { type: 'dense', units: 3, activation: 'softmax', useBias: true }] },
    optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 },
    batchSize: 4,
    seed: 3,
    train: { x: tensor([24, 6], x), y: tensor([24, 3], y) },
  });
}

const eng = tinyEngine();
const init = runTransition(eng, 0, null);
const run = runTransition(eng, 1, init.post);
const stepNodes = eng.stepProgram.nodes;
const programStepRoot = merkleRoot(stepNodes.map(nodeHash));

describe('firstDivergence (the off-chain bisection over committed state hashes)', () => {
  const committed = Array.from({ length: 11 }, (_, t) => sha256(Buffer.from(`H${t}`)));
  const ownFrom = (t0: number) => async (t: number) => (t < t0 ? committed[t] : sha256(Buffer.from(`mine${t}`)));

  it('finds the first disagreeing state in O(log T) evaluations', async () => {
    const seen: number[] = [];
    const j = await firstDivergence(committed, async (t) => (seen.push(t), ownFrom(7)(t)));
    assert.equal(j, 7);
    assert.ok(seen.length <= 2 + Math.ceil(Math.log2(11)), `evaluated ${seen}`);
  });
  it('returns 0 when the init program is already wrong, null when the final state agrees', async () => {
    assert.equal(await firstDivergence(committed, ownFrom(0)), 0);
    assert.equal(await firstDivergence(committed, async (t) => committed[t]), null);
  });
  it('still returns adjacent agree/disagree states when a lie is masked later', async () => {
    const own = async (t: number) => (t === 3 || t === 10 ? sha256(Buffer.from('x')) : committed[t]);
    const j = (await firstDivergence(committed, own))!;
    assert.ok((await own(j - 1)).equals(committed[j - 1]) && !(await own(j)).equals(committed[j]));
  });
});

describe('move calldata verifies against the commitments the game holds', () => {
  it('stepsPath proves H[t] in stepsRoot', () => {
    const H = [init.stateHash, run.stateHash, sha256(Buffer.from('H2'))];
    for (let t = 0; t < H.length; t++) assert.ok(verifyProof(H[t], t, bufs(stepsPath(H, t)), merkleRoot(H)));
  });

  it('postTrace: roots, last copy and the empty leaf n in the program tree, P_{n-1}', () => {
    const t = tracePostArgs(eng, run);
    const n = stepNodes.length;
    assert.equal(t.n, n);
    assert.ok(verifyProof(sha256(buf(t.lastCopy)), n - 1, bufs(t.lastCopyPath), programStepRoot));
    assert.ok(verifyProof(Buffer.alloc(32), n, bufs(t.endPath), programStepRoot), 'leaf n is empty');
    const tail = stepNodes.length - 2 - stepNodes[n - 1].attrs[1];
    assert.ok(verifyProof(sha256(buf(t.modelTailCopy)), tail, bufs(t.modelTailPath), programStepRoot));
    assert.equal(stepNodes[tail].op, 'copy');
    assert.deepEqual(stepNodes[tail].attrs, [0, eng.params.length - 1]);
    assert.equal(t.finalAcc, '0x' + accumulators(run)[n - 1].toString('hex'));
    assert.equal(t.postModelRoot, '0x' + merkleRoot(run.modelSlots).toString('hex'));
    assert.equal(t.preOptRoot, '0x' + merkleRoot(run.pre!.optSlots).toString('hex'));
  });

  it('revealRecord: the insertion of record i between P_{i-1} and P_i, its program leaf, a state slot', () => {
    const acc = accumulators(run);
    for (const i of [0, 5, 17, stepNodes.length - 1]) {
      const r = recordRevealArgs(run, i);
      const record = sha256(nodeHash(stepNodes[i]), buf(r.outRoot));
      assert.ok(verifyAccInsert(i === 0 ? emptyAccRoot() : acc[i - 1], acc[i], i, record, bufs(r.accPath)), `node ${i}`);
      assert.ok(verifyProof(sha256(buf(r.descriptor)), i, bufs(r.programPath), programStepRoot));
      assert.ok(tensorRootOf(stepNodes[i].shape, buf(r.dataRoot)).equals(buf(r.outRoot)));
    }
    const st = recordRevealArgs(run, 1); // state(tree 0, index 1)
    assert.ok(verifyProof(buf(st.outRoot), 1, bufs(st.slotPath), buf(st.preModelRoot)));
  });

  it('proveLink: the copy node record under P_{n-1} and the post-state leaf', () => {
    const n = stepNodes.length;
    for (const [tree, index] of [[0, 2], [1, 0]]) {
      const p = linkProofArgs(run, tree, index);
      const rec = sha256(nodeHash(stepNodes[p.node as number]), buf(p.outRoot));
      assert.equal(accClimb(rec, p.node as number, bufs(p.recordPath)).toString('hex'), accumulators(run)[n - 1].toString('hex'));
      assert.ok(verifyProof(buf(p.outRoot), index, bufs(p.slotPath), buf(tree === 0 ? p.postModelRoot : p.postOptRoot)));
    }
  });

  it('chunk openings, fold sequences and one-step reads', () => {
    const mm = stepNodes.findIndex((n) => n.op === 'matmul');
    const out = run.outputs[mm];
    const c = chunkArg(out, 7);
    assert.ok(verifyProof(sha256(buf(c.data)), c.index, bufs(c.path), dataRoot(out)));
    const { seq, args } = postFoldArgs(eng, run, mm, 7);
    assert.equal(seq[0], 0);
    assert.equal(seq.at(-1), out[7]);
    assert.equal(args[1], '0x' + dataRoot(seq).toString('hex'));
    const [, openings, chunks] = oneStepArgs(eng, run, mm, 7, 2) as [unknown, { outRoot: string; recordPath: string[] }[], { input: number; chunk: { index: number; data: string } }[]];
    const inputs = stepNodes[mm].inputs;
    openings.forEach((o, s) => assert.ok(accClimb(sha256(nodeHash(stepNodes[inputs[s]]), buf(o.outRoot)), inputs[s], bufs(o.recordPath)).equals(accumulators(run)[mm - 1])));
    const sem = opDef('matmul').sem;
    assert.equal(sem.kind, 'fold');
    for (const [slot, idx] of sem.kind === 'fold' ? sem.reads(7, 2, { inShapes: inputs.map((x) => stepNodes[x].shape), outShape: stepNodes[mm].shape, attrs: stepNodes[mm].attrs, seed: 3, step: 0 }) : [])
      assert.ok(chunks.some((ch) => ch.input === slot && ch.chunk.index === Math.floor(idx / 256)), `read (${slot}, ${idx}) has its chunk`);
    assert.ok(chunks.every((ch) => chunkBytes(run.outputs[inputs[ch.input]], ch.chunk.index).equals(buf(ch.chunk.data))));
  });
});

describe('predictOneStep', () => {
  const game = (over: Partial<GameState>) => ({ phase: 'AwaitOneStep', agreedLen: 0, element: 0, foldIndex: 0, accK: 0, accNext: 0, value: 0, ...over }) as GameState;
  const bits = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0];

  it('agrees with an honest map element and flags a flipped one', () => {
    const relu = stepNodes.findIndex((n) => n.op === 'relu');
    const honest = predictOneStep(eng, run, game({ agreedLen: relu, element: 3, value: bits(run.outputs[relu][3]) }));
    assert.equal(honest.challengerWins, false);
    const lied = runTransition(eng, 1, init.post, { transform: flipTransform(relu, 3, 30) });
    const p = predictOneStep(eng, lied, game({ agreedLen: relu, element: 3, value: bits(lied.outputs[relu][3]) }));
    assert.equal(p.challengerWins, true);
    assert.equal(p.computed, bits(run.outputs[relu][3]));
  });

  it('checks one accumulation step of a fold against the claimed acc_{k+1}', () => {
    const mm = stepNodes.findIndex((n) => n.op === 'matmul');
    const seq = claimedFoldSequence(eng, run, mm, 5);
    const g = (next: number) => game({ agreedLen: mm, element: 5, foldIndex: 2, accK: bits(seq[2]), accNext: next });
    assert.equal(predictOneStep(eng, run, g(bits(seq[3]))).challengerWins, false);
    assert.equal(predictOneStep(eng, run, g(bits(seq[3]) ^ 1)).challengerWins, true);
  });
});

describe('data sub-game trees', () => {
  const g = (over: Partial<GameState>) => ({ dataHeight: 1, dataIndex: 0, dataNode: '0x', dataLeft: '0x', ...over }) as GameState;
  const hex = (b: Uint8Array) => '0x' + Buffer.from(b).toString('hex');
  const honest = Float32Array.from({ length: 600 }, (_, i) => i / 7);
  const liar = honest.slice();
  liar[300] = 1e9; // chunk 1 of 3
  const [mine, theirs] = [honest, liar].map((d) => merkleLevels(leafHashes(d)));

  it('the solver reveals the children of its node; a node that is not its own gets no answer', () => {
    const kids = childrenOf(theirs, g({ dataHeight: 2, dataIndex: 0, dataNode: hex(theirs[2][0]) }))!;
    assert.deepEqual(kids, [hex(theirs[1][0]), hex(theirs[1][1])]);
    assert.equal(childrenOf(theirs, g({ dataHeight: 2, dataIndex: 0, dataNode: hex(mine[2][0]) })), null);
  });

  it('the challenger follows the leftmost differing child down to the chunk with the lie, then finds its word', () => {
    assert.equal(chooseRight(mine, g({ dataHeight: 2, dataIndex: 0, dataLeft: hex(theirs[1][0]) })), false, 'left subtree (chunks 0, 1) differs');
    assert.equal(chooseRight(mine, g({ dataHeight: 1, dataIndex: 0, dataLeft: hex(theirs[0][0]) })), true, 'chunk 0 agrees: go right to chunk 1');
    assert.equal(firstDifferentWord(chunkBytes(liar, 1), honest, 1), 300 - 256);
    assert.equal(firstDifferentWord(chunkBytes(honest, 2), honest, 2), -1);
    const padded = chunkBytes(honest, 2);
    padded.writeUInt32LE(1, 4 * 200); // nonzero bytes in the encoding padding (600 = 2 * 256 + 88)
    assert.equal(firstDifferentWord(padded, honest, 2), 200, 'a padding slot is pickable');
  });
});
