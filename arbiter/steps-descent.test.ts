// Unit tests of the steps-tree descent without a chain: the game's side (ElementLib's
// requestStepsTree / revealChildren / chooseChild) is mirrored here, the solver reveals its tree
// with the arbiter's solver code (childrenOf) and the challenger plays stepsTreeStep /
// stepsTreeChoice from its own leaves. For every tree size and every first wrong leaf the
// descent must reach that leaf, and pickStep's two proofs (revealed siblings + own hashes) must
// verify against the solver's stepsRoot as the contract checks them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { merkleLevels, merkleRoot, sha256, verifyProof } from '../reproducible-ops/merkle.ts';
import { lastLeaf } from '../reproducible-ops/hash-schedule.ts';
import type { GameReader, RevealedChildren } from '../chain/actions/dispute-game.ts';
import { childrenOf } from './data-game.ts';
import { DATA_STEPS, PHASES, toGameState, type GameState, type Phase } from '../chain/game-state.ts';
import type { DisputeParty } from './party.ts';
import { stepsTreeChoice, stepsTreeStep } from './steps-descent.ts';

const hx = (b: Uint8Array) => '0x' + Buffer.from(b).toString('hex');
const toBuf = (h: string) => Buffer.from(h.slice(2), 'hex');
const leaf = (tag: string, m: number) => sha256(Buffer.from(`${tag}${m}`));

function game(phase: Phase, o: Partial<GameState>): GameState {
  return { ...toGameState(7n, { phase: PHASES.indexOf(phase) }), ...o };
}

function partyOf(own: Buffer[], numSteps: number, hashInterval: number): DisputeParty {
  return {
    side: 'challenger', engine: undefined as never, ownLeafHashesNow: () => own,
    committedHashes: async () => assert.fail('the descent must not read the solver\'s hashes'),
    schedule: async () => ({ numSteps, hashInterval }), transition: async () => assert.fail('no transition is needed'),
  };
}

/** Plays the whole descent; returns the AwaitStep decision at the leaf and the solver's reveals. */
async function descend(own: Buffer[], theirs: Buffer[], T: number, K: number) {
  const party = partyOf(own, T, K);
  const levels = merkleLevels(theirs);
  const stepsRoot = hx(merkleRoot(theirs));
  const reveals: RevealedChildren[] = [];
  const reader = { revealedChildren: async () => reveals } as unknown as GameReader;
  const first = await stepsTreeStep(game('AwaitStep', { stepsRoot }), party, reader);
  assert.equal(first.kind === 'move' && first.move, 'requestStepsTree');
  let g = game('AwaitDataChildren', { stepsRoot, dataTarget: DATA_STEPS, dataRequests: 1 << DATA_STEPS, dataHeight: levels.length - 1, dataIndex: 0, dataNode: stepsRoot });
  while (g.dataHeight > 0) {
    const kids = childrenOf(levels, g); // the solver's answer (solver-moves.ts)
    assert.ok(kids, `the solver owns node (${g.dataHeight}, ${g.dataIndex})`);
    reveals.push({ height: g.dataHeight, index: g.dataIndex, left: kids[0], right: kids[1] });
    g = { ...g, phase: 'AwaitDataChoice', dataLeft: kids[0], dataRight: kids[1] };
    const d = await stepsTreeChoice(g, party);
    assert.ok(d.kind === 'move' && d.move === 'chooseChild');
    const right = d.args[0] as boolean;
    g = { ...g, phase: 'AwaitDataChildren', dataNode: right ? kids[1] : kids[0], dataIndex: 2 * g.dataIndex + (right ? 1 : 0), dataHeight: g.dataHeight - 1 };
  }
  g = { ...g, phase: 'AwaitStep' };
  return { decision: await stepsTreeStep(g, party, reader), stepsRoot, depth: levels.length - 1 };
}

describe('steps-tree descent (challenger without the solver\'s hashes)', () => {
  for (const [T, K] of [[1, 1], [2, 1], [4, 1], [8, 1], [10, 1], [10, 4], [13, 3]]) {
    const M = lastLeaf(T, K);
    it(`reaches the first wrong leaf of ${M + 1} leaves (T = ${T}, K = ${K}) and proves leaves m - 1 and m`, async () => {
      const own = Array.from({ length: M + 1 }, (_, m) => leaf('h', m));
      for (let wrong = 0; wrong <= M; wrong++) {
        const theirs = own.map((h, m) => (m >= wrong ? leaf('lie', m) : h)); // a lie carries over to every later leaf
        const { decision, stepsRoot, depth } = await descend(own, theirs, T, K);
        assert.ok(decision.kind === 'move' && decision.move === 'pickStep', `wrong from ${wrong}: ${JSON.stringify(decision)}`);
        const [m, preHash, prePath, postHash, postPath] = decision.args as [number, string, string[], string, string[]];
        assert.equal(m, wrong);
        assert.equal(postHash, hx(theirs[m]));
        assert.equal(postPath.length, depth);
        assert.ok(verifyProof(toBuf(postHash), m, postPath.map(toBuf), toBuf(stepsRoot)), 'post proof');
        if (m > 0) assert.ok(verifyProof(toBuf(preHash), m - 1, prePath.map(toBuf), toBuf(stepsRoot)), 'pre proof');
        else assert.deepEqual([preHash, prePath], ['0x' + '00'.repeat(32), []]);
      }
    });
  }

  it('finds the leftmost wrong leaf when a lie is masked later (leaves after it honest again)', async () => {
    const own = Array.from({ length: 9 }, (_, m) => leaf('h', m));
    const theirs = own.map((h, m) => (m === 3 || m === 6 ? leaf('lie', m) : h));
    const { decision } = await descend(own, theirs, 8, 1);
    assert.ok(decision.kind === 'move' && decision.args[0] === 3);
  });

  it('stays silent when the solver\'s root differs only in its padding leaves (no step proves that wrong)', async () => {
    const own = Array.from({ length: 9 }, (_, m) => leaf('h', m));
    const { decision } = await descend(own, [...own, leaf('pad', 9)], 8, 1);
    assert.equal(decision.kind, 'silent');
    assert.match((decision as { reason: string }).reason, /padding leaf 9 \(> M = 8\)/);
  });

  it('requests nothing when its own replay rebuilds the committed stepsRoot', async () => {
    const own = Array.from({ length: 9 }, (_, m) => leaf('h', m));
    const d = await stepsTreeStep(game('AwaitStep', { stepsRoot: hx(merkleRoot(own)) }), partyOf(own, 8, 1), {} as GameReader);
    assert.equal(d.kind, 'silent');
    assert.match((d as { reason: string }).reason, /rebuilds the committed stepsRoot/);
  });

  it('waits while its own replay is still running', async () => {
    const party = { ...partyOf([], 8, 1), ownLeafHashesNow: () => null };
    const d = await stepsTreeStep(game('AwaitStep', { stepsRoot: hx(leaf('r', 0)) }), party, {} as GameReader);
    assert.equal(d.kind, 'wait');
  });
});
