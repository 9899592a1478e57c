// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDisputeGame, Commitment, JobParams} from "./interfaces/IDisputeGame.sol";
import {IJobMarket} from "./interfaces/IJobMarket.sol";
import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {IDisputeGameEvents} from "./lib/GameEvents.sol";
import {GameLib, Verdict} from "./lib/GameLib.sol";
import {ElementLib} from "./lib/ElementLib.sol";
import {
    Game,
    Phase,
    Side,
    Reason,
    TracePost,
    RecordReveal,
    LinkProof,
    Chunk,
    NodeContext,
    InputOpening,
    InputChunk
} from "./lib/GameTypes.sol";
import "./lib/GameErrors.sol";

/// @title  DisputeGame
/// @notice Bisection game between a solver and a challenger over one challenged commitment,
///         ending in the on-chain re-execution of a single binary32 operation (docs/PROTOCOL.md).
///
///         step:    the challenger names the first wrong leaf m of stepsRoot (every K-th state
///                  hash H[min(mK, T)] is committed, so this takes one move); when m's interval
///                  holds more than one transition the solver posts the hashes inside it and the
///                  challenger names the first wrong transition j there (two more moves);
///         trace:   the solver commits to the op trace of transition j; the challenger either
///                  disputes a post-state leaf (link) or bisects the trace accumulator down to
///                  one record;
///         element: the challenger names a wrong output element, the solver opens it;
///         fold:    for reductions, the solver commits to the accumulator sequence and the
///                  challenger names a wrong accumulation step;
///         one-step: the contract recomputes the value (OneStepProver) and the liar loses.
///         data:    when the solver does not publish what the challenger needs (its state
///                  hashes, post-state leaves, a tensor or an accumulator sequence), the
///                  challenger makes it reveal that Merkle tree down to one leaf on chain.
///
///         Chess clock: each side has `TIME_BANK` seconds for all its moves together; the side
///         to move is charged the time it takes. When it runs out, anyone may `claimTimeout`
///         and the other side wins. The outcome is reported to the JobMarket exactly once.
///
/// @dev    Thin contract over `GameLib` / `ElementLib` (move checks) and `OneStepProver` (op
///         semantics).
///         INVARIANT: every external move first passes `_begin`: dispute open, not resolved,
///                    expected phase, caller is the side to move (anyone for `oneStep`), and
///                    the mover's clock not expired; then the mover's bank is charged.
///         INVARIANT: `MARKET.resolveDispute` is called only from `_resolve`, which sets
///                    phase = Resolved first, so at most once per dispute.
///         INVARIANT: nothing but roots, indices and scalars is stored; proofs are calldata.
contract DisputeGame is IDisputeGame, IDisputeGameEvents {
    using GameLib for Game;
    using ElementLib for Game;

    /// @notice The market that opens disputes and receives their outcome.
    IJobMarket public immutable MARKET;

    /// @notice Stateless re-execution of one element / accumulation step.
    IOneStepProver public immutable PROVER;

    /// @notice Seconds each side may spend on all its moves of one dispute.
    uint48 public immutable TIME_BANK;

    mapping(uint256 disputeId => Game) internal _games;

    /// @param market   The JobMarket (deploy it first with game address(0), then `setDisputeGame`).
    /// @param prover   The one-step prover.
    /// @param timeBank Seconds per side per dispute (e.g. 1 days), > 0.
    constructor(IJobMarket market, IOneStepProver prover, uint48 timeBank) {
        if (timeBank == 0) revert OutOfRange("time bank", 0, 1);
        MARKET = market;
        PROVER = prover;
        TIME_BANK = timeBank;
    }

    ////////////////////////////////////////////////////////////////
    //                           Open                             //
    ////////////////////////////////////////////////////////////////

    /// @inheritdoc IDisputeGame
    /// @dev Stores only the parties, clocks and keccak256(abi.encode(job, c)); the solver
    ///      re-supplies (job, c) in `revealFinal`. Never reverts on job data, so every commitment
    ///      stays challengeable.
    function open(
        uint256 disputeId,
        uint256 jobId,
        address solver,
        address challenger,
        JobParams calldata job,
        Commitment calldata c
    ) external {
        if (msg.sender != address(MARKET)) revert OnlyMarket(msg.sender, address(MARKET));
        Game storage g = _games[disputeId];
        if (g.phase != Phase.None) revert DisputeAlreadyOpen(disputeId);
        g.solver = solver;
        g.challenger = challenger;
        g.solverBank = TIME_BANK;
        g.challengerBank = TIME_BANK;
        g.turnStartedAt = uint48(block.timestamp);
        g.paramsHash = keccak256(abi.encode(job, c));
        g.phase = Phase.AwaitFinal;
        emit GameOpened(disputeId, jobId, solver, challenger, job, c, g.deadline());
    }

    ////////////////////////////////////////////////////////////////
    //                  Steps 1-2: final state, step              //
    ////////////////////////////////////////////////////////////////

    /// @notice Solver: reveal the model and optimizer roots behind the final state hash H[T] and
    ///         prove H[T] is leaf M = ceil(T/K) of stepsRoot. If the model root is not the
    ///         committed finalModelHash the challenger wins at once.
    /// @param job       The job's parameters as passed to `open`.
    /// @param c         The challenged commitment as passed to `open`.
    /// @param modelRoot Merkle root of the final model tensor roots.
    /// @param optRoot   Merkle root of the final optimizer tensor roots.
    /// @param path      Siblings of leaf M in stepsRoot (depth ceil(log2(M + 1))).
    function revealFinal(
        uint256 disputeId,
        JobParams calldata job,
        Commitment calldata c,
        bytes32 modelRoot,
        bytes32 optRoot,
        bytes32[] calldata path
    ) external {
        Game storage g = _begin(disputeId, Phase.AwaitFinal);
        Verdict memory v = g.revealFinal(job, c, modelRoot, optRoot, path);
        emit FinalRevealed(disputeId, modelRoot, optRoot, g.deadline());
        _settle(disputeId, g, v);
    }

    /// @notice Challenger: dispute leaf m of stepsRoot, i.e. claim H[hi] is not the result of
    ///         running transitions lo+1..hi on H[lo], (lo, hi] = ((m-1)K, min(mK, T)] (m = 0:
    ///         the init program, no pre-state). An interval of one transition is the disputed
    ///         transition j = hi (`StepPicked`); a longer one awaits `postMids` (`IntervalPicked`).
    /// @param m        0 <= m <= M = ceil(T/K).
    /// @param preHash  Leaf m-1 = H[lo] (ignored for m = 0) and `prePath` its stepsRoot proof.
    /// @param postHash Leaf m = H[hi] and `postPath` its stepsRoot proof.
    function pickStep(
        uint256 disputeId,
        uint64 m,
        bytes32 preHash,
        bytes32[] calldata prePath,
        bytes32 postHash,
        bytes32[] calldata postPath
    ) external {
        Game storage g = _begin(disputeId, Phase.AwaitStep);
        uint64 hi = g.pickStep(m, preHash, prePath, postHash, postPath);
        if (g.phase == Phase.AwaitTrace) _emitStepPicked(disputeId, g);
        else _emitIntervalPicked(disputeId, g, m, hi);
    }

    /// @notice Solver: post H[lo+1..hi-1], the state hashes inside the disputed interval.
    /// @param mids Exactly hi - lo - 1 hashes, in step order.
    function postMids(uint256 disputeId, bytes32[] calldata mids) external {
        Game storage g = _begin(disputeId, Phase.AwaitMids);
        g.postMids(mids);
        emit MidsPosted(disputeId, mids, g.deadline());
    }

    /// @notice Challenger: dispute transition j = lo + i + 1 of the interval, from seq[i] to
    ///         seq[i+1] where seq = [H[lo], mids..., H[hi]].
    /// @param i    0 <= i <= hi - lo - 1.
    /// @param mids The solver's mids exactly as posted (checked against their stored hash).
    function pickMid(uint256 disputeId, uint64 i, bytes32[] calldata mids) external {
        Game storage g = _begin(disputeId, Phase.AwaitMidPick);
        g.pickMid(i, mids);
        _emitStepPicked(disputeId, g);
    }

    function _emitStepPicked(uint256 disputeId, Game storage g) private {
        emit StepPicked(disputeId, g.step, g.preHash, g.postHash, g.deadline());
    }

    /// @dev In AwaitMids, step = lo (see `GameLib.pickStep`).
    function _emitIntervalPicked(uint256 disputeId, Game storage g, uint64 m, uint64 hi) private {
        emit IntervalPicked(disputeId, m, g.step, hi, g.preHash, g.postHash, g.deadline());
    }

    ////////////////////////////////////////////////////////////////
    //                      Steps 3-4: trace                      //
    ////////////////////////////////////////////////////////////////

    /// @notice Solver: commit to the trace of transition j: program length n, the accumulator
    ///         P_{n-1} over all n records, the pre/post state roots (checked against H[j-1], H[j])
    ///         and the two program roots (checked against programRoot), plus proofs pinning n
    ///         and the copy nodes that fix the state layout.
    /// @param t See `TracePost`.
    function postTrace(uint256 disputeId, TracePost calldata t) external {
        Game storage g = _begin(disputeId, Phase.AwaitTrace);
        g.postTrace(t);
        emit TracePosted(disputeId, g.n, t.finalAcc, g.modelCount, g.optCount, g.deadline());
    }

    /// @notice Challenger: claim post-state leaf (tree, index) is not what the trace's copy node
    ///         for it produced (or, past the last tensor, not empty).
    /// @param tree  0 = model, 1 = optimizer.
    /// @param index Leaf index, below the tree's padded width.
    function disputeLink(uint256 disputeId, uint8 tree, uint32 index) external {
        Game storage g = _begin(disputeId, Phase.AwaitTraceChoice);
        g.disputeLink(tree, index);
        emit LinkDisputed(disputeId, tree, index, g.deadline());
    }

    /// @notice Solver: prove the disputed post-state leaf; wins the dispute if the proof holds.
    /// @param p See `LinkProof`.
    function proveLink(uint256 disputeId, LinkProof calldata p) external {
        Game storage g = _begin(disputeId, Phase.AwaitLinkProof);
        _settle(disputeId, g, g.proveLink(p));
    }

    /// @notice Challenger: dispute the trace itself; starts the bisection over record prefixes.
    function startTrace(uint256 disputeId) external {
        Game storage g = _begin(disputeId, Phase.AwaitTraceChoice);
        g.startTrace();
        emit TraceBisectionStarted(disputeId, g.n, g.deadline());
    }

    /// @notice Solver: reveal the trace accumulator after floor((agreedLen + disputedLen) / 2)
    ///         records (see `AccRevealed` / `AccChosen` for the interval).
    /// @param acc P_{mid-1}: the depth-16 accumulator over the first mid records.
    function revealAcc(uint256 disputeId, bytes32 acc) external {
        Game storage g = _begin(disputeId, Phase.AwaitAcc);
        g.revealAcc(acc);
        emit AccRevealed(disputeId, g.midLen(), acc, g.deadline());
    }

    /// @notice Challenger: agree (the first mid records are right) or disagree with the revealed
    ///         accumulator; the disputed interval halves.
    function chooseAcc(uint256 disputeId, bool agree) external {
        Game storage g = _begin(disputeId, Phase.AwaitAccChoice);
        g.chooseAcc(agree);
        emit AccChosen(disputeId, agree, g.agreedLen, g.disputedLen, g.deadline());
    }

    /// @notice Solver: reveal record `agreedLen` (descriptor + output root), proven to be the only
    ///         change between the agreed and the disputed accumulator and to be that program
    ///         node. Source ops are settled here (state slot / dataset root).
    /// @param r See `RecordReveal`.
    function revealRecord(uint256 disputeId, RecordReveal calldata r) external {
        Game storage g = _begin(disputeId, Phase.AwaitRecord);
        (Verdict memory v, uint16 opId) = g.revealRecord(r);
        emit RecordRevealed(disputeId, g.agreedLen, opId, r.outRoot, g.numel, g.deadline());
        _settle(disputeId, g, v);
    }

    ////////////////////////////////////////////////////////////////
    //                 Steps 5-6: element, fold, one-step         //
    ////////////////////////////////////////////////////////////////

    /// @notice Challenger: name an output element of the revealed node that is wrong.
    /// @param e Flat row-major element index, below the tensor's element count; or a padding
    ///          slot (below 256 x the padded number of chunks), which must be zero.
    function pickElement(uint256 disputeId, uint64 e) external {
        Game storage g = _begin(disputeId, Phase.AwaitElementPick);
        g.pickElement(e);
        emit ElementPicked(disputeId, e, g.deadline());
    }

    /// @notice Solver: open the named element from its chunk under the output's data root.
    ///         A padding slot settles the dispute here: zero -> solver wins, else challenger.
    /// @param c Chunk e / 256 and its path (for a padding leaf: empty data, path to bytes32(0)).
    function openElement(uint256 disputeId, Chunk calldata c) external {
        Game storage g = _begin(disputeId, Phase.AwaitElementOpen);
        (Verdict memory v, uint32 value) = g.openElement(c);
        emit ElementOpened(disputeId, g.element, value, g.phase == Phase.AwaitFold, g.deadline());
        _settle(disputeId, g, v);
    }

    /// @notice Solver (fold ops): commit to the element's accumulator sequence acc_0..acc_K as a
    ///         float32 tensor of shape [K + 1], opening acc_0 (must be the op's init value) and
    ///         acc_K (must be the opened element).
    /// @param nc          The node's and its inputs' descriptors with program proofs.
    /// @param accDataRoot Data root of the sequence.
    /// @param first       Chunk 0 of the sequence.
    /// @param last        Chunk K / 256 of the sequence.
    function postFold(
        uint256 disputeId,
        NodeContext calldata nc,
        bytes32 accDataRoot,
        Chunk calldata first,
        Chunk calldata last
    ) external {
        (nc, first, last); // checked by the prover, which gets this calldata as it is
        Game storage g = _begin(disputeId, Phase.AwaitFold);
        (Verdict memory v, bytes32 accRoot, uint256 foldLen) = g.postFold(PROVER, accDataRoot);
        // forge-lint: disable-next-line(unsafe-typecast) -- the prover rejects foldLen >= 2^32 - 1
        emit FoldPosted(disputeId, accRoot, uint32(foldLen), g.deadline());
        _settle(disputeId, g, v);
    }

    /// @notice Challenger: name an accumulation step k (0 <= k < K) that is wrong.
    function pickAcc(uint256 disputeId, uint32 k) external {
        Game storage g = _begin(disputeId, Phase.AwaitFoldPick);
        g.pickAcc(k);
        emit FoldStepPicked(disputeId, k, g.deadline());
    }

    /// @notice Solver: open acc_k (from `a`) and acc_{k+1} (from `a` if in the same chunk, else `b`).
    function openAcc(uint256 disputeId, Chunk calldata a, Chunk calldata b) external {
        Game storage g = _begin(disputeId, Phase.AwaitFoldOpen);
        (uint32 accK, uint32 accNext) = g.openAcc(a, b);
        emit FoldStepOpened(disputeId, g.foldIndex, accK, accNext, g.deadline());
    }

    /// @notice Anyone (on the challenger's clock): re-execute the disputed element (map op) or
    ///         accumulation step (fold op) from inputs proven under the agreed accumulator.
    ///         The computed value decides: different from the solver's -> challenger wins.
    /// @param nc     The node's and its inputs' descriptors with program proofs.
    /// @param inputs One opening per input slot: output root, data root, record proof.
    /// @param chunks The input chunks holding every value the op reads.
    function oneStep(
        uint256 disputeId,
        NodeContext calldata nc,
        InputOpening[] calldata inputs,
        InputChunk[] calldata chunks
    ) external {
        (nc, inputs, chunks); // checked by the prover, which gets this calldata as it is
        Game storage g = _begin(disputeId, Phase.AwaitOneStep);
        (Verdict memory v, uint16 opId, uint32 computed, uint32 claimed) = g.oneStep(PROVER);
        emit OneStepExecuted(disputeId, opId, computed, claimed);
        _settle(disputeId, g, v);
    }

    ////////////////////////////////////////////////////////////////
    //            Data sub-game (withheld tensors)                //
    ////////////////////////////////////////////////////////////////

    /// @notice Challenger, instead of pickElement / pickAcc when the solver does not serve its
    ///         tensor: make the solver reveal its data tree (output in AwaitElementPick, fold
    ///         sequence in AwaitFoldPick) down to one leaf chunk. Once per tensor per dispute.
    function requestData(uint256 disputeId) external {
        Phase p = _games[disputeId].phase;
        Game storage g = _begin(disputeId, p == Phase.AwaitFoldPick ? Phase.AwaitFoldPick : Phase.AwaitElementPick);
        (uint8 target, uint8 height) = g.requestData();
        emit DataRequested(disputeId, target, height, g.deadline());
    }

    /// @notice Challenger, in AwaitStep when the solver does not publish its state hashes: make it
    ///         reveal stepsRoot down to one leaf (the first wrong leaf m), then `pickStep(m)`. Once.
    function requestStepsTree(uint256 disputeId) external {
        Game storage g = _begin(disputeId, Phase.AwaitStep);
        (uint8 target, uint8 height) = g.requestStepsTree();
        emit DataRequested(disputeId, target, height, g.deadline());
    }

    /// @notice Challenger, in AwaitTraceChoice when the solver does not publish its post-state
    ///         leaves: make it reveal post-state tree `tree` (0 model, 1 optimizer) down to one
    ///         leaf, then `disputeLink` that leaf. Once per tree; the tree must have > 1 leaf.
    /// @param postModelRoot The roots behind H[j] (from `TracePosted`'s transaction), checked.
    function requestStateTree(uint256 disputeId, uint8 tree, bytes32 postModelRoot, bytes32 postOptRoot) external {
        Game storage g = _begin(disputeId, Phase.AwaitTraceChoice);
        (uint8 target, uint8 height) = g.requestStateTree(tree, postModelRoot, postOptRoot);
        emit DataRequested(disputeId, target, height, g.deadline());
    }

    /// @notice Solver: reveal the children of the current node (sha256(left || right) == node).
    function revealChildren(uint256 disputeId, bytes32 left, bytes32 right) external {
        Game storage g = _begin(disputeId, Phase.AwaitDataChildren);
        g.revealChildren(left, right);
        emit DataChildrenRevealed(disputeId, g.dataHeight, g.dataIndex, left, right, g.deadline());
    }

    /// @notice Challenger: follow the right (true) or left child. Reaching a padding leaf settles
    ///         the dispute (only bytes32(0) is honest there).
    function chooseChild(uint256 disputeId, bool right) external {
        Game storage g = _begin(disputeId, Phase.AwaitDataChoice);
        Verdict memory v = g.chooseChild(right);
        emit DataChildChosen(disputeId, right, g.dataHeight, g.dataIndex, g.deadline());
        _settle(disputeId, g, v);
    }

    /// @notice Solver: put the reached leaf chunk (1024 bytes, sha256 == leaf) on chain; the
    ///         challenger then picks an element / accumulation step as usual.
    function revealChunk(uint256 disputeId, bytes calldata chunk) external {
        Game storage g = _begin(disputeId, Phase.AwaitDataChunk);
        g.revealChunk(chunk);
        emit DataChunkRevealed(disputeId, g.dataTarget, g.dataIndex, chunk, g.deadline());
    }

    ////////////////////////////////////////////////////////////////
    //                          Clocks                            //
    ////////////////////////////////////////////////////////////////

    /// @notice Anyone: end the dispute when the side to move has used up its time bank; the
    ///         other side wins.
    function claimTimeout(uint256 disputeId) external {
        Game storage g = _live(disputeId);
        Side s = GameLib.moverOf(g.phase);
        uint256 spent = block.timestamp - g.turnStartedAt;
        uint256 bank = g.bankOf(s);
        if (spent <= bank) revert ClockRunning(disputeId, s, bank - spent);
        emit TimedOut(disputeId, s);
        _resolve(disputeId, g, s == Side.Solver, Reason.Timeout);
    }

    ////////////////////////////////////////////////////////////////
    //                           Views                            //
    ////////////////////////////////////////////////////////////////

    /// @notice A dispute's full state (zeroed for unknown ids).
    /// @dev    Encodes the 48 static words of `Game` straight from its 23 storage slots with a
    ///         layout table: the compiler's storage -> memory -> ABI copy costs ~2 KB of code the
    ///         game does not have (EIP-170). DisputeGame.Views.t.sol checks the output against
    ///         the compiler's own copy for every field, so a `Game` edit not mirrored in the
    ///         table fails there (regenerate it from the struct: see the LAYOUT comment).
    function getGame(uint256 disputeId) external view returns (Game memory) {
        // LAYOUT: field i of `Game` (declaration order) is entry i, 16 bits at bit 16 * (i % 16)
        // of word i / 16: storage slot (5 bits) | byte offset in the slot (5) | size in bytes (6).
        // It is solc's packing: a field starts a new slot when it does not fit the current one.
        assembly ("memory-safe") {
            mstore(0, disputeId)
            mstore(0x20, _games.slot)
            let s := keccak256(0, 0x40)
            let p := mload(0x40)
            for { let i := 0 } lt(i, 48) { i := add(i, 1) } {
                let t := 0x33083204300828202020182010200e860d0608140741070106c1068105060014
                if gt(i, 15) { t := 0x78207020682060205a445a015904580450204820402038203704368236023504 }
                if gt(i, 31) { t := 0xb020a820a0209cc49c819c419c019b049a049904980490208c048a0888088020 }
                let e := and(shr(shl(4, and(i, 15)), t), 0xffff)
                let off := and(shr(6, e), 0x1f)
                let size := and(e, 0x3f)
                let w := sload(add(s, shr(11, e)))
                // bytes [off, off + size) of the slot (from the low end), zero-extended
                w := shr(sub(256, shl(3, size)), shl(sub(256, shl(3, add(off, size))), w))
                mstore(add(p, shl(5, i)), w)
            }
            return(p, 0x600)
        }
    }

    /// @notice When the side to move runs out of time.
    function deadlineOf(uint256 disputeId) external view returns (uint256) {
        return _live(disputeId).deadline();
    }

    ////////////////////////////////////////////////////////////////
    //                         Internals                          //
    ////////////////////////////////////////////////////////////////

    /// @dev An open, unresolved dispute.
    function _live(uint256 disputeId) internal view returns (Game storage g) {
        g = _games[disputeId];
        if (g.phase == Phase.None) revert UnknownDispute(disputeId);
        if (g.phase == Phase.Resolved) revert DisputeResolved(disputeId);
    }

    /// @dev Admission of a move: right phase, right caller, clock not expired; charges the clock.
    function _begin(uint256 disputeId, Phase expected) internal returns (Game storage g) {
        g = _live(disputeId);
        Phase p = g.phase;
        if (p != expected) revert WrongPhase(disputeId, expected, p);
        Side s = GameLib.moverOf(p);
        address mover = s == Side.Solver ? g.solver : g.challenger;
        if (msg.sender != mover && p != Phase.AwaitOneStep) revert NotYourTurn(disputeId, msg.sender, mover);
        uint256 spent = block.timestamp - g.turnStartedAt;
        uint256 bank = g.bankOf(s);
        if (spent > bank) revert ClockExpired(disputeId, s, spent - bank);
        // INVARIANT: a bank only ever decreases, by exactly the time its side held the move.
        // forge-lint: disable-start(unsafe-typecast) -- bank - spent <= bank, itself a uint48
        if (s == Side.Solver) g.solverBank = uint48(bank - spent);
        else g.challengerBank = uint48(bank - spent);
        // forge-lint: disable-end(unsafe-typecast)
        g.turnStartedAt = uint48(block.timestamp);
    }

    function _settle(uint256 disputeId, Game storage g, Verdict memory v) internal {
        if (v.over) _resolve(disputeId, g, v.challengerWon, v.reason);
    }

    /// @dev Effects before the interaction; the market is trusted (it deployed the wiring).
    function _resolve(uint256 disputeId, Game storage g, bool challengerWon, Reason reason) internal {
        g.phase = Phase.Resolved;
        g.challengerWon = challengerWon;
        g.reason = reason;
        emit GameResolved(disputeId, challengerWon, reason);
        MARKET.resolveDispute(disputeId, challengerWon);
    }
}
