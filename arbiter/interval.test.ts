// Unit tests of the interval round (hashInterval K > 1) without a chain: which leaf's interval the
// game is in, which mid the challenger picks, and the challenger party's replay of the disputed
// interval on a real tiny MLP job (an honest challenger against a solver that flipped a bit
// inside the interval, and a griefer against an honest solver).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, type TrainState } from '../reproducible-ops/engine.ts';
import { leafSteps } from '../reproducible-ops/hash-schedule.ts';
import { sha256 } from '../reproducible-ops/merkle.ts';
import { tensor } from '../reproducible-ops/tensor.ts';
import { flipTransform } from '../commitments/tamper-hooks.ts';
import { firstDivergence } from './bisect.ts';
import { challengerMove } from './challenger-moves.ts';
import { ChallengerParty } from './challenger-party.ts';
import type { GameState } from '../chain/game-state.ts';
import { chooseMid, leafOfPostHash, transitionsOfLeaf } from './interval.ts';
import type { GameReader } from '../chain/actions/dispute-game.ts';

const hx = (b: Buffer) => '0x' + b.toString('hex');
const h = (s: string) => hx(sha256(Buffer.from(s)));

describe('chooseMid (pickMid index)', () => {
  const own = ['a', 'b', 'c', 'd'].map(h); // own H[lo+1..hi], an interval of 4 transitions
  it('names the first posted state that differs from the own replay', () => {
    assert.equal(chooseMid([own[0], h('x'), h('y')], h('z'), own), 1);
    assert.equal(chooseMid([h('x'), own[1], own[2]], h('z'), own), 0, 'a masked lie later does not matter');
  });
  it('names the last transition when only the interval end differs', () => {
    assert.equal(chooseMid(own.slice(0, 3), h('z'), own), 3);
  });
  it('returns -1 when everything agrees and compares case-insensitively', () => {
    assert.equal(chooseMid(own.slice(0, 3).map((x) => x.toUpperCase().replace('0X', '0x')), own[3], own), -1);
  });
  it('rejects a mids list of the wrong length', () => {
    assert.throws(() => chooseMid(own.slice(0, 2), h('z'), own), /2 mids posted for an interval of 4 transitions \(expected 3\)/);
  });
});

describe('intervals of leaves', () => {
  const s = { numSteps: 10, hashInterval: 4 };
  it('leaf 0 is the init transition; the last interval may be short', () => {
    assert.deepEqual(transitionsOfLeaf(0, s), { lo: -1, hi: 0 });
    assert.deepEqual(transitionsOfLeaf(2, s), { lo: 4, hi: 8 });
    assert.deepEqual(transitionsOfLeaf(3, s), { lo: 8, hi: 10 });
  });
  it('finds the leaf whose hash ends the game interval', () => {
    const leaves = ['0', '4', '8', '10'].map(h);
    assert.equal(leafOfPostHash(leaves, leaves[2].toUpperCase().replace('0X', '0x'), s), 2);
    assert.equal(leafOfPostHash(leaves, leaves[0], s), null, 'leaf 0 has no interval');
    assert.equal(leafOfPostHash(leaves, h('other'), s), null);
    assert.throws(() => leafOfPostHash(leaves.slice(1), leaves[2], s), /3 committed leaf hashes, the schedule \(T = 10, K = 4\) has 4/);
  });
});

function tinyEngine(): Engine {
  let s = 11;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 2 ** 32);
  const x = new Float32Array(24 * 6).map(() => Math.fround(rnd()));
  const y = new Float32Array(24 * 3);
  for (let i = 0; i < 24; i++) y[i * 3 + (i % 3)] = 1;
  return new Engine({
    specHash: sha256(Buffer.from('interval unit test')),
    model: { inputShape: [6], layers: [{ type: 'dense', units: 5, activation: 'relu', useBias: true }, { type: 'dense', units: 3, activation: 'softmax', useBias: true }] },
    optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 },
    batchSize: 4,
    seed: 3,
    train: { x: tensor([24, 6], x), y: tensor([24, 3], y) },
  });
}

describe('ChallengerParty over a hash interval (T = 10, K = 4: leaves at steps 0, 4, 8, 10)', () => {
  const eng = tinyEngine();
  const sched = { numSteps: 10, hashInterval: 4 };
  const logits = eng.stepProgram.nodes.flatMap((n, i) => (n.op === 'matmul' ? [i] : []))[1]; // every logit reaches the loss
  const flip = flipTransform(logits, 1, 22);
  /** States 0..10; the transition `at` (if any) runs with the flip. */
  const statesOf = (at?: number): TrainState[] => {
    const s = [eng.init()];
    while (s.length <= 10) s.push(eng.step(s.at(-1)!, s.length === at ? flip : undefined).state);
    return s;
  };
  const honest = statesOf();
  const tampered = statesOf(6); // the solver flipped a bit in transition 6, inside leaf 2's interval
  const leavesOf = (states: TrainState[]) => leafSteps(10, 4).map((t) => eng.stateHash(states[t]));
  const game = (mids: Buffer[], post: Buffer): GameState => ({ disputeId: 1n, phase: 'AwaitMidPick', postHash: hx(post), step: 4 }) as unknown as GameState;
  const reader = (mids: Buffer[]) => ({ postedMids: async () => mids.map(hx) }) as unknown as GameReader;

  it('an honest challenger disputes the first wrong leaf and then the flipped transition inside it', async () => {
    const committed = leavesOf(tampered);
    const m = await firstDivergence(committed, async (k) => eng.stateHash(honest[leafSteps(10, 4)[k]]));
    assert.equal(m, 2);
    const party = new ChallengerParty({ engine: eng, hashes: committed, schedule: sched, disputed: m!, preState: async () => honest[4].tensors });
    assert.deepEqual((await party.ownIntervalHashes()).map(hx), [5, 6, 7, 8].map((t) => hx(eng.stateHash(honest[t]))));
    const mids = [5, 6, 7].map((t) => eng.stateHash(tampered[t]));
    const d = await challengerMove(game(mids, committed[2]), party, reader(mids));
    assert.equal(d.kind, 'move');
    assert.deepEqual(d.kind === 'move' && [d.move, d.args], ['pickMid', [1, mids.map(hx)]]);
    assert.equal(d.kind === 'move' && d.note?.step, 6);
    const run = await party.transition(6); // recorded from the agreed H[5]
    assert.ok(run.stateHash.equals(eng.stateHash(honest[6])));
    await assert.rejects(party.transition(9), /transition 9, outside the disputed leaf 2's transitions \(4, 8\]/);
  });

  it('a griefer with a false view of transition 5 picks it against an honest solver\'s mids', async () => {
    const committed = leavesOf(honest);
    const party = new ChallengerParty({ engine: eng, hashes: committed, schedule: sched, disputed: 2, preState: async () => honest[4].tensors, transform: flip });
    const mids = [5, 6, 7].map((t) => eng.stateHash(honest[t]));
    const d = await challengerMove(game(mids, committed[2]), party, reader(mids));
    assert.deepEqual(d.kind === 'move' && [d.move, d.args[0]], ['pickMid', 0]);
    const run = await party.transition(5);
    assert.ok(run.stateHash.equals(eng.stateHash(statesOf(5)[5])), 'its record of transition 5 is its false view');
  });

  it('stays silent when the posted mids and the leaf agree with its replay', async () => {
    const committed = leavesOf(honest);
    const party = new ChallengerParty({ engine: eng, hashes: committed, schedule: sched, disputed: 2, preState: async () => honest[4].tensors });
    const mids = [5, 6, 7].map((t) => eng.stateHash(honest[t]));
    assert.equal((await challengerMove(game(mids, committed[2]), party, reader(mids))).kind, 'silent');
  });

  it('pickStep names the leaf with proofs of leaves m - 1 and m', async () => {
    const committed = leavesOf(tampered);
    const party = new ChallengerParty({ engine: eng, hashes: committed, schedule: sched, disputed: 2, preState: async () => honest[4].tensors });
    const d = await challengerMove({ disputeId: 1n, phase: 'AwaitStep' } as GameState, party, reader([]));
    assert.equal(d.kind === 'move' && d.move, 'pickStep');
    const args = d.kind === 'move' ? d.args : [];
    assert.deepEqual([args[0], args[1], args[3]], [2, hx(committed[1]), hx(committed[2])]);
    assert.equal((args[2] as string[]).length, 2, 'a tree of 4 leaves has depth 2');
  });
});
