// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Where a dispute stands; each phase has exactly one side to move (see `moverOf`).
///
///     AwaitFinal ──revealFinal──▶ AwaitStep ──pickStep──▶ AwaitTrace ──postTrace──▶ AwaitTraceChoice
///        │ (model hash wrong:       │ (leaf m's interval          ▲                 │            │
///        │  challenger wins)        │  holds > 1 transition)      │ pickMid         │            │
///        │                          └──▶ AwaitMids ──postMids──▶ AwaitMidPick     │            │
///        ▼                                                                 disputeLink      startTrace
///     Resolved ◀──proveLink── AwaitLinkProof ◀────────────────────────────────────────┘            │
///                                                                                                    ▼
///     AwaitRecord ◀──chooseAcc (interval of one record)── AwaitAccChoice ◀──revealAcc── AwaitAcc ◀──┘
///        │  (source op: decided here)                            └──chooseAcc (wider)──▶ AwaitAcc
///        ▼
///     AwaitElementPick ──pickElement──▶ AwaitElementOpen ──openElement──▶ AwaitOneStep (map op)
///                                                              └──────────▶ AwaitFold (fold op)
///     AwaitFold ──postFold──▶ AwaitFoldPick ──pickAcc──▶ AwaitFoldOpen ──openAcc──▶ AwaitOneStep
///     AwaitOneStep ──oneStep──▶ Resolved;  any phase ──claimTimeout──▶ Resolved
///     data sub-game, from AwaitElementPick / AwaitFoldPick (once each) when the solver
///     withholds its tensor: ──requestData──▶ AwaitDataChildren ⇄ AwaitDataChoice ──▶
///     AwaitDataChunk ──revealChunk──▶ back to the pick phase (a padding leaf is settled).
///     The steps tree (requestStepsTree, from AwaitStep) is descended the same way and returns
///     to AwaitStep at a leaf. pickStep names a LEAF m of the steps tree (H[min(mK, T)], K =
///     the job's hashInterval); when its interval (lo, hi] holds more than one transition the
///     solver posts H[lo+1..hi-1] (postMids) and the challenger names the transition in it
///     (pickMid). With K = 1 every interval holds one transition and AwaitMids never occurs.
enum Phase {
    None,
    AwaitFinal, // solver: reveal the roots behind the final state hash
    AwaitStep, // challenger: name the disputed leaf m of the steps tree
    AwaitTrace, // solver: commit to the op trace of transition j
    AwaitTraceChoice, // challenger: dispute a post-state link, or bisect the trace
    AwaitLinkProof, // solver: prove the disputed post-state leaf
    AwaitAcc, // solver: reveal the trace accumulator at the bisection midpoint
    AwaitAccChoice, // challenger: agree or disagree with that accumulator
    AwaitRecord, // solver: reveal the one record between the agreed and the disputed accumulator
    AwaitElementPick, // challenger: name a wrong output element
    AwaitElementOpen, // solver: open that element
    AwaitFold, // solver: commit to the element's accumulator sequence
    AwaitFoldPick, // challenger: name a wrong accumulation step
    AwaitFoldOpen, // solver: open acc_k and acc_{k+1}
    AwaitOneStep, // anyone (challenger's clock): re-execute one binary32 operation on chain
    Resolved,
    // data sub-game (appended so earlier phase numbers stay stable for off-chain bots):
    AwaitDataChildren, // solver: reveal the two children of the current data-tree node
    AwaitDataChoice, // challenger: follow the child that differs from its own tree
    AwaitDataChunk, // solver: put the reached leaf chunk on chain
    // hash interval (appended for the same reason):
    AwaitMids, // solver: post the state hashes inside the disputed leaf's interval
    AwaitMidPick // challenger: name the first wrong transition inside the interval
}

/// @notice The two parties of a dispute.
enum Side {
    Solver,
    Challenger
}

/// @notice Why a dispute ended (in `GameResolved`).
enum Reason {
    FinalModelMismatch, // the committed finalModelHash is not the model root of H[T]
    Timeout, // the side to move exhausted its time bank
    LinkProven, // the disputed post-state leaf is the program's copy output (or provably empty)
    SourceProven, // the disputed record is a source op whose output root checks out
    EmptyFold, // the disputed fold element has no terms and equals the fold's init value
    OneStep, // decided by re-executing one operation
    Padding // the disputed element is encoding padding: zero bytes / an empty leaf are honest
}

/// @notice Which Merkle proof failed (in `BadProof`).
enum ProofKind {
    StepsLeaf, // leaf m of the commitment's stepsRoot (H[min(mK, T)])
    ProgramLeaf, // node hash under the program tree of the disputed transition
    ProgramEnd, // the program tree's leaf n (must be empty)
    AccInsert, // insertion of the revealed record between the agreed and disputed accumulators
    Record, // an earlier record under an accumulator
    StateSlot, // tensor root under a model / optimizer root
    Chunk // 1024-byte chunk under a tensor's data root
}

/// @notice Per-dispute state. Only roots, indices and a few scalars are stored; every tensor,
///         trace and proof travels in calldata and is checked against these.
/// @dev    INVARIANT: phase == None  <=> the dispute id was never opened.
///         INVARIANT: phase == Resolved  => no further move, timeout or market call for this id.
///         INVARIANT: in AwaitMids / AwaitMidPick, step = lo and the disputed interval is
///                    (lo, min(lo + hashInterval, numSteps)] with H[lo] = preHash and
///                    H[hi] = postHash; from AwaitTrace on, step = j, the real transition.
///         INVARIANT: agreedLen < disputedLen <= n while bisecting; accLo / accHi are the trace
///                    accumulators after agreedLen / disputedLen records.
struct Game {
    // --- slot 0: who, whose clock, where ---
    address solver;
    uint48 solverBank; // seconds the solver may still spend
    Phase phase;
    uint8 opKind; // OpSemantics kind of the disputed node (MAP / FOLD) once revealed
    bool challengerWon; // outcome, meaningful once phase == Resolved
    Reason reason; // why it ended, meaningful once phase == Resolved
    // --- slot 1 ---
    address challenger;
    uint48 challengerBank; // seconds the challenger may still spend
    uint48 turnStartedAt; // when the side to move got the move
    // --- slot 2: keccak256(abi.encode(JobParams, Commitment)) from `open` ---
    bytes32 paramsHash;
    // --- job data, stored by revealFinal ---
    bytes32 specHash;
    bytes32 programRoot;
    bytes32 stepsRoot;
    uint64 numSteps; // T
    uint32 seed; // the engine's u32 seed (low 32 bits of JobParams.seed)
    uint64 step; // j, the disputed transition (0 = init program); lo in AwaitMids / AwaitMidPick
    uint32 n; // program length of transition j
    uint16 modelCount; // P: model tensors in the state
    uint16 optCount; // S: optimizer tensors in the state
    uint32 hashInterval; // K: the steps tree commits H[min(mK, T)] (fills the slot above)
    // --- transition j ---
    bytes32 preHash; // H[j-1] (zero for j == 0); its roots are re-supplied when needed
    bytes32 postHash; // H[j]
    bytes32 midsHash; // keccak256(H[lo], H[lo+1..hi-1], H[hi]) posted in AwaitMids
    bytes32 nodesRoot; // Merkle root of the node hashes of the program run by transition j
    // --- trace bisection ---
    uint32 agreedLen; // records the challenger accepted (lo + 1)
    uint32 disputedLen; // records the challenger disputes (hi + 1)
    uint8 linkTree; // disputeLink target
    uint32 linkIndex;
    bytes32 accLo; // accumulator after agreedLen records
    bytes32 accHi; // accumulator after disputedLen records
    bytes32 accMid; // revealed, not yet judged
    // --- disputed node (index agreedLen) and element ---
    bytes32 nodeHash;
    bytes32 dataRoot; // data root of the node's output tensor
    uint64 numel;
    uint64 element; // e
    uint32 value; // the solver's out[e], binary32 bits
    // --- fold ---
    bytes32 foldDataRoot; // data root of [acc_0 .. acc_K] as a float32 tensor of shape [K + 1]
    uint32 foldLen; // K
    uint32 foldIndex; // k
    uint32 accK; // acc_k
    uint32 accNext; // acc_{k+1}
    // --- data sub-game (same slot as the fold scalars) ---
    uint8 dataTarget; // ElementLib.DATA_OUTPUT or DATA_FOLD
    uint8 dataRequests; // bit per target: each tensor can be requested once
    uint8 dataHeight; // height of dataNode above the leaves
    uint32 dataIndex; // position of dataNode at its height
    bytes32 dataNode; // current node of the solver's data tree
    bytes32 dataLeft; // its revealed children
    bytes32 dataRight;
}

/// @notice A chunk of 256 binary32 elements (1024 bytes LE) and its path to a data root.
struct Chunk {
    uint32 index;
    bytes data;
    bytes32[] path;
}

/// @notice A chunk of the input tensor in slot `input` of the disputed node.
struct InputChunk {
    uint8 input;
    Chunk chunk;
}

/// @notice The solver's trace commitment for transition j (see `DisputeGame.postTrace`).
/// @custom:field finalAcc      P_{n-1}: accumulator over all n records.
/// @custom:field lastCopy      descriptor of node n-1 (a copy node), proven at program leaf n-1.
/// @custom:field endPath       proof that program leaf n is empty (empty when n is a power of two).
/// @custom:field modelTailCopy when node n-1 copies into the optimizer tree (tree 1, index S-1):
///                             descriptor of node n-1-S, the copy of the last model tensor.
struct TracePost {
    uint32 n;
    bytes32 finalAcc;
    bytes32 preModelRoot;
    bytes32 preOptRoot;
    bytes32 postModelRoot;
    bytes32 postOptRoot;
    bytes32 programInitRoot;
    bytes32 programStepRoot;
    bytes lastCopy;
    bytes32[] lastCopyPath;
    bytes32[] endPath;
    bytes modelTailCopy;
    bytes32[] modelTailPath;
}

/// @notice The record between the agreed and the disputed accumulator (see `revealRecord`).
/// @custom:field dataRoot      data root of the output tensor (non-source ops).
/// @custom:field preModelRoot  state ops only: the roots behind H[j-1] (checked against it)...
/// @custom:field slotPath      ...and the output root's path in the pre-state tree.
struct RecordReveal {
    bytes descriptor;
    bytes32 outRoot;
    bytes32 dataRoot;
    bytes32[] accPath;
    bytes32[] programPath;
    bytes32 preModelRoot;
    bytes32 preOptRoot;
    bytes32[] slotPath;
}

/// @notice Proof that post-state leaf (tree, index) is the output of the program's copy node
///         for it, or that the leaf is empty when index >= the tree's tensor count.
struct LinkProof {
    uint32 node;
    bytes descriptor;
    bytes32 outRoot;
    bytes32[] recordPath; // record `node` under P_{n-1}
    bytes32[] programPath;
    bytes32 postModelRoot; // the roots behind H[j] (checked against it)
    bytes32 postOptRoot;
    bytes32[] slotPath; // leaf `index` under the post-state tree
}

/// @notice The disputed node's descriptor and its inputs' descriptors, each proven against the
///         program tree, so op semantics see shapes that never depend on the trace.
struct NodeContext {
    bytes descriptor;
    bytes[] inputDescriptors;
    bytes32[][] inputProgramPaths;
}

/// @notice An input tensor of the disputed node: its record under the agreed accumulator.
struct InputOpening {
    bytes32 outRoot;
    bytes32 dataRoot;
    bytes32[] recordPath;
}

/// @notice What the one-step prover needs to know about the disputed node; all of it comes
///         from the game's storage, none from the caller.
/// @custom:field nodesRoot Merkle root of the node hashes of the program of transition j.
/// @custom:field n         that program's length (fixes the program tree's depth).
/// @custom:field node      index of the disputed node (every input index is smaller).
/// @custom:field stepWord  u32 step the program ran with (0xFFFFFFFF for the init program).
struct DisputedNode {
    bytes32 nodesRoot;
    uint32 n;
    uint32 node;
    bytes32 nodeHash;
    uint32 seed;
    uint32 stepWord;
    uint64 element;
}

/// @notice The game's state the prover judges against. The game forwards the calldata of
///         `postFold` / `oneStep` unparsed (it never decodes the proofs itself, which keeps it
///         under the code size limit) and appends this struct, all static: 12 words.
/// @custom:field accLo   the agreed accumulator holding every input record.
/// @custom:field claimed the solver's out[e] (map op and postFold) or acc_{k+1} (fold step).
struct Judged {
    DisputedNode node;
    bytes32 accLo;
    uint8 opKind;
    uint32 foldIndex;
    uint32 accK;
    uint32 claimed;
}
